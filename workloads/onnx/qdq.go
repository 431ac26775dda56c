package onnx

import (
	"fmt"
	"math"
	"slices"

	pb "github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// The QDQ form: float ops between DequantizeLinear and QuantizeLinear. A
// float op is held as pending until the QuantizeLinear of its result gives
// the output's quantization; then it becomes one quantized IR op.

// pending is a float op waiting for its QuantizeLinear, with a Relu or Clip
// that follows it folded in.
type pending struct {
	node   *pb.NodeProto
	relu   bool
	clip   *[2]float32
	clipBy string
}

// floatOperand reports whether a node reads a float value of a QDQ graph.
func (im *importer) floatOperand(n *pb.NodeProto) bool {
	if n.OpType == "DequantizeLinear" {
		return false
	}
	for _, in := range n.Input {
		if v, ok := im.values[in]; (ok && v.float != nil) || im.deqConsts[in] != nil {
			return true
		}
	}
	return false
}

func (im *importer) dequantize(n *pb.NodeProto, a attrs) error {
	if len(n.Input) < 2 {
		return fmt.Errorf("inputs: %d, want 2 or 3", len(n.Input))
	}
	zp := ""
	if len(n.Input) > 2 {
		zp = n.Input[2]
	}
	if _, ok := im.consts[n.Input[0]]; ok {
		axis, err := a.int("axis", 1)
		if err != nil {
			return err
		}
		q, err := im.weightConst(n.Input[0], n.Input[1], zp, int(axis))
		if err != nil {
			return err
		}
		im.deqConsts[n.Output[0]] = q
		return nil
	}
	if err := a.require("axis", 1, 1); err != nil {
		return err
	}
	x, err := im.quantValue(n.Input[0])
	if err != nil {
		return err
	}
	if err := im.bindNames(x.t, n.Input[1], zp); err != nil {
		return err
	}
	im.values[n.Output[0]] = &value{t: -1, nchw: x.nchw, float: &floatValue{deq: x.t}}
	im.deqLayout[x.t] = x.nchw
	return nil
}

// floatNode reads a node with float operands.
func (im *importer) floatNode(n *pb.NodeProto, a attrs) error {
	if n.OpType == "QuantizeLinear" {
		return im.quantize(n, a)
	}
	for name := range a.byName {
		a.read[name] = true // checked when the op is built
	}
	if n.OpType == "Relu" || n.OpType == "Clip" {
		if v := im.values[n.Input[0]]; v != nil && v.float != nil && v.float.pending != nil && im.uses[n.Input[0]] == 1 {
			p := *v.float.pending
			if !p.relu && p.clip == nil {
				if err := im.foldActivation(&p, n); err != nil {
					return err
				}
				im.values[n.Output[0]] = &value{t: -1, float: &floatValue{deq: -1, pending: &p}}
				return nil
			}
		}
	}
	im.values[n.Output[0]] = &value{t: -1, float: &floatValue{deq: -1, pending: &pending{node: n}}}
	return nil
}

func (im *importer) foldActivation(p *pending, n *pb.NodeProto) error {
	if n.OpType == "Relu" {
		p.relu = true
		return nil
	}
	b := [2]float32{float32(math.Inf(-1)), float32(math.Inf(1))}
	for k := range 2 {
		if len(n.Input) > k+1 && n.Input[k+1] != "" {
			c := im.consts[n.Input[k+1]]
			if c == nil || c.dt != dtFloat || len(c.floats) != 1 {
				return fmt.Errorf("input %s: a Clip bound must be a constant float scalar", n.Input[k+1])
			}
			b[k] = c.floats[0]
		}
	}
	p.clip, p.clipBy = &b, nodeName(n)
	return nil
}

// quantize reads a QuantizeLinear: it quantizes a float graph input, or
// gives a pending op its output quantization.
func (im *importer) quantize(n *pb.NodeProto, a attrs) error {
	if err := a.require("axis", 1, 1); err != nil {
		return err
	}
	if err := a.require("saturate", 1, 1); err != nil {
		return err
	}
	if len(n.Input) < 2 {
		return fmt.Errorf("inputs: %d, want 2 or 3", len(n.Input))
	}
	typ := quant.Uint8
	zp := ""
	if len(n.Input) > 2 && n.Input[2] != "" {
		zp = n.Input[2]
		t, ok := quantType(im.consts[zp].dtOrZero())
		if !ok {
			return fmt.Errorf("input %s: the zero point must be a constant UINT8 or INT8 scalar", zp)
		}
		typ = t
	}
	p, err := im.scalarParams(n.Input[1], zp, typ)
	if err != nil {
		return err
	}
	f := im.values[n.Input[0]].float
	switch {
	case f.input != "":
		v := im.newValue(n.Output[0], typ, im.floatInputShape(f.input), p)
		im.m.Inputs = append(im.m.Inputs, v.t)
		return nil
	case f.deq >= 0:
		if q := im.m.Tensors[f.deq]; q.Params.Scale != p.Scale || q.Params.ZeroPoint != p.ZeroPoint || q.Type != typ {
			return fmt.Errorf("input %s: requantizing a tensor to another grid has no npusim op", n.Input[0])
		}
		im.values[n.Output[0]] = &value{t: f.deq, nchw: im.deqLayout[f.deq]}
		return nil
	}
	return im.finish(f.pending, n.Output[0], typ, p)
}

func (im *importer) floatInputShape(name string) []int {
	for _, f := range im.floatInputs {
		if f.name == name {
			return f.shape
		}
	}
	return nil
}

// deqValue returns the quantized IR value behind a dequantized input.
func (im *importer) deqValue(node *pb.NodeProto, k int) (*value, error) {
	if len(node.Input) <= k {
		return nil, fmt.Errorf("inputs: %d, want at least %d", len(node.Input), k+1)
	}
	v := im.values[node.Input[k]]
	if v == nil || v.float == nil || v.float.deq < 0 {
		return nil, fmt.Errorf("input %s: want the DequantizeLinear of a quantized tensor", node.Input[k])
	}
	return &value{t: v.float.deq, nchw: im.deqLayout[v.float.deq]}, nil
}

func (im *importer) deqConst(node *pb.NodeProto, k int, optional bool) (*qconst, error) {
	if len(node.Input) <= k || node.Input[k] == "" {
		if optional {
			return nil, nil
		}
		return nil, fmt.Errorf("inputs: %d, want at least %d", len(node.Input), k+1)
	}
	q := im.deqConsts[node.Input[k]]
	if q == nil {
		return nil, fmt.Errorf("input %s: want the DequantizeLinear of a constant", node.Input[k])
	}
	return q, nil
}

// finish builds the quantized op of a pending float op.
func (im *importer) finish(p *pending, outName string, typ quant.Type, out quant.Params) error {
	n := p.node
	a := nodeAttrs(n)
	act, err := p.activation(typ, out)
	if err != nil {
		return err
	}
	if err := im.finishOp(n, a, outName, out, act); err != nil {
		return fmt.Errorf("node %s (%s): %w", nodeName(n), n.OpType, err)
	}
	if err := a.check(); err != nil {
		return fmt.Errorf("node %s (%s): %w", nodeName(n), n.OpType, err)
	}
	return nil
}

// activation resolves a folded Relu or Clip on the output's grid.
func (p *pending) activation(typ quant.Type, out quant.Params) (quant.Activation, error) {
	switch {
	case p.relu:
		return quant.ActRelu, nil
	case p.clip == nil:
		return quant.ActNone, nil
	}
	q := func(f float32) int32 {
		if math.IsInf(float64(f), 0) {
			return map[bool]int32{true: typ.Min(), false: typ.Max()}[f < 0]
		}
		return quant.Clamp(int64(math.RoundToEven(float64(f/out.Scale)))+int64(out.ZeroPoint), typ.Min(), typ.Max())
	}
	act, ok := activationFor(typ, out, q(p.clip[0]), q(p.clip[1]))
	if !ok {
		return 0, fmt.Errorf("node %s (Clip): inputs min/max: [%v, %v] is not RELU, RELU1 or RELU6 on the output grid",
			p.clipBy, p.clip[0], p.clip[1])
	}
	return act, nil
}

func (im *importer) finishOp(n *pb.NodeProto, a attrs, outName string, out quant.Params, act quant.Activation) error {
	name := nodeName(n)
	switch n.OpType {
	case "Conv":
		return im.finishConv(n, a, outName, out, act)
	case "Gemm", "MatMul":
		return im.finishGemm(n, a, outName, out, act)
	case "Add", "Mul":
		x, err := im.deqValue(n, 0)
		if err != nil {
			return err
		}
		y, err := im.deqValue(n, 1)
		if err != nil {
			return err
		}
		kind := map[string]workloads.OpKind{"Add": workloads.Add, "Mul": workloads.Mul}[n.OpType]
		return im.buildBinary(kind, name, outName, x, y, out, act)
	}
	x, err := im.deqValue(n, 0)
	if err != nil {
		return err
	}
	return im.finishUnary(n, a, x, outName, out, act)
}

func (im *importer) finishUnary(n *pb.NodeProto, a attrs, x *value, outName string,
	out quant.Params, act quant.Activation) error {
	name := nodeName(n)
	in := im.m.Tensors[x.t]
	sameGrid := in.Params.Scale == out.Scale && in.Params.ZeroPoint == out.ZeroPoint
	switch n.OpType {
	case "AveragePool", "GlobalAveragePool":
		if err := a.require("count_include_pad", 0, 0); err != nil {
			return err
		}
		return im.buildPool(workloads.AveragePool2D, name, outName, a, x, n.OpType == "GlobalAveragePool", out, act)
	case "Sigmoid":
		return im.buildProbability(workloads.Logistic, name, outName, x, 0, out)
	case "Softmax":
		axis, err := a.int("axis", -1)
		if err != nil {
			return err
		}
		return im.buildProbability(workloads.Softmax, name, outName, x, axis, out)
	case "Concat":
		var xs []*value
		for k := range n.Input {
			v, err := im.deqValue(n, k)
			if err != nil {
				return err
			}
			xs = append(xs, v)
		}
		axis, err := a.int("axis", 0)
		if err != nil {
			return err
		}
		return im.buildConcat(name, outName, xs, axis, &out)
	}
	if !sameGrid {
		return fmt.Errorf("the output is quantized as (%v, %d), the input as (%v, %d); %s keeps its input's grid in npusim",
			out.Scale, out.ZeroPoint, in.Params.Scale, in.Params.ZeroPoint, n.OpType)
	}
	return im.finishSameGrid(n, a, x, outName, act)
}

// finishSameGrid reads the QDQ forms of the ops on stored codes.
func (im *importer) finishSameGrid(n *pb.NodeProto, a attrs, x *value, outName string, act quant.Activation) error {
	in := im.m.Tensors[x.t]
	switch n.OpType {
	case "MaxPool":
		if err := a.require("storage_order", 0, 0); err != nil {
			return err
		}
		return im.buildPool(workloads.MaxPool2D, nodeName(n), outName, a, x, false, in.Params, act)
	case "Relu":
		lo, hi := quant.ActRelu.Range(in.Type, in.Params.Scale, in.Params.ZeroPoint)
		return im.buildClamp(nodeName(n), outName, x, lo, hi)
	case "Reshape", "Flatten", "Transpose":
		codes := &pb.NodeProto{Name: n.Name, OpType: n.OpType, Input: slices.Clone(n.Input), Output: []string{outName},
			Attribute: n.Attribute}
		codes.Input[0] = in.Name
		im.values[in.Name] = x
		return im.codesNode(codes, a)
	}
	return fmt.Errorf("op %s is not supported", n.OpType)
}

func (im *importer) finishConv(n *pb.NodeProto, a attrs, outName string, out quant.Params, act quant.Activation) error {
	x, err := im.deqValue(n, 0)
	if err != nil {
		return err
	}
	c := convOperands{x: x, out: out, act: act}
	if c.w, err = im.deqConst(n, 1, false); err != nil {
		return err
	}
	if c.bias, err = im.deqConst(n, 2, true); err != nil {
		return err
	}
	g, err := a.int("group", 1)
	if err != nil {
		return err
	}
	c.group = int(g)
	return im.buildConv(nodeName(n), outName, a, c)
}

func (im *importer) finishGemm(n *pb.NodeProto, a attrs, outName string, out quant.Params, act quant.Activation) error {
	x, err := im.deqValue(n, 0)
	if err != nil {
		return err
	}
	w, err := im.deqConst(n, 1, false)
	if err != nil {
		return err
	}
	var bias *qconst
	transB := int64(0)
	if n.OpType == "Gemm" {
		if bias, err = im.deqConst(n, 2, true); err != nil {
			return err
		}
		if transB, err = a.int("transB", 0); err != nil {
			return err
		}
		for _, name := range []string{"alpha", "beta"} {
			if v, err := a.float(name, 1); err != nil || v != 1 {
				return fmt.Errorf("attribute %s: %v; npusim reads Gemm with alpha = beta = 1", name, v)
			}
		}
		if err := a.require("transA", 0, 0); err != nil {
			return err
		}
	}
	if len(w.c.dims) != 2 {
		return fmt.Errorf("input %s: want a 2-D weight matrix, got %v", n.Input[1], w.c.dims)
	}
	if transB == 0 {
		w = transposed(w)
	}
	w.axis = 0
	return im.buildFullyConnected(nodeName(n), outName, x, w, bias, out, act)
}
