package drivers

import (
	"strings"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// convModel is one convolution of an h x w x c input to oc channels with an
// f x f filter (same padding, stride 1).
func convModel(t *testing.T, h, w, c, oc, f int) *workloads.Model {
	return quantizedModel(t, func(b *workloads.Builder) []int {
		x := b.Input("x", 1, h, w, c)
		return []int{b.Conv("conv", x, oc, f, f, 1, workloads.Same, quant.ActRelu)}
	})
}

// TestPlanMatMulTiling pins the tiling of convolutions on tiny (8x8 array;
// 16 KiB activation, 8 KiB weight, 4 KiB accumulator scratchpads), derived
// by hand in the comments.
func TestPlanMatMulTiling(t *testing.T) {
	cases := []struct {
		name          string
		h, w, c, oc   int
		f             int
		want          matmulTiling
		tiles, blocks int
		note          string
		layout        string
	}{
		// K = 72, 32 channels in blocks of 8; records (512 bytes) and weights
		// (2304) resident. A tile of px pixels needs 12 px x 8 + 64 bytes of
		// accumulator space (two int32 blocks and the int16 margin): px <= 42,
		// so two rows of 16.
		{"3x3 conv, everything resident", 16, 16, 8, 32, 3,
			matmulTiling{nb: 8, kb: 72, rows: 2, cols: 16, weightsResident: true, recordsResident: true}, 8, 4, "",
			"activation (3392 of 16384 bytes): input[0] 512 at 0, output[0] 1024 at 512, input[1] 512 at 1536, output[1] 1024 at 2048, margin: alignment 320 reserved\n" +
				"weight (3520 of 8192 bytes): records 512 at 0, weights[0] 2304 at 512, margin: alignment 448 reserved, margin: activation table 256 reserved\n" +
				"accumulator (3136 of 4096 bytes): accumulators[0] 1024 at 0, accumulators[1] 1024 at 1024, margin: int16 partial sums 1024 reserved, margin: alignment 64 reserved\n"},
		// K = 128: 1024 bytes of records + 8192 of weights + 704 do not fit,
		// two slots of 8 x 128 do.
		{"1x1 conv, weights streamed", 4, 4, 128, 64, 1,
			matmulTiling{nb: 8, kb: 128, rows: 4, cols: 4, recordsResident: true}, 1, 8,
			"conv: weights streamed in blocks of 8 output channels", ""},
		// K = 512: two slots of 8 x kb with 1024 of records and 832 of
		// margins fit for kb <= 396, so 392 (a multiple of 8), two chunks.
		// Split tiles: 2 x input + 2 x 8 px + 320 <= 16384 for 3 rows
		// (6144-byte input), not 4.
		{"1x1 conv, reduction split", 4, 4, 512, 64, 1,
			matmulTiling{nb: 8, kb: 392, rows: 3, cols: 4, recordsResident: true}, 2, 8,
			"conv: reduction of 512 split into 2 chunks, int32 partial sums",
			"activation (12800 of 16384 bytes): input 6144 at 0, output 96 at 6144, margin: second input and output 6240 reserved, margin: alignment 320 reserved\n" +
				"weight (8128 of 8192 bytes): records 1024 at 0, weights[0] 3136 at 1024, weights[1] 3136 at 4160, margin: alignment 576 reserved, margin: activation table 256 reserved\n" +
				"accumulator (1216 of 4096 bytes): accumulators 384 at 0, int16 partial sums 192 at 384, margin: second accumulators and int16 partial sums 576 reserved, margin: alignment 64 reserved\n"},
	}
	for _, c := range cases {
		mp := planFor(t, convModel(t, c.h, c.w, c.c, c.oc, c.f), "reference", "tiny")
		p := mp.layerPlans(t, "conv")[0].(*matmulPlan)
		if p.tiling != c.want || len(p.tiles) != c.tiles || p.blocks() != c.blocks {
			t.Errorf("%s: tiling %+v, %d tiles, %d blocks; want %+v, %d, %d", c.name, p.tiling, len(p.tiles), p.blocks(), c.want, c.tiles, c.blocks)
		}
		if note := strings.Join(mp.notes, "; "); note != c.note {
			t.Errorf("%s: notes %q, want %q", c.name, note, c.note)
		}
		if c.layout != "" && p.layout.String() != c.layout {
			t.Errorf("%s: layout\n%s want\n%s", c.name, p.layout, c.layout)
		}
	}
}

// TestLowerMatMulSteps: the lowering of one step takes its buffers from the
// layout by the step's tile, block and pass.
func TestLowerMatMulSteps(t *testing.T) {
	mp := planFor(t, convModel(t, 16, 16, 8, 32, 3), "reference", "tiny")
	p := mp.layerPlans(t, "conv")[0].(*matmulPlan) // 2-row tiles of 16 pixels, blocks of 8 channels, all resident
	b := p.buf
	mm := p.lower(mkStep(compute, 1, 2, all, 6))[0].(*npu.MatMul)
	if mm.M != 32 || mm.K != 72 || mm.N != 8 || mm.A.Base != b.in[1] || mm.A.OutY != 2 || mm.B != b.weights[0]+16*72 || mm.Acc.Base != b.acc[0] {
		t.Errorf("compute t1 b2 p6: %+v", mm)
	}
	rq := p.lower(mkStep(requantize, 1, 2, all, 6))[0].(*npu.Requant)
	if rq.M != 32 || rq.N != 8 || rq.Records != b.records+16*npu.RecordBytes || rq.Out != b.out[1]+16 || rq.OutRowStride != 32 || rq.Acc.Base != b.acc[0] {
		t.Errorf("requantize t1 b2 p6: %+v", rq)
	}
	st := p.lower(mkStep(store, 1, all, all, all))[0].(*npu.DMA)
	if !st.Store || st.Addr != b.out[1] || st.RunBytes != 2*16*32 || st.DRAM != p.outAddr+2*16*32 {
		t.Errorf("store t1: %+v", st)
	}
	ld := p.lower(mkStep(loadInput, 1, all, all, all))[0].(*npu.DMA)
	if ld.Store || ld.Addr != b.in[1] || ld.RunBytes != 4*16*8 || ld.DRAM != p.inAddr+16*8 { // input rows 1..4
		t.Errorf("load input t1: %+v", ld)
	}
}

// TestPlanErrorsNameLayerAndScratchpad: a layer that cannot fit is an
// error naming the layer, the scratchpad and what it would hold.
func TestPlanErrorsNameLayerAndScratchpad(t *testing.T) {
	m := quantizedModel(t, func(b *workloads.Builder) []int {
		return []int{b.FC("fc", b.Input("x", 1, 20000), 4, quant.ActNone)}
	})
	_, err := Compile(m, loadPolicy(t, "reference"), loadHW(t, "tiny"))
	const want = "compile test for tiny under reference: fc: even one output pixel (a 1x1 window of 20000 channels) does not fit: " +
		"activation SRAM: needs 40328 bytes of its 16384 (input 20000 at 0, output 4 at 20032, margin: second input and output 20004 reserved, margin: alignment 320 reserved)"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}

// TestDRAMMap: constants are packed into the image from address 0 on
// 64-byte boundaries; activations start at activationBase, above any image.
func TestDRAMMap(t *testing.T) {
	var d dramMap
	got := []uint64{d.constant(make([]byte, 10)), d.activation(100), d.constant(make([]byte, 70)), d.constant([]byte{7}), d.activation(5)}
	want := []uint64{0, activationBase, 64, 192, activationBase + 128}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("addresses %v, want %v", got, want)
			break
		}
	}
	if len(d.image) != 193 || d.image[192] != 7 || d.bytes != activationBase+133 {
		t.Errorf("image of %d bytes (last %d), %d bytes in all", len(d.image), d.image[len(d.image)-1], d.bytes)
	}
}
