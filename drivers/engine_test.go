package drivers_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/zoo"
)

// TestEnginePoliciesOnRandomGraphs holds every layer of random networks on
// the NPU, under the engine policies, to the engine's emulation
// (experiment.RunEngine), on every hardware preset: the layers the NPU
// computes natively or emulated and the ones the host CPU computes with
// the engine's kernel. ONNX Runtime exports no average pool but the
// global one: a network with another is an UnsupportedError.
func TestEnginePoliciesOnRandomGraphs(t *testing.T) {
	for _, e := range []reference.Engine{reference.ONNXRuntime, reference.ArmNNRef} {
		p := mustPolicy(t, string(e))
		ran, refused := 0, 0
		for _, hwName := range npu.Presets() {
			hw := mustHW(t, hwName)
			for seed := range uint64(12) {
				m, inputs := randomModel(seed, seed%4 == 0)
				compiled, err := drivers.Compile(m, p, hw)
				if drivers.IsUnsupported(err) && e == reference.ONNXRuntime && strings.Contains(err.Error(), "AVERAGE_POOL_2D") {
					refused++
					continue
				}
				if err != nil {
					t.Fatalf("seed %d on %s under %s: %v", seed, hwName, e, err)
				}
				ran++
				for _, in := range inputs {
					want, err := experiment.RunEngine(m, in, e)
					if err != nil {
						t.Fatal(err)
					}
					run, err := experiment.RunCompiled(compiled, in)
					if err != nil {
						t.Fatalf("seed %d on %s under %s: %v", seed, hwName, e, err)
					}
					for _, op := range m.Ops {
						if got := run.Tensors[op.Output]; !slices.Equal(got.Data, want[op.Output].Data) {
							t.Fatalf("seed %d on %s under %s: layer %s differs from the engine by up to %d LSB",
								seed, hwName, e, op.Name, experiment.MaxAbsDiff(got.Data, want[op.Output].Data))
						}
					}
				}
			}
		}
		if ran < 4*len(npu.Presets()) {
			t.Errorf("%s: %d random networks ran, %d refused; want at least 4 per preset", e, ran, refused)
		}
	}
}

// TestEnginePolicyRoutes states where the engine policies run digits-cnn's
// layers: ONNX Runtime's convolutions on the NPU whose requantizer has
// float32 and on the host CPU where it has not, its SOFTMAX always on the
// CPU; every layer of Arm NN's reference backend on the CPU but the max
// pools and the reshape. The CPU layers run the engine's kernels.
func TestEnginePolicyRoutes(t *testing.T) {
	w, err := zoo.Load("digits-cnn")
	if err != nil {
		t.Fatal(err)
	}
	// digits-cnn: conv1 pool1 conv2 pool2 flatten fc probabilities
	for _, c := range []struct {
		policy, hw string
		want       string
	}{
		{"onnxruntime", "edge-tpu-like", "native native native native native native cpu"},
		{"onnxruntime", "mobile-npu", "native native native native native native cpu"},
		{"onnxruntime", "low-cost", "cpu native cpu native native cpu cpu"},
		{"armnn-ref", "edge-tpu-like", "cpu native cpu native native cpu cpu"},
		{"armnn-ref", "mobile-npu", "cpu native cpu native native cpu cpu"},
	} {
		compiled, err := drivers.Compile(w.Model, mustPolicy(t, c.policy), mustHW(t, c.hw))
		if err != nil {
			t.Fatalf("%s on %s: %v", c.policy, c.hw, err)
		}
		var kinds []string
		for _, r := range compiled.Routes {
			kinds = append(kinds, string(r.Kind))
		}
		if got := strings.Join(kinds, " "); got != c.want {
			t.Errorf("%s on %s: routes %s, want %s", c.policy, c.hw, got, c.want)
		}
		for _, hl := range compiled.HostLayers {
			if hl.Engine != reference.Engine(c.policy) {
				t.Errorf("%s on %s: host layer %d computes as %q", c.policy, c.hw, hl.Op, hl.Engine)
			}
		}
		last := compiled.Routes[len(compiled.Routes)-1]
		if !strings.Contains(last.Why, c.policy) {
			t.Errorf("%s on %s: the SOFTMAX's route says %q, not why the engine needs the CPU", c.policy, c.hw, last.Why)
		}
	}
}

// TestEnginePoliciesRefused: hardware without a host CPU cannot run a layer
// the engine computes in float32, and a workload with a layer the engine's
// emulation lacks cannot run under it; both are UnsupportedError findings
// that say why.
func TestEnginePoliciesRefused(t *testing.T) {
	noHost := *mustHW(t, "edge-tpu-like")
	noHost.Host = nil
	digits, err := zoo.Load("digits-cnn")
	if err != nil {
		t.Fatal(err)
	}
	_, err = drivers.Compile(digits.Model, mustPolicy(t, "onnxruntime"), &noHost)
	if !drivers.IsUnsupported(err) || !strings.Contains(err.Error(), "QLinearSoftmax") ||
		!strings.Contains(err.Error(), "edge-tpu-like has no host CPU") {
		t.Errorf("onnxruntime without a host CPU: %v", err)
	}
	lstm, err := zoo.Load("kjv-lstm")
	if err != nil {
		t.Fatal(err)
	}
	_, err = drivers.Compile(lstm.Model, mustPolicy(t, "armnn-ref"), mustHW(t, "edge-tpu-like"))
	if !drivers.IsUnsupported(err) || !strings.Contains(err.Error(), "engine armnn-ref cannot compute CONCATENATION") {
		t.Errorf("armnn-ref on kjv-lstm: %v", err)
	}
}
