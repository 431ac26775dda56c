package drivers_test

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
)

// TestDependencyTrackingKeepsEveryCycle simulates workloads compiled with
// the all-pairs dependency tracker and with the interval tracker: every
// command issues, starts and ends on the same cycle, and the outputs agree.
func TestDependencyTrackingKeepsEveryCycle(t *testing.T) {
	policy := hardwareDefault(t)
	for _, name := range []string{"mac2x3", "digits-cnn", "rnn-unrolled", "mobilenet-v1-0.25-128"} {
		w, err := zoo.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, hwName := range []string{"mobile-npu", "tiny", "low-cost"} {
			hw := mustHW(t, hwName)
			old, err := drivers.CompileAllPairs(w.Model, policy, hw)
			if err != nil {
				t.Fatal(err)
			}
			now, err := drivers.Compile(w.Model, policy, hw)
			if err != nil {
				t.Fatal(err)
			}
			a, b := mustRun(t, old, w.Inputs[0]), mustRun(t, now, w.Inputs[0])
			if a.Stats.Cycles != b.Stats.Cycles {
				t.Errorf("%s on %s: %d cycles with all pairs, %d with the interval tracker", name, hwName, a.Stats.Cycles, b.Stats.Cycles)
			}
			for i, ca := range a.Stats.Commands {
				cb := b.Stats.Commands[i]
				if ca.Issue != cb.Issue || ca.Start != cb.Start || ca.End != cb.End || ca.Waited != cb.Waited || ca.WaitedOn != cb.WaitedOn {
					t.Fatalf("%s on %s: command %d (%s) ran %+v with all pairs, %+v with the interval tracker", name, hwName, i, ca.Name, ca, cb)
				}
			}
			for k := range a.Outputs {
				if !slices.Equal(a.Outputs[k].Data, b.Outputs[k].Data) {
					t.Errorf("%s on %s: output %d differs", name, hwName, k)
				}
			}
		}
	}
}

func mustRun(t *testing.T, c *drivers.Compiled, in []*quant.Tensor) *experiment.NPURun {
	t.Helper()
	run, err := experiment.RunCompiled(c, in)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// checkLayersExact runs m compiled as c on in and fails t (naming what ran)
// unless every layer equals the reference interpreter's under variant v.
func checkLayersExact(t *testing.T, what string, m *workloads.Model, c *drivers.Compiled, in []*quant.Tensor,
	v quant.Variant) *experiment.NPURun {
	t.Helper()
	run, err := experiment.RunCompiled(c, in)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	want, err := experiment.RunReference(m, in, v)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range m.Ops {
		if got := run.Tensors[op.Output]; !slices.Equal(got.Data, want[op.Output].Data) {
			t.Fatalf("%s: layer %s differs from the reference by up to %d LSB", what, op.Name,
				experiment.MaxAbsDiff(got.Data, want[op.Output].Data))
		}
	}
	return run
}

// TestMobileNetV2OnTiny compiles MobileNet v2 for the smallest preset (an
// 8x8 array, 28 KiB of scratchpads) and runs one sample: every layer equals
// the reference interpreter's.
func TestMobileNetV2OnTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 829,118 commands")
	}
	w, err := zoo.Load("mobilenet-v2")
	if err != nil {
		t.Fatal(err)
	}
	c, err := drivers.Compile(w.Model, mustPolicy(t, "reference"), mustHW(t, "tiny"))
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	for _, cmd := range c.Program.Commands {
		most = max(most, len(cmd.Deps))
	}
	// At most one dependency per unit: the interval tracker's, one per
	// other unit, and a captured piece's writer on the command's own unit
	// where the command overwrites the piece.
	if n := len(c.Program.Commands); n != 829118 || most > 4 {
		t.Errorf("%d commands with up to %d dependencies each, want 829118 with at most 4 (one per unit)", n, most)
	}
	run := checkLayersExact(t, "mobilenet-v2 on tiny", w.Model, c, w.Inputs[0], quant.VariantDoubleRounding)
	t.Logf("%d commands, %d cycles", len(c.Program.Commands), run.Stats.Cycles)
}
