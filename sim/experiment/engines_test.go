package experiment

import (
	"strings"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/loader"
)

// fc1 is an int8 fully connected layer y = x*w over K inputs with the given
// scales (zero points 0, no bias).
func fc1(xs, ws, ys float32, x, w []int32) (*workloads.Model, []*quant.Tensor) {
	k := len(x)
	m := &workloads.Model{Name: "fc"}
	in := m.AddTensor(&workloads.Tensor{Name: "x", Tensor: quant.Tensor{Type: quant.Int8, Shape: []int{1, k}, Params: quant.Params{Scale: xs}}})
	wt := m.AddTensor(&workloads.Tensor{Name: "w", Tensor: quant.Tensor{Type: quant.Int8, Shape: []int{1, k}, Params: quant.Params{Scale: ws}, Data: w}})
	b := m.AddTensor(&workloads.Tensor{Name: "b", Tensor: quant.Tensor{Type: quant.Int32, Shape: []int{1},
		Params: quant.Params{Scale: float32(float64(xs) * float64(ws))}, Data: []int32{0}}})
	y := m.AddTensor(&workloads.Tensor{Name: "y", Tensor: quant.Tensor{Type: quant.Int8, Shape: []int{1, 1}, Params: quant.Params{Scale: ys}}})
	m.Ops = []*workloads.Op{{Name: "fc", Kind: workloads.FullyConnected, Inputs: []int{in, wt, b}, Output: y}}
	m.Inputs, m.Outputs = []int{in}, []int{y}
	return m, []*quant.Tensor{{Type: quant.Int8, Shape: []int{1, k}, Params: quant.Params{Scale: xs}, Data: x}}
}

func outputOf(t *testing.T, m *workloads.Model, in []*quant.Tensor, e reference.Engine) int32 {
	t.Helper()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	v, err := RunEngine(m, in, e)
	if err != nil {
		t.Fatal(err)
	}
	return v[m.Outputs[0]].Data[0]
}

// TestEnginesDifferWhereTheEnginesDo checks each emulation against TFLite on
// the cases where the real engines part from it (the differential tests in
// package engines hold the emulations to the engines themselves):
//
//   - a tie: acc = 1 with multiplier 0.5 is 0.5 LSB; TFLite rounds it away
//     from zero to 1, ONNX Runtime half to even to 0, Arm NN (float, then
//     round half away) to 1;
//   - float32 cancellation: sixteen products 12.7*12.7, then sixteen
//     -12.7*12.7, then 0.1*0.1 sum to 0.01 exactly, 100 LSB at scale
//     0.0001: TFLite and ONNX Runtime accumulate in int32 and give 100;
//     Arm NN's float32 running sum rounds at every step on the way up to
//     2580.64 and back, and gives 99.
func TestEnginesDifferWhereTheEnginesDo(t *testing.T) {
	m, in := fc1(0.5, 0.5, 0.5, []int32{1}, []int32{1})
	want := map[reference.Engine]int32{reference.TFLite: 1, reference.ONNXRuntime: 0, reference.ArmNNRef: 1}
	for e, w := range want {
		if got := outputOf(t, m, in, e); got != w {
			t.Errorf("tie under %s: %d, want %d", e, got, w)
		}
	}
	var x, w []int32
	for i := range 32 {
		x, w = append(x, 127), append(w, []int32{127, -127}[i/16])
	}
	m, in = fc1(0.1, 0.1, 0.0001, append(x, 1), append(w, 1))
	got := map[reference.Engine]int32{}
	for _, e := range reference.Engines() {
		got[e] = outputOf(t, m, in, e)
	}
	if got[reference.TFLite] != 100 || got[reference.ONNXRuntime] != 100 || got[reference.ArmNNRef] != 99 {
		t.Errorf("cancellation: %v, want tflite 100, onnxruntime 100, armnn-ref 99", got)
	}
}

// TestEngineThatCannotRunAWorkload: an op an engine's emulation lacks makes
// a row that says so, not an error (Arm NN's on the language model's
// concatenation of two grids), where ONNX Runtime's emulation runs it.
func TestEngineThatCannotRunAWorkload(t *testing.T) {
	w, err := loader.New().Load("kjv-lstm")
	if err != nil {
		t.Fatal(err)
	}
	refs := NewReferences()
	r, err := CompareEngine(w, reference.ArmNNRef, 1, refs)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Cannot, "CONCATENATION is not emulated") || r.Samples != 0 || r.Exact() {
		t.Errorf("armnn-ref on kjv-lstm: %+v, want a row that cannot run", r)
	}
	for _, e := range []reference.Engine{reference.TFLite, reference.ONNXRuntime} {
		r, err := CompareEngine(w, e, 1, refs)
		if err != nil || r.Cannot != "" || r.Samples != 1 {
			t.Errorf("%s on kjv-lstm: %+v, %v; want a row that ran", e, r, err)
		}
	}
}
