package experiment

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/loader"
)

// TestStoredWalkGivesTheInterpretersValues: the reference run with its
// activations stored (referenceStored) gives RunReference's values, every
// tensor of every sample, decoded from the bytes it keeps; and keeps the
// bytes of every op output. Also on a model whose weights are computed.
func TestStoredWalkGivesTheInterpretersValues(t *testing.T) {
	ws := loader.New()
	for _, name := range []string{"mac2x3", "digits-cnn", "fashion-mobilenet", "mobilenet-v2", "rnn-unrolled", "kjv-lstm"} {
		w, err := ws.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		samples := min(len(w.Inputs), 3)
		if name == "mobilenet-v2" {
			samples = 1
		}
		for s := range samples {
			checkStoredWalk(t, fmt.Sprintf("%s sample %d", name, s), w.Model, w.Inputs[s])
		}
	}
	m, in := computedWeights()
	checkStoredWalk(t, m.Name, m, in)
}

// checkStoredWalk fails t unless the stored walk gives every tensor and
// every op output's stored bytes as the interpreter computes them, with
// the filters prepared for the walk and, on a second walk, taken from the
// first's.
func checkStoredWalk(t *testing.T, name string, m *workloads.Model, inputs []*quant.Tensor) {
	t.Helper()
	want, err := RunReference(m, inputs, quant.VariantDoubleRounding)
	if err != nil {
		t.Fatal(err)
	}
	var filters reference.Filters
	for walk := range 2 {
		v, err := referenceStored(m, inputs, &filters)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if got := v.tensor(i); !reflect.DeepEqual(got, want[i]) {
				t.Fatalf("%s, walk %d: tensor %d (%s) differs from the interpreter's", name, walk, i, m.Tensors[i].Name)
			}
		}
		for _, op := range m.Ops {
			if b, _ := storedBytes(want[op.Output]); !reflect.DeepEqual(v.bytes[op.Output], b) {
				t.Fatalf("%s, walk %d: the stored bytes of %s differ", name, walk, op.Name)
			}
		}
	}
}

// computedWeights is a valid model whose second layer's weights are the
// first layer's output, not a constant: the stored walk must read them as
// values (the kernels on bytes take constant filters).
func computedWeights() (*workloads.Model, []*quant.Tensor) {
	m := &workloads.Model{Name: "computed-weights"}
	add := func(name string, typ quant.Type, shape []int, p quant.Params, data []int32) int {
		tensor := quant.NewTensor(typ, shape, p)
		tensor.Data = data
		return m.AddTensor(&workloads.Tensor{Name: name, Tensor: *tensor})
	}
	act, out := quant.Params{Scale: 0.5, ZeroPoint: 128}, quant.Params{Scale: 0.25, ZeroPoint: 128}
	x := add("x", quant.Uint8, []int{1, 4}, act, nil)
	w1 := add("w1", quant.Uint8, []int{4, 4}, act,
		[]int32{129, 130, 127, 128, 128, 128, 128, 129, 140, 120, 128, 128, 128, 128, 130, 126})
	b1 := add("b1", quant.Int32, []int{4}, quant.Params{Scale: 0.25}, []int32{1, 2, 3, 4})
	y := add("y", quant.Uint8, []int{1, 4}, out, nil)
	b2 := add("b2", quant.Int32, []int{1}, quant.Params{Scale: 0.125}, []int32{0})
	z := add("z", quant.Uint8, []int{1, 1}, out, nil)
	m.Inputs, m.Outputs = []int{x}, []int{z}
	m.Ops = []*workloads.Op{
		{Name: "fc1", Kind: workloads.FullyConnected, Inputs: []int{x, w1, b1}, Output: y},
		{Name: "fc2", Kind: workloads.FullyConnected, Inputs: []int{x, y, b2}, Output: z},
	}
	in := quant.NewTensor(quant.Uint8, []int{1, 4}, act)
	copy(in.Data, []int32{130, 140, 120, 128})
	return m, []*quant.Tensor{in}
}
