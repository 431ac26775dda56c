package engines

import (
	"os"
	"slices"
	"testing"

	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
)

// need skips a test when an engine's variable is unset, or fails it when
// NPUSIM_REQUIRE_ENGINES=1.
func need(t *testing.T, variable string) {
	t.Helper()
	if os.Getenv(variable) != "" {
		return
	}
	if os.Getenv("NPUSIM_REQUIRE_ENGINES") == "1" {
		t.Fatalf("%s is not set and NPUSIM_REQUIRE_ENGINES=1", variable)
	}
	t.Skipf("%s is not set: the real engine is not installed", variable)
}

// emulated returns the outputs of a workload sample under an engine emulation.
func emulated(t *testing.T, w *workloads.Workload, s int, e reference.Engine) []*quant.Tensor {
	t.Helper()
	v, err := experiment.RunEngine(w.Model, w.Inputs[s], e)
	if err != nil {
		t.Fatalf("%s: %v", w.Name, err)
	}
	var out []*quant.Tensor
	for _, o := range w.Model.Outputs {
		out = append(out, v[o])
	}
	return out
}

// compare fails on the first element where the engine and its emulation
// differ, and counts the outputs where both differ from TFLite.
func compare(t *testing.T, name string, engine, emu, tflite []*quant.Tensor) (elements, changed int) {
	t.Helper()
	for k := range engine {
		if !slices.Equal(engine[k].Shape, emu[k].Shape) {
			t.Fatalf("%s output %d: shape %v, emulation %v", name, k, engine[k].Shape, emu[k].Shape)
		}
		for i := range engine[k].Data {
			if engine[k].Data[i] != emu[k].Data[i] {
				t.Fatalf("%s output %d element %d: engine %d, emulation %d (tflite %d)", name, k, i, engine[k].Data[i], emu[k].Data[i], tflite[k].Data[i])
			}
			if engine[k].Data[i] != tflite[k].Data[i] {
				changed++
			}
		}
		elements += len(engine[k].Data)
	}
	return elements, changed
}

// TestONNXRuntimeMatchesEmulation runs every zoo workload (the ImageNet-size
// ones on one sample) and NPUSIM_ENGINE_CASES random single-op models
// (default 320) on ONNX Runtime and requires the onnxruntime emulation to
// give the same bytes on every output.
func TestONNXRuntimeMatchesEmulation(t *testing.T) {
	need(t, "NPUSIM_ORT_DIR")
	var cases []ORTCase
	for _, name := range zoo.Names() {
		w, err := zoo.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		n := min(len(w.Inputs), 8)
		if quant.NumElements(w.Model.Tensors[w.Model.Inputs[0]].Shape) > 10000 {
			n = 1
		}
		cases = append(cases, ORTCase{Name: name, Workload: w, Samples: seq(n)})
	}
	count := CaseCount(320)
	for i := range count {
		kind := singleOps[i%len(singleOps)]
		w, err := RandomOp(kind, uint64(i), 2)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, ORTCase{Name: w.Name, Workload: w, Samples: seq(2)})
	}
	results, err := RunORT(t.TempDir(), cases)
	if err != nil {
		t.Fatal(err)
	}
	var elements, changed int
	for i, c := range cases {
		for j, s := range c.Samples {
			e, ch := compare(t, c.Name, results[i][j], emulated(t, c.Workload, s, reference.ONNXRuntime), emulated(t, c.Workload, s, reference.TFLite))
			elements, changed = elements+e, changed+ch
		}
	}
	t.Logf("onnxruntime: %d models, %d outputs bit-exact with the emulation; %d (%.2f%%) differ from tflite", len(cases), elements, changed, 100*float64(changed)/float64(elements))
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestArmNNMatchesEmulation builds NPUSIM_ENGINE_CASES (default 300) random
// convolution, depthwise and fully connected layers with fused RELU, RELU1
// and RELU6 (plain, exact-tie, large-accumulator and cancellation flavours,
// uint8 and int8) through Arm NN's INetwork API, runs them on the CpuRef
// backend and requires the armnn-ref emulation to give the same codes.
func TestArmNNMatchesEmulation(t *testing.T) {
	need(t, "NPUSIM_ARMNN_PYTHON")
	var ws []*workloads.Workload
	for i := range CaseCount(300) {
		w, err := RandomArmNN(uint64(i), 2)
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	got, version, err := RunArmNN(t.TempDir(), ws)
	if err != nil {
		t.Fatal(err)
	}
	var elements, changed int
	for i, w := range ws {
		for s := range w.Inputs {
			out := quant.NewTensor(w.Model.Tensors[w.Model.Outputs[0]].Type, w.Model.Tensors[w.Model.Outputs[0]].Shape, quant.Params{})
			out.Data = got[i][s]
			e, ch := compare(t, w.Name, []*quant.Tensor{out}, emulated(t, w, s, reference.ArmNNRef), emulated(t, w, s, reference.TFLite))
			elements, changed = elements+e, changed+ch
		}
	}
	t.Logf("arm nn %s: %d layers, %d outputs bit-exact with the emulation; %d (%.2f%%) differ from tflite", version, len(ws), elements, changed, 100*float64(changed)/float64(elements))
}
