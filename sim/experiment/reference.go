package experiment

import (
	"fmt"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
)

// RunReference runs a model on the reference interpreter with requantization
// variant v. It returns the values of every tensor, indexed as the model's
// tensors: constants as given, inputs as passed (in the order of m.Inputs),
// and each op's output.
func RunReference(m *workloads.Model, inputs []*quant.Tensor, v quant.Variant) ([]*quant.Tensor, error) {
	return walk(m, inputs, func(op *workloads.Op, values []*quant.Tensor, out *quant.Tensor) error {
		if err := runOp(op, values, out, v); err != nil {
			return fmt.Errorf("%s: %w", op.Name, err)
		}
		return nil
	})
}

// convParams are a convolution op's geometry and activation.
func convParams(op *workloads.Op) reference.ConvParams {
	dh, dw := op.Dilation()
	return reference.ConvParams{Padding: reference.Padding(op.Padding), StrideH: op.StrideH, StrideW: op.StrideW,
		DilationH: dh, DilationW: dw, DepthMultiplier: op.DepthMultiplier, Activation: op.Activation}
}

// runOp dispatches one op to its reference kernel.
func runOp(op *workloads.Op, values []*quant.Tensor, out *quant.Tensor, v quant.Variant) error {
	in := func(k int) *quant.Tensor { return values[op.Inputs[k]] }
	conv := convParams(op)
	pool := reference.PoolParams{Padding: reference.Padding(op.Padding), StrideH: op.StrideH, StrideW: op.StrideW,
		FilterH: op.FilterH, FilterW: op.FilterW, Activation: op.Activation}
	switch op.Kind {
	case workloads.Conv2D:
		return reference.Conv2D(in(0), in(1), in(2), out, conv, v)
	case workloads.DepthwiseConv2D:
		return reference.DepthwiseConv2D(in(0), in(1), in(2), out, conv, v)
	case workloads.FullyConnected:
		return reference.FullyConnected(in(0), in(1), in(2), out, op.Activation, v)
	case workloads.Add:
		return reference.Add(in(0), in(1), out, op.Activation)
	case workloads.Mul:
		return reference.Mul(in(0), in(1), out, op.Activation, v)
	case workloads.AveragePool2D:
		return reference.AveragePool2D(in(0), out, pool)
	case workloads.MaxPool2D:
		return reference.MaxPool2D(in(0), out, pool)
	case workloads.Relu:
		return reference.ActivationOp(in(0), out, quant.ActRelu)
	case workloads.Relu1:
		return reference.ActivationOp(in(0), out, quant.ActRelu1)
	case workloads.Relu6:
		return reference.ActivationOp(in(0), out, quant.ActRelu6)
	case workloads.Softmax:
		return reference.Softmax(in(0), out, op.Beta)
	case workloads.Logistic:
		return reference.Logistic(in(0), out)
	case workloads.Concatenation:
		ins := make([]*quant.Tensor, len(op.Inputs))
		for k := range ins {
			ins[k] = in(k)
		}
		return reference.Concatenation(ins, out, op.Axis)
	case workloads.Reshape:
		return reference.Reshape(in(0), out)
	}
	return fmt.Errorf("no reference kernel for %v", op.Kind)
}
