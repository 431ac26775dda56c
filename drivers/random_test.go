package drivers_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo"
)

// randomModel builds a random small network (convolutions, depthwise,
// pools, residual adds, a classifier head), quantized on random calibration
// inputs. wide makes a convolution whose reduction does not fit tiny's
// weight scratchpad, forcing the split-reduction path.
func randomModel(seed uint64, wide bool) (*workloads.Model, [][]*quant.Tensor) {
	rng := rand.New(rand.NewPCG(seed, 77))
	b := workloads.NewBuilder(fmt.Sprintf("random-%d", seed), seed)
	h, w, c := 6+rng.IntN(14), 6+rng.IntN(14), 1+rng.IntN(12)
	x := b.Input("x", 1, h, w, c)
	acts := []quant.Activation{quant.ActNone, quant.ActRelu, quant.ActRelu6, quant.ActRelu1}
	pads := []workloads.PadMode{workloads.Same, workloads.Valid}
	for i := range 2 + rng.IntN(3) {
		s := b.Shape(x)
		f := 1 + 2*rng.IntN(2)
		if s[1] < f || s[2] < f {
			f = 1
		}
		if i == 0 && seed%4 == 1 { // weights too big to stay resident on tiny
			x = b.Conv("wide1x1", x, 120, 1, 1, 1, workloads.Same, quant.ActRelu6)
			x = b.Conv("narrow1x1", x, 70, 1, 1, 1, workloads.Same, quant.ActNone)
			continue
		}
		switch rng.IntN(5) {
		case 0, 1:
			out := 4 + rng.IntN(40)
			if wide && i == 0 {
				out = 20
				x = b.Conv("widen", x, 64, 1, 1, 1, workloads.Same, quant.ActRelu)
				f = 3
			}
			x = b.Conv(fmt.Sprintf("conv%d", i), x, out, f, f, 1+rng.IntN(2), pads[rng.IntN(2)], acts[rng.IntN(4)])
		case 2:
			x = b.Depthwise(fmt.Sprintf("dw%d", i), x, f, 1+rng.IntN(2), pads[rng.IntN(2)], acts[rng.IntN(3)])
		case 3:
			y := b.Conv(fmt.Sprintf("branch%d", i), x, s[3], 1, 1, 1, workloads.Same, quant.ActNone)
			x = b.Add(fmt.Sprintf("add%d", i), x, y, acts[rng.IntN(3)])
		case 4:
			kind := []workloads.OpKind{workloads.MaxPool2D, workloads.AveragePool2D}[rng.IntN(2)]
			x = b.Pool(fmt.Sprintf("pool%d", i), kind, x, min(2, s[1], s[2]), 1+rng.IntN(2), pads[rng.IntN(2)])
		}
	}
	x = b.GlobalAveragePool("gap", x)
	x = b.Reshape("flat", x, 1, b.Shape(x)[3])
	x = b.FC("fc", x, 3+rng.IntN(10), quant.ActNone)
	fm := b.Build("random", b.Softmax("prob", x, 1))
	sample := func() [][]float32 {
		in := make([]float32, h*w*c)
		for i := range in {
			in[i] = float32(rng.NormFloat64())
		}
		return [][]float32{in}
	}
	var calib [][][]float32
	for range 4 {
		calib = append(calib, sample())
	}
	m, err := workloads.Quantize(fm, calib)
	if err != nil {
		panic(err)
	}
	var inputs [][]*quant.Tensor
	for range 2 {
		inputs = append(inputs, []*quant.Tensor{workloads.QuantizeInput(m.Tensors[m.Inputs[0]], sample()[0])})
	}
	return m, inputs
}

// TestReferencePolicyIsBitExactOnRandomGraphs holds every layer of random
// networks on the NPU to the reference interpreter, on every preset: on
// hardware whose small scratchpads force spatial tiling, channel blocks and
// split reductions, and on hardware that lacks the reference's arithmetic,
// through its exact routes.
func TestReferencePolicyIsBitExactOnRandomGraphs(t *testing.T) {
	ref := mustPolicy(t, "reference")
	split, streamed := 0, 0
	for _, hwName := range npu.Presets() {
		hw := mustHW(t, hwName)
		for seed := range uint64(24) {
			m, inputs := randomModel(seed, seed%4 == 0)
			compiled, err := drivers.Compile(m, ref, hw)
			if err != nil {
				t.Fatalf("seed %d on %s: %v", seed, hwName, err)
			}
			for _, n := range compiled.Notes {
				if hwName == "tiny" && strings.Contains(n, "split into") {
					split++
				}
				if hwName == "tiny" && strings.Contains(n, "weights streamed") {
					streamed++
				}
			}
			for _, in := range inputs {
				checkLayersExact(t, fmt.Sprintf("seed %d on %s", seed, hwName), m, compiled, in, quant.VariantDoubleRounding)
			}
		}
	}
	if split == 0 || streamed == 0 {
		t.Errorf("on tiny, %d random layers took the split-reduction path and %d streamed their weights; want both", split, streamed)
	}
}

// TestLayersWiderThanTheScratchpads runs, on tiny (8 KiB of weight and 16
// KiB of activation scratchpad), a depthwise layer whose 3x3 x 960 taps do
// not fit the weight scratchpad, nor its double-buffered 3x3 x 960 input
// window the activation one, and a global pool over 7x7 x 960: the
// depthwise weights stream in blocks with each block's input channels, the
// pool works in blocks of channels, and both stay bit-exact.
func TestLayersWiderThanTheScratchpads(t *testing.T) {
	b := workloads.NewBuilder("wide", 3)
	x := b.Input("x", 1, 7, 7, 960)
	x = b.Depthwise("dw", x, 3, 1, workloads.Same, quant.ActRelu6)
	fm := b.Build("wide", b.GlobalAveragePool("gap", x))
	rng := rand.New(rand.NewPCG(3, 4))
	sample := func() []float32 {
		v := make([]float32, 7*7*960)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	m, err := workloads.Quantize(fm, [][][]float32{{sample()}, {sample()}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := drivers.Compile(m, mustPolicy(t, "reference"), mustHW(t, "tiny"))
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(c.Notes, "; "); notes != "dw: weights streamed in blocks of 8 output channels" {
		t.Errorf("notes %q", notes)
	}
	in := []*quant.Tensor{workloads.QuantizeInput(m.Tensors[m.Inputs[0]], sample())}
	checkLayersExact(t, "wide", m, c, in, quant.VariantDoubleRounding)
}

// TestExactPolicyOfTheHardwaresRequantizer: an exact policy that names no
// arithmetic takes the hardware's requantizer and exact 32-bit sums; on
// low-cost (mult16, 24-bit saturating accumulators) it is bit for bit the
// reference interpreter with mult16, its layers fused into chains included
// (whose sums fit 24 bits and so run on the array's accumulators).
func TestExactPolicyOfTheHardwaresRequantizer(t *testing.T) {
	p, err := drivers.ParsePolicy("exact.yaml", []byte("name: exact\nexact: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	hw := mustHW(t, "low-cost")
	digits, err := zoo.Load("digits-cnn")
	if err != nil {
		t.Fatal(err)
	}
	fused := 0
	for seed := range uint64(13) {
		m, inputs := randomModel(seed, seed%4 == 0)
		if seed == 12 {
			m, inputs = digits.Model, digits.Inputs[:3]
		}
		compiled, err := drivers.Compile(m, p, hw)
		if err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		for _, n := range compiled.Notes {
			if strings.Contains(n, "fused: ") && !strings.Contains(n, "fused: 0 layers") {
				fused++
			}
		}
		for _, in := range inputs {
			checkLayersExact(t, m.Name, m, compiled, in, quant.VariantMult16)
		}
	}
	if fused == 0 {
		t.Error("no layer was fused into a chain")
	}
}

// TestCapturesOfOverwrittenTensors runs, under reference, random networks
// whose compiled programs had failed: a tensor kept in the activation
// scratchpad and captured whole was overwritten, once its last reader
// was done, by a command that did not wait for the capture's last writer;
// and a fused chain whose band only recomputed rows an earlier band had
// made final gave its capture an empty piece. Every layer is the
// reference interpreter's.
func TestCapturesOfOverwrittenTensors(t *testing.T) {
	ref := mustPolicy(t, "reference")
	for _, c := range []struct {
		seed uint64
		hw   string
	}{
		{435, "tiny"},
		{609, "mobile-npu{sram.accumulator_kib=8}"},
		{12, "mobile-npu{sram.activation_kib=2}"},
		{142, "mobile-npu{sram.activation_kib=2}"},
	} {
		m, inputs := randomModel(c.seed, c.seed%4 == 0)
		compiled, err := drivers.Compile(m, ref, mustHW(t, c.hw))
		if err != nil {
			t.Fatalf("seed %d on %s: %v", c.seed, c.hw, err)
		}
		checkLayersExact(t, fmt.Sprintf("seed %d on %s", c.seed, c.hw), m, compiled, inputs[0], quant.VariantDoubleRounding)
	}
}
