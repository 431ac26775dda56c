package experiment

import (
	"errors"
	"fmt"
	"slices"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
)

// RunEngine runs a model as an inference engine computes it (see
// reference.Engine) and returns the values of every tensor, like
// RunReference. reference.TFLite is RunReference with double rounding.
func RunEngine(m *workloads.Model, inputs []*quant.Tensor, e reference.Engine) ([]*quant.Tensor, error) {
	var kernel func(*workloads.Op, []*quant.Tensor, *quant.Tensor) error
	switch e {
	case reference.TFLite:
		return RunReference(m, inputs, quant.VariantDoubleRounding)
	case reference.ONNXRuntime:
		kernel = ortOp
	case reference.ArmNNRef:
		kernel = armnnOp
	default:
		return nil, fmt.Errorf("unknown engine %q", e)
	}
	return walk(m, inputs, func(op *workloads.Op, values []*quant.Tensor, out *quant.Tensor) error {
		if err := kernel(op, values, out); err != nil {
			return fmt.Errorf("%s (%s): %w", op.Name, e, err)
		}
		return nil
	})
}

// walk evaluates a model's ops in order with one kernel function.
func walk(m *workloads.Model, inputs []*quant.Tensor,
	run func(*workloads.Op, []*quant.Tensor, *quant.Tensor) error) ([]*quant.Tensor, error) {
	values, err := startValues(m, inputs)
	if err != nil {
		return nil, err
	}
	for _, op := range m.Ops {
		t := m.Tensors[op.Output]
		out := quant.NewTensor(t.Type, t.Shape, t.Params)
		if err := run(op, values, out); err != nil {
			return nil, err
		}
		values[op.Output] = out
	}
	return values, nil
}

// startValues are the values of a model's tensors before its first op:
// the constants and the inputs, which must have the model's types and
// sizes; nil for every op output.
func startValues(m *workloads.Model, inputs []*quant.Tensor) ([]*quant.Tensor, error) {
	if len(inputs) != len(m.Inputs) {
		return nil, fmt.Errorf("model %s takes %d inputs, got %d", m.Name, len(m.Inputs), len(inputs))
	}
	values := make([]*quant.Tensor, len(m.Tensors))
	for i, t := range m.Tensors {
		if t.Constant() {
			values[i] = &t.Tensor
		}
	}
	for k, i := range m.Inputs {
		if in, t := inputs[k], m.Tensors[i]; in.Type != t.Type || in.Len() != t.Len() {
			return nil, fmt.Errorf("input %d: %v with %d elements, model %s wants %v %v",
				k, in.Type, in.Len(), m.Name, t.Type, t.Shape)
		}
		values[i] = inputs[k]
	}
	return values, nil
}

// ErrNotEmulated marks an op an engine emulation does not compute: the
// engine cannot run the workload as npusim exports it.
var ErrNotEmulated = errors.New("not emulated")

// ortOp runs one op as ONNX Runtime runs its exported QOperator node(s).
func ortOp(op *workloads.Op, values []*quant.Tensor, out *quant.Tensor) error {
	in := func(k int) *quant.Tensor { return values[op.Inputs[k]] }
	var err error
	switch op.Kind {
	case workloads.Conv2D, workloads.DepthwiseConv2D, workloads.FullyConnected, workloads.MaxPool2D,
		workloads.Relu, workloads.Relu1, workloads.Relu6, workloads.Reshape:
		return runOp(op, values, out, quant.VariantFP32) // QLinearConv, MaxPool, Clip, Reshape
	case workloads.Concatenation: // QLinearConcat: each input onto the output's grid, then copied
		regridded := slices.Clone(values)
		for _, i := range op.Inputs {
			regridded[i] = reference.ORTRegrid(values[i], out.Params, out.Type)
		}
		return runOp(op, regridded, out, quant.VariantFP32)
	case workloads.Add:
		err = reference.ORTAdd(in(0), in(1), out)
	case workloads.AveragePool2D:
		t := in(0)
		if op.FilterH != t.Shape[1] || op.FilterW != t.Shape[2] || op.Padding != (workloads.Padding{}) {
			return fmt.Errorf("QLinearAveragePool is %w, only QLinearGlobalAveragePool", ErrNotEmulated)
		}
		err = reference.ORTGlobalAveragePool(in(0), out)
	case workloads.Softmax:
		if op.Beta != 1 {
			return fmt.Errorf("QLinearSoftmax of beta %v is %w", op.Beta, ErrNotEmulated)
		}
		err = reference.ORTSoftmax(in(0), out)
	case workloads.Logistic:
		err = reference.ORTLogistic(in(0), out)
	case workloads.Mul:
		err = reference.ORTMul(in(0), in(1), out)
	default:
		return fmt.Errorf("%v is %w", op.Kind, ErrNotEmulated)
	}
	if err != nil || op.Activation == quant.ActNone {
		return err
	}
	return reference.ActivationOp(out, out, op.Activation) // the Clip node
}

// armnnOp runs one op as Arm NN's reference backend runs the layer(s) it
// becomes: the op without its activation, then an Activation layer.
func armnnOp(op *workloads.Op, values []*quant.Tensor, out *quant.Tensor) error {
	in := func(k int) *quant.Tensor { return values[op.Inputs[k]] }
	dh, dw := op.Dilation()
	conv := reference.ConvParams{Padding: reference.Padding(op.Padding), StrideH: op.StrideH, StrideW: op.StrideW,
		DilationH: dh, DilationW: dw, DepthMultiplier: op.DepthMultiplier}
	pool := reference.PoolParams{Padding: reference.Padding(op.Padding), StrideH: op.StrideH, StrideW: op.StrideW,
		FilterH: op.FilterH, FilterW: op.FilterW}
	var err error
	switch op.Kind {
	case workloads.Conv2D, workloads.DepthwiseConv2D:
		err = reference.ArmNNConv2D(in(0), in(1), in(2), out, conv, op.Kind == workloads.DepthwiseConv2D)
	case workloads.FullyConnected:
		err = reference.ArmNNFullyConnected(in(0), in(1), in(2), out)
	case workloads.Add:
		err = reference.ArmNNAdd(in(0), in(1), out)
	case workloads.AveragePool2D:
		err = reference.ArmNNAveragePool(in(0), out, pool)
	case workloads.MaxPool2D:
		err = reference.MaxPool2D(in(0), out, pool) // max commutes with the monotone decode and encode
	case workloads.Relu, workloads.Relu1, workloads.Relu6:
		act, _ := op.Kind.ReluActivation()
		return reference.ArmNNActivation(in(0), out, act)
	case workloads.Softmax:
		return reference.ArmNNSoftmax(in(0), out, op.Beta)
	case workloads.Reshape:
		return reference.Reshape(in(0), out)
	default:
		return fmt.Errorf("%v is %w", op.Kind, ErrNotEmulated)
	}
	if err != nil || op.Activation == quant.ActNone {
		return err
	}
	return reference.ArmNNActivation(out, out, op.Activation)
}
