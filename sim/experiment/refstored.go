package experiment

import (
	"fmt"
	"sync"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
)

// referenceStored is RunReference with double rounding, the values kept as
// an experiment compares them: the stored bytes of every op output that
// has them. Activations stay stored between the ops the kernels compute on
// bytes (convolutions, fully connected layers, ADD of equal shapes); the
// other ops read decoded values (sampleValues.tensor), and their outputs
// are stored where the bytes hold them. Tensors computed on bytes are
// decoded only when asked for. The kernels take the model's filters
// prepared from f (nil: prepared for this run).
func referenceStored(m *workloads.Model, inputs []*quant.Tensor, f *reference.Filters) (*sampleValues, error) {
	values, err := startValues(m, inputs)
	if err != nil {
		return nil, err
	}
	v := &sampleValues{values: values, bytes: make([][]byte, len(values)),
		decoded: make([]sync.Once, len(values)), model: m}
	w := storedWalk{v: v, encoded: make(map[int]reference.Stored), filters: f}
	for _, op := range m.Ops {
		if err := w.run(op); err != nil {
			return nil, fmt.Errorf("%s: %w", op.Name, err)
		}
	}
	return v, nil
}

// storedWalk is the state of referenceStored: the values so far, and the
// stored form of the tensors held as values that the kernels have asked
// for (empty where the bytes cannot hold the values).
type storedWalk struct {
	v       *sampleValues
	encoded map[int]reference.Stored
	filters *reference.Filters
}

// run computes one op: on stored bytes where its kernel and its operands
// allow, else on decoded values.
func (w *storedWalk) run(op *workloads.Op) error {
	done, err := w.runStored(op)
	if done || err != nil {
		return err
	}
	for _, i := range op.Inputs {
		w.v.tensor(i)
	}
	t := w.v.model.Tensors[op.Output]
	out := quant.NewTensor(t.Type, t.Shape, t.Params)
	if err := runOp(op, w.v.values, out, quant.VariantDoubleRounding); err != nil {
		return err
	}
	w.v.values[op.Output] = out
	w.v.bytes[op.Output], _ = storedBytes(out)
	return nil
}

// storedKinds are the ops with a kernel on stored bytes.
var storedKinds = map[workloads.OpKind]bool{
	workloads.Conv2D: true, workloads.DepthwiseConv2D: true, workloads.FullyConnected: true, workloads.Add: true,
}

// runStored computes an op on stored bytes and reports whether it could:
// the op has a kernel on bytes, its activations are 8-bit and stored, and
// its filter and bias, if it has them, are constants (a model may compute
// them; the kernels on bytes take them as given).
func (w *storedWalk) runStored(op *workloads.Op) (bool, error) {
	if !storedKinds[op.Kind] {
		return false, nil
	}
	if op.Kind != workloads.Add {
		for _, k := range op.Inputs[1:] {
			if !w.v.model.Tensors[k].Constant() {
				return false, nil
			}
		}
	}
	t := w.v.model.Tensors[op.Output]
	in, ok := w.stored(op.Inputs[0])
	if !ok || !t.Type.Is8Bit() {
		return false, nil
	}
	out := reference.NewStored(t.Type, t.Shape, t.Params)
	constant := func(k int) *quant.Tensor { return w.v.values[op.Inputs[k]] }
	var err error
	switch op.Kind {
	case workloads.Conv2D:
		ok, err = reference.Conv2DStored(in, constant(1), constant(2), out, convParams(op), quant.VariantDoubleRounding,
			w.filters)
	case workloads.DepthwiseConv2D:
		err = reference.DepthwiseConv2DStored(in, constant(1), constant(2), out, convParams(op),
			quant.VariantDoubleRounding, w.filters)
	case workloads.FullyConnected:
		err = reference.FullyConnectedStored(in, constant(1), constant(2), out, op.Activation,
			quant.VariantDoubleRounding, w.filters)
	case workloads.Add:
		var b reference.Stored
		if b, ok = w.stored(op.Inputs[1]); ok {
			ok = reference.AddStored(in, b, out, op.Activation)
		}
	}
	if !ok || err != nil {
		return false, err
	}
	w.v.bytes[op.Output] = out.Bytes
	return true, nil
}

// stored is tensor i's stored form, if it has one: an op output's bytes, or
// a model input's values, encoded the first time.
func (w *storedWalk) stored(i int) (reference.Stored, bool) {
	if b := w.v.bytes[i]; b != nil {
		t := w.v.model.Tensors[i]
		return reference.Stored{Type: t.Type, Shape: t.Shape, Params: t.Params, Bytes: b}, t.Type.Is8Bit()
	}
	if s, ok := w.encoded[i]; ok {
		return s, s.Bytes != nil
	}
	t := w.v.values[i]
	if t == nil || w.v.model.Tensors[i].Constant() {
		return reference.Stored{}, false
	}
	s, ok := reference.StoredOf(t)
	if !ok {
		s = reference.Stored{}
	}
	w.encoded[i] = s
	return s, ok
}
