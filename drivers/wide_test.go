package drivers_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim"
	"github.com/npusim/npusim/workloads"
)

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
	run, err := sim.RunCompiled(c, in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := sim.RunReference(m, in, quant.VariantDoubleRounding)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range m.Ops {
		if got := run.Tensors[op.Output]; !slices.Equal(got.Data, want[op.Output].Data) {
			t.Errorf("layer %s differs from the reference by up to %d LSB", op.Name, sim.MaxAbsDiff(got.Data, want[op.Output].Data))
		}
	}
}
