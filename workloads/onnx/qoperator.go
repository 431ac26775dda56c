package onnx

import (
	"fmt"

	pb "github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// The QOperator nodes: operands and results are stored codes, with their
// scales and zero points as inputs.

func (im *importer) qlinearConv(n *pb.NodeProto, a attrs) error {
	if len(n.Input) < 8 {
		return fmt.Errorf("inputs: %d, want 8 or 9", len(n.Input))
	}
	x, err := im.quantIn(0)
	if err != nil {
		return err
	}
	c := convOperands{x: x}
	if c.w, err = im.weightConst(n.Input[3], n.Input[4], n.Input[5], 0); err != nil {
		return err
	}
	if c.out, err = im.outParams(6, im.m.Tensors[x.t].Type); err != nil {
		return err
	}
	if len(n.Input) > 8 && n.Input[8] != "" {
		if c.bias, err = im.int32Const(n.Input[8]); err != nil {
			return err
		}
	}
	g, err := a.int("group", 1)
	if err != nil {
		return err
	}
	if err := a.require("channels_last", 0, 0); err != nil {
		return err
	}
	c.group = int(g)
	return im.buildConv(nodeName(n), n.Output[0], a, c)
}

// int32Const reads a bias.
func (im *importer) int32Const(name string) (*qconst, error) {
	c, ok := im.consts[name]
	if !ok || c.dt != dtInt32 || len(c.dims) != 1 {
		return nil, fmt.Errorf("input %s: a bias must be a constant 1-D INT32 tensor", name)
	}
	return &qconst{c: c, typ: quant.Int32}, nil
}

func (im *importer) qlinearMatMul(n *pb.NodeProto) error {
	if len(n.Input) != 8 {
		return fmt.Errorf("inputs: %d, want 8", len(n.Input))
	}
	x, err := im.quantIn(0)
	if err != nil {
		return err
	}
	w, err := im.weightConst(n.Input[3], n.Input[4], n.Input[5], 1)
	if err != nil {
		return err
	}
	if len(w.c.dims) != 2 {
		return fmt.Errorf("input %s: the second operand must be a constant 2-D matrix", n.Input[3])
	}
	out, err := im.outParams(6, im.m.Tensors[x.t].Type)
	if err != nil {
		return err
	}
	return im.buildFullyConnected(nodeName(n), n.Output[0], x, transposed(w), nil, out, 0)
}

func (im *importer) qlinearBinary(n *pb.NodeProto) error {
	if len(n.Input) != 8 {
		return fmt.Errorf("inputs: %d, want 8", len(n.Input))
	}
	a, err := im.quantIn(0)
	if err != nil {
		return err
	}
	b, err := im.quantIn(3)
	if err != nil {
		return err
	}
	out, err := im.outParams(6, im.m.Tensors[a.t].Type)
	if err != nil {
		return err
	}
	kind := workloads.Add
	if n.OpType == "QLinearMul" {
		kind = workloads.Mul
	}
	return im.buildBinary(kind, nodeName(n), n.Output[0], a, b, out, 0)
}

func (im *importer) qlinearPool(n *pb.NodeProto, a attrs) error {
	if len(n.Input) != 5 {
		return fmt.Errorf("inputs: %d, want 5", len(n.Input))
	}
	x, err := im.quantIn(0)
	if err != nil {
		return err
	}
	out, err := im.outParams(3, im.m.Tensors[x.t].Type)
	if err != nil {
		return err
	}
	if err := a.require("channels_last", 0, 0); err != nil {
		return err
	}
	global := n.OpType == "QLinearGlobalAveragePool"
	if !global {
		if err := a.require("count_include_pad", 0, 0); err != nil {
			return err
		}
	}
	return im.buildPool(workloads.AveragePool2D, nodeName(n), n.Output[0], a, x, global, out, 0)
}

func (im *importer) qlinearProbability(n *pb.NodeProto, a attrs) error {
	if len(n.Input) != 5 {
		return fmt.Errorf("inputs: %d, want 5", len(n.Input))
	}
	x, err := im.quantIn(0)
	if err != nil {
		return err
	}
	out, err := im.outParams(3, im.m.Tensors[x.t].Type)
	if err != nil {
		return err
	}
	if n.OpType == "QLinearSigmoid" {
		return im.buildProbability(workloads.Logistic, nodeName(n), n.Output[0], x, 0, out)
	}
	if err := a.require("opset", 13, 13); err != nil {
		return err
	}
	axis, err := a.int("axis", -1)
	if err != nil {
		return err
	}
	return im.buildProbability(workloads.Softmax, nodeName(n), n.Output[0], x, axis, out)
}

func (im *importer) qlinearConcat(n *pb.NodeProto, a attrs) error {
	if len(n.Input) < 5 || (len(n.Input)-2)%3 != 0 {
		return fmt.Errorf("inputs: %d, want the output scale and zero point and triples", len(n.Input))
	}
	var xs []string
	for k := 2; k < len(n.Input); k += 3 {
		x, err := im.quantIn(k)
		if err != nil {
			return err
		}
		xs = append(xs, n.Input[k])
		_ = x
	}
	first, _ := im.quantValue(xs[0])
	out, err := im.outParams(0, im.m.Tensors[first.t].Type)
	if err != nil {
		return err
	}
	codes := &pb.NodeProto{Name: n.Name, OpType: "Concat", Input: xs, Output: n.Output}
	return im.concatCodes(codes, a, &out)
}
