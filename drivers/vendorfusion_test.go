package drivers_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo"
)

// quantizedNet builds a float network and quantizes it on four seeded
// random calibration samples; it returns the model and two more samples.
func quantizedNet(t *testing.T, seed uint64, build func(b *workloads.Builder) int) (*workloads.Model, [][]*quant.Tensor) {
	t.Helper()
	b := workloads.NewBuilder("net", seed)
	fm := b.Build("net", build(b))
	rng := rand.New(rand.NewPCG(seed, 5))
	n := quant.NumElements(fm.Tensors[fm.Inputs[0]].Shape)
	sample := func() []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	var calib [][][]float32
	for range 4 {
		calib = append(calib, [][]float32{sample()})
	}
	m, err := workloads.Quantize(fm, calib)
	if err != nil {
		t.Fatal(err)
	}
	var inputs [][]*quant.Tensor
	for range 2 {
		inputs = append(inputs, []*quant.Tensor{workloads.QuantizeInput(m.Tensors[m.Inputs[0]], sample())})
	}
	return m, inputs
}

// residualNet is x -> conv a (3x3, relu) -> conv b (1x1, linear) -> add(a, b).
func residualNet(b *workloads.Builder) int {
	x := b.Input("x", 1, 12, 12, 8)
	a := b.Conv("a", x, 16, 3, 3, 1, workloads.Same, quant.ActRelu)
	c := b.Conv("b", a, 16, 1, 1, 1, workloads.Same, quant.ActNone)
	return b.Add("add", a, c, quant.ActNone)
}

// foldedResidual computes what a folded residual must give, from the
// reference interpreter's values: the 1x1 convolution conv's int32 sums
// (with bias) plus the ADD's other operand rescaled, rounded once onto the
// ADD's grid.
func foldedResidual(m *workloads.Model, values []*quant.Tensor, conv, add *workloads.Op) []int32 {
	x, w, bias, out := values[conv.Inputs[0]], m.Tensors[conv.Inputs[1]], m.Tensors[conv.Inputs[2]], m.Tensors[add.Output]
	skip := values[add.Inputs[0]]
	if add.Inputs[0] == conv.Output {
		skip = values[add.Inputs[1]]
	}
	c, oc := x.Shape[3], w.Shape[0]
	want := make([]int32, quant.NumElements(out.Shape))
	skipMult := exact(float64(skip.Params.Scale) / float64(out.Params.Scale))
	for p := range len(want) / oc {
		for o := range oc {
			acc := bias.Data[o]
			for k := range c {
				acc += (x.Data[p*c+k] - x.Params.ZeroPoint) * (w.Data[o*c+k] - w.Params.ZeroPoint)
			}
			mult := exact(quant.RealMultiplier(x.Params.Scale, w.Params.ChannelScale(o), out.Params.Scale))
			v := int64(out.Params.ZeroPoint) + quant.RoundedSum(acc, mult, skip.Data[p*oc+o]-skip.Params.ZeroPoint, skipMult)
			want[p*oc+o] = quant.Clamp(v, out.Type.Min(), out.Type.Max())
		}
	}
	return want
}

func exact(m float64) quant.Multiplier {
	q, shift := quant.QuantizeMultiplier(m)
	return quant.Multiplier{Q: q, Shift: shift}
}

// TestResidualFoldRoundsOnce compiles a residual block under vendor-c (a
// residual ADD folded into the convolution before it) and under reference
// on mobile-npu. vendor-c's outputs are exactly the single rounding of the
// convolution's sum plus the rescaled shortcut (computed here from the
// interpreter's values), they differ from the reference's, and the
// convolution's own int8 output never exists.
func TestResidualFoldRoundsOnce(t *testing.T) {
	m, inputs := quantizedNet(t, 3, residualNet)
	hw := mustHW(t, "mobile-npu")
	c, err := drivers.Compile(m, mustPolicy(t, "vendor-c"), hw)
	if err != nil {
		t.Fatal(err)
	}
	if f := c.Choices[1].Fusion; f == "" || c.Choices[2].Fusion == "" {
		t.Fatalf("no fusion reported: %q, %q", f, c.Choices[2].Fusion)
	}
	changed := 0
	for _, in := range inputs {
		ref, err := experiment.RunReference(m, in, quant.VariantDoubleRounding)
		if err != nil {
			t.Fatal(err)
		}
		run := mustRun(t, c, in)
		if run.Tensors[m.Ops[1].Output] != nil {
			t.Error("the folding convolution's own output was computed")
		}
		got, want := run.Outputs[0].Data, foldedResidual(m, ref, m.Ops[1], m.Ops[2])
		if !slices.Equal(got, want) {
			t.Fatalf("folded residual differs from the single rounding by up to %d LSB", experiment.MaxAbsDiff(got, want))
		}
		for i := range got {
			if got[i] != ref[m.Outputs[0]].Data[i] {
				changed++
			}
		}
	}
	if changed == 0 {
		t.Error("the folded residual changes no output")
	}
	t.Logf("%d outputs changed", changed)
}

// blockNet is an inverted residual block: x -> s (3x3, relu6) -> expansion
// (1x1, relu6) -> depthwise (3x3, relu6) -> projection (1x1, linear) ->
// add(s, projection).
func blockNet(b *workloads.Builder) int {
	x := b.Input("x", 1, 14, 14, 8)
	s := b.Conv("s", x, 16, 3, 3, 1, workloads.Same, quant.ActRelu6)
	e := b.Conv("expand", s, 48, 1, 1, 1, workloads.Same, quant.ActRelu6)
	d := b.Depthwise("depthwise", e, 3, 1, workloads.Same, quant.ActRelu6)
	p := b.Conv("project", d, 16, 1, 1, 1, workloads.Same, quant.ActNone)
	return b.Add("add", s, p, quant.ActNone)
}

// TestResidualFoldInAChain: in an inverted residual block, vendor-c fuses
// the depthwise layer with the projection (exact) and folds the ADD into
// the projection; the block's output is exactly the single rounding of the
// projection's sums plus the shortcut.
func TestResidualFoldInAChain(t *testing.T) {
	m, inputs := quantizedNet(t, 5, blockNet)
	c, err := drivers.Compile(m, mustPolicy(t, "vendor-c"), mustHW(t, "mobile-npu"))
	if err != nil {
		t.Fatal(err)
	}
	if f := c.Choices[3].Fusion; !strings.Contains(f, "exact") || !strings.Contains(f, "vendor") {
		t.Fatalf("projection fused %q: want an exact link and a vendor fold", f)
	}
	for _, in := range inputs {
		ref, err := experiment.RunReference(m, in, quant.VariantDoubleRounding)
		if err != nil {
			t.Fatal(err)
		}
		got, want := mustRun(t, c, in).Outputs[0].Data, foldedResidual(m, ref, m.Ops[3], m.Ops[4])
		if !slices.Equal(got, want) {
			t.Fatalf("folded residual differs from the single rounding by up to %d LSB", experiment.MaxAbsDiff(got, want))
		}
	}
}

// sramBytes sums a run's scratchpad reads and writes.
func sramBytes(st *npu.Stats) uint64 {
	var n uint64
	for s := range st.Counters.SRAMRead {
		n += st.Counters.SRAMRead[s] + st.Counters.SRAMWrite[s]
	}
	return n
}

// costs compiles a model under two policies on a preset and runs one
// sample of each: the statistics of both.
func costs(t *testing.T, m *workloads.Model, in []*quant.Tensor, hw string, policies ...string) []*npu.Stats {
	t.Helper()
	var st []*npu.Stats
	for _, p := range policies {
		c, err := drivers.Compile(m, mustPolicy(t, p), mustHW(t, hw))
		if err != nil {
			t.Fatal(err)
		}
		st = append(st, mustRun(t, c, in).Stats)
	}
	return st
}

// TestResidualFoldSaves: against the exact schedule (the convolution's int8
// output, then the ADD on the vector unit), the fold saves the ADD's pass:
// cycles, scratchpad traffic (the int8 output written and read back, the
// ADD's operands read) and energy.
func TestResidualFoldSaves(t *testing.T) {
	m, inputs := quantizedNet(t, 3, residualNet)
	st := costs(t, m, inputs[0], "mobile-npu", "reference", "vendor-c")
	ref, fused := st[0], st[1]
	if fused.Cycles >= ref.Cycles || sramBytes(fused) >= sramBytes(ref) || fused.Energy.Total() >= ref.Energy.Total() {
		t.Errorf("fold: %d cycles, %d SRAM bytes, %.1f pJ; exact: %d, %d, %.1f", fused.Cycles, sramBytes(fused), fused.Energy.Total(),
			ref.Cycles, sramBytes(ref), ref.Energy.Total())
	}
	if fused.Counters.VectorOps != 0 || fused.Counters.ResidualOutputs == 0 {
		t.Errorf("fold: %d vector operations, %d residual requantizations; want none and some", fused.Counters.VectorOps, fused.Counters.ResidualOutputs)
	}
	t.Logf("cycles %d -> %d, SRAM bytes %d -> %d, energy %.0f -> %.0f pJ", ref.Cycles, fused.Cycles, sramBytes(ref), sramBytes(fused),
		ref.Energy.Total(), fused.Energy.Total())
}

// expandNet is x (56x56x24) -> expansion 1x1 to 192 (relu6) -> depthwise
// 3x3 (relu6) -> projection 1x1 to 24: an inverted residual block's body
// whose expanded tensor (602,112 bytes) does not fit mobile-npu's 512 KiB
// activation scratchpad.
func expandNet(b *workloads.Builder) int {
	x := b.Input("x", 1, 56, 56, 24)
	e := b.Conv("expand", x, 192, 1, 1, 1, workloads.Same, quant.ActRelu6)
	d := b.Depthwise("depthwise", e, 3, 1, workloads.Same, quant.ActRelu6)
	return b.Conv("project", d, 24, 1, 1, 1, workloads.Same, quant.ActNone)
}

// wideExpansion computes what the 16-bit fusion of the 1x1 expansion ex
// and the depthwise layer dw must give, from the expansion's input x: the
// expansion's sums requantized (double rounding) onto its grid with 8 more
// fraction bits and clamped there, then the depthwise layer on those
// values, its bias 256 times finer, requantized onto its own grid.
func wideExpansion(m *workloads.Model, ex, dw *workloads.Op, x *quant.Tensor) []int32 {
	w1, b1, e := m.Tensors[ex.Inputs[1]], m.Tensors[ex.Inputs[2]], m.Tensors[ex.Output]
	c, oc := x.Shape[3], e.Shape[3]
	v := quant.VariantDoubleRounding
	s16, zp16 := e.Params.Scale/256, 256*e.Params.ZeroPoint
	if !e.Type.Signed() {
		zp16 -= 32768
	}
	lo, hi := ex.Activation.Range(quant.Int32, s16, zp16)
	lo, hi = max(lo, -32768), min(hi, 32767)
	mid := make([]int32, quant.NumElements(e.Shape))
	for p := range len(mid) / oc {
		for o := range oc {
			acc := b1.Data[o]
			for k := range c {
				acc += (x.Data[p*c+k] - x.Params.ZeroPoint) * (w1.Data[o*c+k] - w1.Params.ZeroPoint)
			}
			mid[p*oc+o] = v.Requantize(acc, v.MultiplierFor(x.Params.Scale, w1.Params.ChannelScale(o), s16), zp16, lo, hi)
		}
	}
	return wideDepthwise(m, dw, e.Shape, mid, s16, zp16)
}

// wideDepthwise runs the depthwise layer dw (depth multiplier 1, SAME
// padding) on 16-bit values mid of shape in, on the grid (s16, zp16).
func wideDepthwise(m *workloads.Model, dw *workloads.Op, in []int, mid []int32, s16 float32, zp16 int32) []int32 {
	w2, b2, d := m.Tensors[dw.Inputs[1]], m.Tensors[dw.Inputs[2]], m.Tensors[dw.Output]
	h, w, kh, kw := in[1], in[2], w2.Shape[1], w2.Shape[2]
	oh, ow, oc := d.Shape[1], d.Shape[2], d.Shape[3]
	top, _ := quant.SamePadding(h, kh, dw.StrideH, 1)
	left, _ := quant.SamePadding(w, kw, dw.StrideW, 1)
	v := quant.VariantDoubleRounding
	dlo, dhi := dw.Activation.Range(d.Type, d.Params.Scale, d.Params.ZeroPoint)
	out := make([]int32, oh*ow*oc)
	for p := range oh * ow {
		for ch := range oc {
			acc := 256 * b2.Data[ch]
			for t := range kh * kw {
				iy, ix := p/ow*dw.StrideH+t/kw-top, p%ow*dw.StrideW+t%kw-left
				if iy >= 0 && iy < h && ix >= 0 && ix < w {
					acc += (mid[(iy*w+ix)*oc+ch] - zp16) * (w2.Data[t*oc+ch] - w2.Params.ZeroPoint)
				}
			}
			mult := v.MultiplierFor(s16, w2.Params.ChannelScale(ch), d.Params.Scale)
			out[p*oc+ch] = v.Requantize(acc, mult, d.Params.ZeroPoint, dlo, dhi)
		}
	}
	return out
}

// TestWideExpansionKeeps16Bits compiles an expansion and its depthwise
// layer under vendor-c@1.1 (fused, the intermediate at 16 bits): the
// program carries 16-bit requantizations and depthwise commands, the
// expansion's 8-bit output never exists, and the depthwise layer's outputs
// are exactly those of the 16-bit arithmetic (computed here), not the
// reference's.
func TestWideExpansionKeeps16Bits(t *testing.T) {
	m, inputs := quantizedNet(t, 4, expandNet)
	c, err := drivers.Compile(m, mustPolicy(t, "vendor-c@1.1"), mustHW(t, "mobile-npu"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]int{}
	for _, cmd := range c.Program.Commands {
		names[cmd.Name()]++
	}
	if names["requant.wide"] == 0 || names["vector.depthwise.wide"] == 0 || names["vector.depthwise"] != 0 {
		t.Errorf("commands %v: want 16-bit requantizations and depthwise, no 8-bit depthwise", names)
	}
	ref, err := experiment.RunReference(m, inputs[0], quant.VariantDoubleRounding)
	if err != nil {
		t.Fatal(err)
	}
	run := mustRun(t, c, inputs[0])
	if run.Tensors[m.Ops[0].Output] != nil {
		t.Error("the expansion's 8-bit output was computed")
	}
	got, want := run.Tensors[m.Ops[1].Output].Data, wideExpansion(m, m.Ops[0], m.Ops[1], inputs[0][0])
	if !slices.Equal(got, want) {
		t.Fatalf("depthwise output differs from the 16-bit arithmetic by up to %d LSB", experiment.MaxAbsDiff(got, want))
	}
	var d experiment.Deviation
	d.Add(run.Tensors[m.Ops[1].Output], ref[m.Ops[1].Output])
	if d.MaxLSB == 0 {
		t.Error("the 16-bit intermediate changes no depthwise output")
	}
	t.Logf("depthwise output vs the reference: max %d LSB, %.1f%% changed, mean %+.4f LSB", d.MaxLSB, 100*d.Changed, d.MeanError)
}

// TestWideExpansionSaves: against the exact schedule, whose expanded tensor
// goes to DRAM and back, the 16-bit fusion keeps it on chip band by band:
// it saves at least that round trip in DRAM bytes, and energy.
func TestWideExpansionSaves(t *testing.T) {
	m, inputs := quantizedNet(t, 4, expandNet)
	st := costs(t, m, inputs[0], "mobile-npu", "reference", "vendor-c@1.1")
	ref, fused := st[0], st[1]
	saved := int64(ref.Counters.DRAMRead+ref.Counters.DRAMWrite) - int64(fused.Counters.DRAMRead+fused.Counters.DRAMWrite)
	if expanded := int64(56 * 56 * 192); saved < 2*expanded {
		t.Errorf("saves %d DRAM bytes, want at least the expanded tensor's round trip, %d", saved, 2*expanded)
	}
	if fused.Energy.Total() >= ref.Energy.Total() {
		t.Errorf("fused %.0f pJ, exact %.0f pJ", fused.Energy.Total(), ref.Energy.Total())
	}
	t.Logf("DRAM bytes %d -> %d, energy %.0f -> %.0f pJ, cycles %d -> %d", ref.Counters.DRAMRead+ref.Counters.DRAMWrite,
		fused.Counters.DRAMRead+fused.Counters.DRAMWrite, ref.Energy.Total(), fused.Energy.Total(), ref.Cycles, fused.Cycles)
}

// TestResidualFoldFromDRAM: a shortcut the scratchpad does not hold (the
// model's input) is loaded tile by tile beside the projection's tiles; over
// many tiles each requantization reads its own tile's shortcut.
func TestResidualFoldFromDRAM(t *testing.T) {
	m, inputs := quantizedNet(t, 6, func(b *workloads.Builder) int {
		x := b.Input("x", 1, 40, 40, 16)
		p := b.Conv("project", x, 16, 1, 1, 1, workloads.Same, quant.ActNone)
		return b.Add("add", x, p, quant.ActNone)
	})
	c, err := drivers.Compile(m, mustPolicy(t, "vendor-c"), mustHW(t, "mobile-npu"))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := experiment.RunReference(m, inputs[0], quant.VariantDoubleRounding)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustRun(t, c, inputs[0]).Outputs[0].Data, foldedResidual(m, ref, m.Ops[0], m.Ops[1]); !slices.Equal(got, want) {
		t.Errorf("folded residual differs from the single rounding by up to %d LSB", experiment.MaxAbsDiff(got, want))
	}
}

// runMobileNetV2 compiles MobileNet v2 under a policy for mobile-npu and
// runs its first sample (skipped in short mode).
func runMobileNetV2(t *testing.T, policy string) (*workloads.Model, *drivers.Compiled, *experiment.NPURun) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs MobileNet v2")
	}
	w, err := zoo.Load("mobilenet-v2")
	if err != nil {
		t.Fatal(err)
	}
	c, err := drivers.Compile(w.Model, mustPolicy(t, policy), mustHW(t, "mobile-npu"))
	if err != nil {
		t.Fatal(err)
	}
	return w.Model, c, mustRun(t, c, w.Inputs[0])
}

// TestResidualFoldsOfMobileNetV2: vendor-c folds MobileNet v2's ten residual
// ADDs, in chains with the depthwise layers, with shortcuts kept on chip or
// spilled; every folded ADD's output is the single rounding computed from
// the run's own operands.
func TestResidualFoldsOfMobileNetV2(t *testing.T) {
	m, c, run := runMobileNetV2(t, "vendor-c")
	folds := 0
	for k, op := range m.Ops {
		if !strings.HasPrefix(c.Choices[k].Fusion, "vendor: folded into") {
			continue
		}
		folds++
		// the run's own values feed the check: earlier folds moved them
		got, want := run.Tensors[op.Output].Data, foldedResidual(m, run.Tensors, m.Ops[k-1], op)
		if !slices.Equal(got, want) {
			t.Errorf("%s differs from the single rounding by up to %d LSB", op.Name, experiment.MaxAbsDiff(got, want))
		}
	}
	if folds != 10 {
		t.Errorf("%d ADDs folded, want MobileNet v2's 10", folds)
	}
}

// TestWideExpansionsOfMobileNetV2: vendor-c@1.1 fuses MobileNet v2's
// sixteen expansions at 16 bits into their depthwise layers (strides 1 and
// 2, tiled in bands and channel blocks); every such depthwise output is the
// 16-bit arithmetic computed from the run's own expansion input.
func TestWideExpansionsOfMobileNetV2(t *testing.T) {
	m, c, run := runMobileNetV2(t, "vendor-c@1.1")
	wide := 0
	for k, op := range m.Ops {
		if k == 0 || !strings.Contains(c.Choices[k-1].Fusion, "kept at 16 bits") {
			continue
		}
		wide++
		ex := m.Ops[k-1]
		got, want := run.Tensors[op.Output].Data, wideExpansion(m, ex, op, run.Tensors[ex.Inputs[0]])
		if !slices.Equal(got, want) {
			t.Errorf("%s differs from the 16-bit arithmetic by up to %d LSB", op.Name, experiment.MaxAbsDiff(got, want))
		}
	}
	if wide != 16 {
		t.Errorf("%d expansions fused at 16 bits, want MobileNet v2's 16", wide)
	}
}
