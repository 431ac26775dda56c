package experiment

import (
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/npusim/npusim/workloads/zoo"
)

// TestReferenceIsExactOnEveryPreset holds the reference policy on every
// hardware preset, through whatever exact routes the hardware needs, to the
// interpreter: every NNAPI vector at tolerance 0, and every zoo workload's
// digest (the heavy ones only without -short).
func TestReferenceIsExactOnEveryPreset(t *testing.T) {
	ref, err := drivers.LoadPolicy("reference")
	if err != nil {
		t.Fatal(err)
	}
	byName := loadNNAPI(t)
	ws, refs := loader.New(), NewReferences()
	heavy := map[string]bool{"resnet18": true, "mobilenet-v1": true, "mobilenet-v2": true}
	for _, hwName := range npu.Presets() {
		hw, err := npu.LoadConfig(hwName)
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range byName {
			r, err := CheckCaseOnNPU(name, c, ref, hw, 0)
			if err != nil || !r.Pass {
				t.Errorf("%s on %s: %v, max difference %d LSB", name, hwName, err, r.MaxDiff)
			}
		}
		for _, w := range zoo.Names() {
			if heavy[w] && (testing.Short() || hwName == "tiny") {
				continue
			}
			r, err := Run(Cell{Workload: w, Policy: "reference", HW: hwName, Samples: 1}, ws, refs)
			if err != nil {
				t.Fatalf("%s on %s: %v", w, hwName, err)
			}
			if r.Digest != r.RefDigest {
				t.Errorf("%s on %s (%s): digest %s, the interpreter's %s", w, hwName, r.Routes, r.Digest[:12], r.RefDigest[:12])
			}
		}
	}
}

// TestShortcutsNeverTakeRoutes: a shortcut policy runs what the hardware
// has (converting the model where the hardware forces it) or is refused,
// and never takes an exact route.
func TestShortcutsNeverTakeRoutes(t *testing.T) {
	ws, refs := loader.New(), NewReferences()
	for _, hw := range []string{"fixed-per-tensor", "low-cost", "dsp-hvx-like"} {
		r, err := Run(Cell{Workload: "digits-cnn", Policy: "mult16", HW: hw, Samples: 2}, ws, refs)
		if err != nil {
			if !strings.Contains(err.Error(), "does not implement") {
				t.Errorf("mult16 on %s: %v", hw, err)
			}
			continue
		}
		if r.Routes != "" {
			t.Errorf("mult16 on %s took routes: %s", hw, r.Routes)
		}
	}
	r, err := Run(Cell{Workload: "digits-cnn", Policy: "truncate", HW: "fixed-per-tensor", Samples: 2}, ws, refs)
	if err == nil || !strings.Contains(err.Error(), "does not implement") {
		t.Errorf("truncate on fixed-per-tensor: %v", err)
	}
	r, err = Run(Cell{Workload: "digits-cnn", Policy: "zp-nudge", HW: "fixed-per-tensor", Samples: 2}, ws, refs)
	if err != nil || r.Routes != "" || !strings.Contains(strings.Join(r.Notes, "; "), "forced per-tensor weights") {
		t.Errorf("zp-nudge on fixed-per-tensor: %v, routes %q, notes %q", err, r.Routes, r.Notes)
	}
}

// TestFallbacks: a policy's fallback chooses among the routes. Forced onto
// the CPU, digits-mlp's two fully connected layers on edge-tpu-like form one
// partition (one hand-off) and stay exact; allowed only emulations, a
// layer that needs integer arithmetic the vector unit of fixed-per-tensor
// lacks has no route, and the error says why.
func TestFallbacks(t *testing.T) {
	cpu, err := drivers.ParsePolicy("cpu.yaml", []byte("name: exact-cpu\nexact: true\nfallback: cpu\nrequant: double-rounding\n"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := zoo.Load("digits-mlp")
	if err != nil {
		t.Fatal(err)
	}
	hw, _ := npu.LoadConfig("edge-tpu-like")
	c, err := drivers.Compile(w.Model, cpu, hw)
	if err != nil {
		t.Fatal(err)
	}
	run, err := RunCompiled(c, w.Inputs[0])
	if err != nil {
		t.Fatal(err)
	}
	want, err := RunReference(w.Model, w.Inputs[0], quant.VariantDoubleRounding)
	if err != nil {
		t.Fatal(err)
	}
	if got := drivers.SummarizeRoutes(c.Routes); got != "cpu: 2 layers" || run.Stats.Counters.Host.Handoffs != 1 ||
		!slices.Equal(run.Outputs[0].Data, want[w.Model.Outputs[0]].Data) {
		t.Errorf("routes %q, %d hand-offs, outputs %v, want %v", got, run.Stats.Counters.Host.Handoffs, run.Outputs[0].Data, want[w.Model.Outputs[0]].Data)
	}
	emulate, err := drivers.ParsePolicy("emulate.yaml", []byte("name: exact-npu\nexact: true\nfallback: emulate\nrequant: double-rounding\n"))
	if err != nil {
		t.Fatal(err)
	}
	fixed, _ := npu.LoadConfig("fixed-per-tensor")
	_, err = CheckCaseOnNPU("conv_quant8_2", loadNNAPI(t)["conv_quant8_2"], emulate, fixed, 0)
	if err == nil || !strings.Contains(err.Error(), "no exact route is available: weight-zero-point-fold: the vector unit of fixed-per-tensor has no integer datapath") {
		t.Errorf("emulations only on fixed-per-tensor: %v", err)
	}
}
