package experiment

import (
	"bytes"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/loader"
)

// TestEnginePoliciesComputeAsTheEngines holds the engine policies to the
// engines: on every sample of every zoo workload small enough, the NPU's
// outputs under policy onnxruntime (armnn-ref) are byte for byte RunEngine's
// under reference.ONNXRuntime (reference.ArmNNRef), on every hardware
// preset listed, whatever share of the layers takes the host CPU. The
// samples on which the engines differ from TFLite, counted once (the same
// for both engines), show that the policies are not the reference policy.
func TestEnginePoliciesComputeAsTheEngines(t *testing.T) {
	all := npu.Presets()
	cases := []struct {
		workload string
		hw       []string
		differ   int // samples whose outputs differ from TFLite's
	}{
		{"mac2x3", all, 0},
		{"digits-mlp", all, 1},
		{"digits-cnn", all, 2},
		{"fashion-mobilenet", []string{"mobile-npu", "edge-tpu-like", "low-cost"}, 84},
		{"mobilenet-v2", []string{"mobile-npu", "edge-tpu-like"}, 4},
	}
	ws := loader.New()
	for _, e := range []reference.Engine{reference.ONNXRuntime, reference.ArmNNRef} {
		p, err := drivers.LoadPolicy(string(e))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			if c.workload == "mobilenet-v2" && testing.Short() {
				continue
			}
			w, err := ws.Load(c.workload)
			if err != nil {
				t.Fatal(err)
			}
			want, differ := engineOutputs(t, w, e)
			if differ != c.differ {
				t.Errorf("%s under %s: %d of %d samples differ from TFLite's outputs, want %d",
					c.workload, e, differ, len(w.Inputs), c.differ)
			}
			for _, hwName := range c.hw {
				checkEnginePolicy(t, w, p, hwName, want)
			}
		}
	}
}

// engineOutputs are the bytes of a workload's outputs under an engine, per
// sample, and the number of samples on which they differ from TFLite's.
func engineOutputs(t *testing.T, w *workloads.Workload, e reference.Engine) ([][][]byte, int) {
	t.Helper()
	want := make([][][]byte, len(w.Inputs))
	differ := 0
	for s, in := range w.Inputs {
		values, err := RunEngine(w.Model, in, e)
		if err != nil {
			t.Fatalf("%s under %s: %v", w.Model.Name, e, err)
		}
		ref, err := RunReference(w.Model, in, quant.VariantDoubleRounding)
		if err != nil {
			t.Fatal(err)
		}
		same := true
		for _, o := range w.Model.Outputs {
			want[s] = append(want[s], values[o].Bytes())
			same = same && bytes.Equal(values[o].Bytes(), ref[o].Bytes())
		}
		if !same {
			differ++
		}
	}
	return want, differ
}

// checkEnginePolicy runs every sample of a workload under an engine policy
// on a hardware preset and compares the outputs with the engine's.
func checkEnginePolicy(t *testing.T, w *workloads.Workload, p *drivers.Policy, hwName string, want [][][]byte) {
	t.Helper()
	hw, err := npu.LoadConfig(hwName)
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := drivers.Compile(w.Model, p, hw)
	if err != nil {
		t.Fatalf("%s on %s under %s: %v", w.Model.Name, hwName, p.Name, err)
	}
	for s, in := range w.Inputs {
		run, err := RunCompiled(compiled, in)
		if err != nil {
			t.Fatalf("%s on %s under %s, sample %d: %v", w.Model.Name, hwName, p.Name, s, err)
		}
		for k, out := range run.Outputs {
			if !bytes.Equal(out.Bytes(), want[s][k]) {
				t.Errorf("%s on %s under %s, sample %d, output %d: the NPU's bytes differ from the engine's",
					w.Model.Name, hwName, p.Name, s, k)
			}
		}
	}
}
