package cases

import (
	"reflect"

	"github.com/npusim/npusim/workloads"
)

// LoadWorkload turns an op case file (the format of npusim check) into a
// single-op workload: the first case's model, with the inputs of every case
// that shares its tensors' types, shapes and grids as the input set.
func LoadWorkload(path string) (*workloads.Workload, error) {
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	first := f.Cases[0]
	description := "op case file " + f.Name + " (" + string(f.Op) + ")"
	w := &workloads.Workload{Name: path, Description: description, Source: path, Model: first.Model}
	for _, c := range f.Cases {
		if sameInterface(first.Model, c.Model) {
			w.Inputs = append(w.Inputs, c.Inputs)
		}
	}
	return w, nil
}

// sameInterface reports whether two single-op models take and produce
// tensors of the same types, shapes and quantization.
func sameInterface(a, b *workloads.Model) bool {
	same := func(x, y *workloads.Tensor) bool {
		return x.Type == y.Type && reflect.DeepEqual(x.Shape, y.Shape) && reflect.DeepEqual(x.Params, y.Params)
	}
	for k := range a.Inputs {
		if !same(a.Tensors[a.Inputs[k]], b.Tensors[b.Inputs[k]]) {
			return false
		}
	}
	return same(a.Tensors[a.Outputs[0]], b.Tensors[b.Outputs[0]])
}
