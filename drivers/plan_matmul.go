package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
)

// matmulTiling is how a convolution or fully connected layer is cut.
type matmulTiling struct {
	nb, kb     int // output channels per block, reduction per chunk
	rows, cols int // output tile
	// weightsResident says whether all the layer's weights stay in the
	// weight scratchpad; otherwise blocks of nb output channels stream
	// through two slots.
	weightsResident bool
	// inputPerBlock says whether each pass loads only its block's input
	// channels (a depthwise layer whose whole-channel input window does not
	// fit) instead of each tile loading all of them once.
	inputPerBlock bool
	// recordsResident says whether all the layer's requantization records
	// stay in the weight scratchpad; otherwise each block's records travel
	// with its weights through a ring of three buffers (the requantization
	// of a block runs after the next block's matmul, whose successor's
	// weights are already loading).
	recordsResident bool
}

// recordBytes is the weight scratchpad space the tiling's records take.
func (t matmulTiling) recordBytes(oc int) int {
	if t.recordsResident {
		return oc * npu.RecordBytes
	}
	return 3 * t.nb * npu.RecordBytes
}

// split reports a reduction cut into chunks of kb.
func (t matmulTiling) split(k int) bool { return t.kb < k }

// matmulBuffers are the scratchpad addresses a matmul layer's lowering
// uses, taken from its layout. The split path uses slot 0 of the input,
// output and accumulator buffers.
type matmulBuffers struct {
	in, out, acc [2]int
	skip         [2]int // a folded residual's skip operand, loaded tile by tile
	half         int    // int16 partial sums of a split reduction
	records      int
	weights      [2]int
	table        int // -1 without a separate activation pass
	emu          emuBuffers
}

// matmulPlan is a convolution, fully connected or array depthwise layer
// planned: its tiling, tiles, layout and, for a split reduction, the DRAM
// where partial sums wait between chunks.
type matmulPlan struct {
	*convLayer
	arith  arithmetic
	tiling matmulTiling
	tiles  []tile
	layout *layout
	buf    matmulBuffers
	psum   uint64 // DRAM address of the partial sums
}

// weightsTableMargin is the weight scratchpad space kept for a lookup table
// and alignment when deciding whether records stay resident: they do when
// they take at most a quarter of the rest.
const weightsTableMargin = 512

// planMatMul chooses the blocks (one array width of output channels leaves
// the most accumulator space for output pixels), whether weights stay
// resident or stream, or else how the reduction splits, then the largest
// output tile whose layout fits: every pixel of a tile streams through each
// fold, so the longer the tile, the better the fold amortises its fill. A
// depthwise layer whose input window does not fit with all its channels
// loads each block's channels on their own.
func (pl *planner) planMatMul(l *convLayer, a arithmetic) (*matmulPlan, error) {
	hw := pl.hw
	p := &matmulPlan{convLayer: l, arith: a}
	t := &p.tiling
	t.nb, t.kb = min(l.g.oc, hw.Array.Cols), l.k
	t.recordsResident = l.g.oc*npu.RecordBytes <= (hw.Bytes(npu.WeightSRAM)-weightsTableMargin)/4
	if l.depthwise { // whole input channels per block
		t.nb = max(t.nb/l.dm*l.dm, l.dm)
	}
	if err := p.chooseWeights(hw); err != nil {
		return nil, err
	}
	var err error
	wholeRows := kept(l.outRes) || l.fold != nil && kept(l.fold.skipRes)
	t.rows, t.cols, p.layout, p.buf, err = chooseTiledLayout(&l.g, l.band, wholeRows, p.layoutFor)
	if err != nil && l.depthwise && !kept(l.inRes) {
		t.inputPerBlock = true
		t.rows, t.cols, p.layout, p.buf, err = chooseTiledLayout(&l.g, l.band, wholeRows, p.layoutFor)
	}
	if err == nil && t.split(p.k) && (l.fold != nil || l.wideOut) {
		err = fmt.Errorf("a fused requantization needs the whole reduction of %d, which does not fit", p.k)
	}
	if err != nil {
		return nil, err
	}
	p.tiles = l.g.tiles(l.batches, l.band, t.rows, t.cols)
	pl.noteMatMul(p)
	return p, nil
}

// chooseWeights keeps all weights resident if their layout fits the weight
// scratchpad, else streams blocks of whole reductions, else (not for a
// depthwise layer) the largest reduction chunk, a multiple of the array's
// rows, that fits.
func (p *matmulPlan) chooseWeights(hw *npu.Config) error {
	t := &p.tiling
	fits := func() bool {
		lay, _ := p.layoutFor(1, 1)
		return lay.fitsIn(npu.WeightSRAM)
	}
	if t.weightsResident = true; fits() {
		return nil
	}
	if t.weightsResident = false; fits() {
		return nil
	}
	if p.depthwise { // its reduction, the taps, does not split
		return fmt.Errorf("the %d depthwise taps x %d channels do not fit %d bytes of weight SRAM, "+
			"not even in blocks of %d channels", p.k, p.g.oc, hw.Bytes(npu.WeightSRAM), t.nb)
	}
	for t.kb = (p.k - 1) / hw.Array.Rows * hw.Array.Rows; t.kb >= hw.Array.Rows; t.kb -= hw.Array.Rows {
		if fits() {
			return nil
		}
	}
	return fmt.Errorf("a weight block of %d channels does not fit %d bytes of weight SRAM", t.nb, hw.Bytes(npu.WeightSRAM))
}

// layoutFor lays the layer out for output tiles of rows x cols under the
// plan's tiling: a double-buffered pipeline (input, output and accumulator
// buffers in pairs), or for a split reduction single buffers plus int16
// partial sums; then records, one or two weight slots and the table. An
// input or output kept in the activation scratchpad needs no buffer.
func (p *matmulPlan) layoutFor(rows, cols int) (*layout, matmulBuffers) {
	t, g := p.tiling, &p.g
	lay, b := newLayout(p.caps), matmulBuffers{table: -1}
	px, in := rows*cols, g.inputBytes(rows, cols)
	out := px * g.oc
	if t.inputPerBlock {
		in = g.inputPixels(rows, cols) * t.nb / p.dm
	}
	if kept(p.inRes) {
		in = 0
	}
	if kept(p.outRes) {
		out = 0
	}
	slot := p.k * t.nb
	switch {
	case t.split(p.k):
		b.in[0] = placeSome(lay, npu.ActivationSRAM, "input", in)
		b.out[0] = placeSome(lay, npu.ActivationSRAM, "output", min(out, px*t.nb))
		b.acc[0] = lay.place(npu.AccumulatorSRAM, "accumulators", px*t.nb*4)
		b.half = lay.place(npu.AccumulatorSRAM, "int16 partial sums", px*t.nb*2)
		slot = t.kb * t.nb
	default:
		for i := range 2 {
			b.in[i] = placeSome(lay, npu.ActivationSRAM, fmt.Sprintf("input[%d]", i), in)
			b.out[i] = placeSome(lay, npu.ActivationSRAM, fmt.Sprintf("output[%d]", i), out)
			b.acc[i] = lay.place(npu.AccumulatorSRAM, fmt.Sprintf("accumulators[%d]", i), px*t.nb*4)
			if p.skipInDRAM() {
				b.skip[i] = lay.place(npu.ActivationSRAM, fmt.Sprintf("skip[%d]", i), px*g.oc)
			}
		}
		if t.weightsResident {
			slot = p.k * g.oc
		}
	}
	b.records = lay.place(npu.WeightSRAM, "records", t.recordBytes(g.oc))
	b.weights[0] = lay.place(npu.WeightSRAM, "weights[0]", slot)
	if !t.weightsResident {
		b.weights[1] = lay.place(npu.WeightSRAM, "weights[1]", slot)
	}
	if p.actLUT != nil {
		b.table = lay.place(npu.WeightSRAM, "activation table", 256)
	}
	b.emu = placeEmulation(lay, p.arith.emu, emuShape{px: px, n: t.nb, k: p.k})
	p.reserveMargins(lay, px, in, min(out, px*t.nb))
	return lay, b
}

// placeSome places a region of n bytes, or nothing when n is 0 (an operand
// kept in the scratchpad); it returns the region's address, -1 for none.
func placeSome(lay *layout, s npu.SRAM, name string, n int) int {
	if n == 0 {
		return -1
	}
	return lay.place(s, name, n)
}

// noteMatMul records a layer whose weights stream or whose reduction
// splits, and places a split reduction's partial sums in DRAM.
func (pl *planner) noteMatMul(p *matmulPlan) {
	t := p.tiling
	if !t.split(p.k) {
		if !t.weightsResident {
			pl.notes = append(pl.notes, fmt.Sprintf("%s: weights streamed in blocks of %d output channels", p.op.Name, t.nb))
		}
		return
	}
	p.psum = pl.dram.activation(len(p.tiles) * t.rows * t.cols * t.nb * p.psumWidth())
	chunks := (p.k + t.kb - 1) / t.kb
	pl.notes = append(pl.notes, fmt.Sprintf("%s: reduction of %d split into %d chunks, %s partial sums",
		p.op.Name, p.k, chunks, p.arith.partialSums))
}

// psumWidth is the bytes of one spilled partial sum.
func (p *matmulPlan) psumWidth() int {
	if p.arith.partialSums == PartialSumsInt16 {
		return 2
	}
	return 4
}
