package drivers_test

import (
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

// spilledResidual is a residual block whose shortcut tiny's activation
// scratchpad must spill (see TestSpillPolicyPicksTheShortcut).
func spilledResidual(b *workloads.Builder) int {
	x := b.Input("x", 1, 12, 12, 8)
	s := b.Conv("s", x, 32, 3, 3, 1, workloads.Same, quant.ActRelu)
	e := b.Conv("e", s, 96, 1, 1, 1, workloads.Same, quant.ActRelu)
	p := b.Conv("p", e, 32, 1, 1, 1, workloads.Same, quant.ActNone)
	return b.Add("add", s, p, quant.ActNone)
}

// TestSpilledTensorsStayExact: a program that keeps tensors, spills one and
// reads it back from DRAM gives every layer the reference interpreter's
// values.
func TestSpilledTensorsStayExact(t *testing.T) {
	m, inputs := quantizedNet(t, 9, spilledResidual)
	c, err := drivers.Compile(m, mustPolicy(t, "reference"), mustHW(t, "tiny"))
	if err != nil {
		t.Fatal(err)
	}
	if notes := strings.Join(c.Notes, "; "); !strings.Contains(notes, "1 of them spilled") {
		t.Fatalf("notes %q: want a spill", notes)
	}
	for _, in := range inputs {
		want, err := experiment.RunReference(m, in, quant.VariantDoubleRounding)
		if err != nil {
			t.Fatal(err)
		}
		run := mustRun(t, c, in)
		for _, op := range m.Ops {
			if got := run.Tensors[op.Output].Data; !slices.Equal(got, want[op.Output].Data) {
				t.Errorf("layer %s differs by up to %d LSB", op.Name, experiment.MaxAbsDiff(got, want[op.Output].Data))
			}
		}
	}
}

// hwDefault is a policy that asks for nothing: every preset's own first
// arithmetic modes.
func hwDefault(t *testing.T) *drivers.Policy {
	t.Helper()
	p, err := drivers.ParsePolicy("hw-default.yaml", []byte("name: hw-default\n"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestResidencyAndFusionChangeNoValue compiles every zoo workload for the
// presets the reference driver cannot run on (their requantizers lack
// double rounding), under the hardware's own arithmetic, twice: as the
// compiler does, keeping tensors in the activation scratchpad and fusing
// layers exactly, and with every activation in DRAM and nothing fused.
// Every layer's values are the same. (On mobile-npu and tiny the reference
// driver is held to the interpreter itself: sim/experiment's zoo test.)
func TestResidencyAndFusionChangeNoValue(t *testing.T) {
	heavy := map[string]bool{"mobilenet-v1": true, "mobilenet-v2": true, "resnet18": true}
	p := hwDefault(t)
	for _, hwName := range []string{"edge-tpu-like", "low-cost"} {
		hw := mustHW(t, hwName)
		for _, name := range zoo.Names() {
			if heavy[name] && testing.Short() {
				continue
			}
			w, err := zoo.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			sameValues(t, w, p, hw)
		}
	}
}

// sameValues compiles a workload both ways and compares one sample's
// values layer by layer.
func sameValues(t *testing.T, w *workloads.Workload, p *drivers.Policy, hw *npu.Config) {
	t.Helper()
	placed, err := drivers.Compile(w.Model, p, hw)
	if err != nil {
		t.Fatalf("%s on %s: %v", w.Name, hw.Name, err)
	}
	dram, err := drivers.CompileDRAMOnly(w.Model, p, hw)
	if err != nil {
		t.Fatalf("%s on %s: %v", w.Name, hw.Name, err)
	}
	a, b := mustRun(t, placed, w.Inputs[0]), mustRun(t, dram, w.Inputs[0])
	for _, op := range w.Model.Ops {
		if x, y := a.Tensors[op.Output], b.Tensors[op.Output]; !slices.Equal(x.Data, y.Data) {
			t.Errorf("%s on %s: layer %s differs by up to %d LSB between the placed and the all-DRAM programs",
				w.Name, hw.Name, op.Name, experiment.MaxAbsDiff(x.Data, y.Data))
		}
	}
	if experiment.Digest(a.Outputs) != experiment.Digest(b.Outputs) {
		t.Errorf("%s on %s: output digests differ", w.Name, hw.Name)
	}
}
