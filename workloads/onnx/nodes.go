package onnx

import (
	"fmt"

	pb "github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// readNode reads one node of either form.
func (im *importer) readNode(n *pb.NodeProto) error {
	maxPoolWithoutIndices := n.OpType == "MaxPool" && len(n.Output) == 2 && n.Output[1] == ""
	if len(n.Output) != 1 && !maxPoolWithoutIndices {
		return fmt.Errorf("outputs: %d; npusim reads nodes with one output", len(n.Output))
	}
	if n.Domain != "" && n.Domain != "ai.onnx" && n.Domain != msDomain {
		return fmt.Errorf("domain %q not supported", n.Domain)
	}
	a := nodeAttrs(n)
	if err := im.dispatch(n, a); err != nil {
		return err
	}
	return a.check()
}

func (im *importer) dispatch(n *pb.NodeProto, a attrs) error {
	if im.floatOperand(n) {
		return im.floatNode(n, a)
	}
	switch n.OpType {
	case "QLinearConv":
		return im.qlinearConv(n, a)
	case "QLinearMatMul":
		return im.qlinearMatMul(n)
	case "QLinearAdd", "QLinearMul":
		return im.qlinearBinary(n)
	case "QLinearGlobalAveragePool", "QLinearAveragePool":
		return im.qlinearPool(n, a)
	case "QLinearSoftmax", "QLinearSigmoid":
		return im.qlinearProbability(n, a)
	case "QLinearConcat":
		return im.qlinearConcat(n, a)
	case "DequantizeLinear":
		return im.dequantize(n, a)
	case "QuantizeLinear":
		return fmt.Errorf("input %s: QuantizeLinear of a quantized tensor", n.Input[0])
	case "Constant":
		return im.constantNode(n, a)
	}
	return im.codesNode(n, a)
}

// codesNode reads the ops that work on stored codes in both forms.
func (im *importer) codesNode(n *pb.NodeProto, a attrs) error {
	if len(n.Input) == 0 {
		return fmt.Errorf("inputs: none")
	}
	x, err := im.quantValue(n.Input[0])
	if err != nil {
		return err
	}
	name, out := nodeName(n), n.Output[0]
	switch n.OpType {
	case "MaxPool":
		if err := a.require("storage_order", 0, 0); err != nil {
			return err
		}
		return im.buildPool(workloads.MaxPool2D, name, out, a, x, false, quant.Params{}, quant.ActNone)
	case "Clip":
		lo, hi, err := im.clipBounds(n, im.m.Tensors[x.t].Type)
		if err != nil {
			return err
		}
		return im.buildClamp(name, out, x, lo, hi)
	case "Reshape":
		if len(n.Input) != 2 || im.consts[n.Input[1]] == nil || im.consts[n.Input[1]].dt != dtInt64 {
			return fmt.Errorf("input shape: must be a constant INT64 tensor")
		}
		if err := a.require("allowzero", 0, 0); err != nil {
			return err
		}
		return im.buildReshape(name, out, x, im.consts[n.Input[1]].ints)
	case "Flatten":
		axis, err := a.int("axis", 1)
		if err != nil || axis != 1 {
			return fmt.Errorf("attribute axis: %d; npusim reads Flatten with axis 1", axis)
		}
		return im.buildReshape(name, out, x, []int64{int64(im.onnxShape(x)[0]), -1})
	case "Transpose":
		perm, err := a.ints("perm")
		if err != nil {
			return err
		}
		return im.buildTranspose(out, x, perm)
	case "Concat":
		return im.concatCodes(n, a, nil)
	}
	return fmt.Errorf("op %s is not supported", n.OpType)
}

func (im *importer) clipBounds(n *pb.NodeProto, t quant.Type) (int32, int32, error) {
	lo, hi := t.Min(), t.Max()
	for k, bound := range []*int32{&lo, &hi} {
		if len(n.Input) <= k+1 || n.Input[k+1] == "" {
			continue
		}
		c := im.consts[n.Input[k+1]]
		if ct, ok := quantType(c.dtOrZero()); !ok || ct != t || len(c.ints) != 1 {
			return 0, 0, fmt.Errorf("input %s: a Clip bound of stored codes must be a constant %v scalar", n.Input[k+1], t)
		}
		*bound = int32(c.ints[0])
	}
	return lo, hi, nil
}

func (c *constant) dtOrZero() int32 {
	if c == nil {
		return 0
	}
	return c.dt
}

func (im *importer) concatCodes(n *pb.NodeProto, a attrs, out *quant.Params) error {
	axis, err := a.int("axis", 0)
	if err != nil {
		return err
	}
	var xs []*value
	for _, in := range n.Input {
		x, err := im.quantValue(in)
		if err != nil {
			return err
		}
		xs = append(xs, x)
	}
	if out == nil {
		for _, x := range xs[1:] {
			if p, q := im.m.Tensors[x.t].Params, im.m.Tensors[xs[0].t].Params; p.Scale != q.Scale || p.ZeroPoint != q.ZeroPoint {
				return fmt.Errorf("input %s: Concat of codes on different grids", im.m.Tensors[x.t].Name)
			}
		}
	}
	return im.buildConcat(nodeName(n), n.Output[0], xs, axis, out)
}

func (im *importer) constantNode(n *pb.NodeProto, a attrs) error {
	x, err := a.get("value", pb.AttributeProto_TENSOR)
	if err != nil || x == nil || x.T == nil {
		return fmt.Errorf("attribute value: a tensor is required")
	}
	c, err := decodeTensor(x.T)
	if err != nil {
		return err
	}
	im.consts[n.Output[0]] = c
	return nil
}
