package onnx

import (
	"fmt"
	"slices"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// buildPool adds an AVERAGE_POOL_2D or MAX_POOL_2D; global covers the image.
func (im *importer) buildPool(kind workloads.OpKind, name, outName string, a attrs, x *value, global bool,
	out quant.Params, act quant.Activation) error {
	in, err := im.image(x)
	if err != nil {
		return err
	}
	win := window{kh: in.Shape[1], kw: in.Shape[2], sh: 1, sw: 1, dh: 1, dw: 1}
	if !global {
		if win, err = a.readWindow(in.Shape[1], in.Shape[2], nil); err != nil {
			return err
		}
		if err := a.require("ceil_mode", 0, 0); err != nil {
			return err
		}
		if win.dh != 1 || win.dw != 1 {
			return fmt.Errorf("attribute dilations: pools are not dilated in npusim")
		}
	}
	shape, err := win.outShape(in.Shape, in.Shape[3])
	if err != nil {
		return err
	}
	op := &workloads.Op{Name: name, Kind: kind, Inputs: []int{x.t}, Padding: win.pad, StrideH: win.sh, StrideW: win.sw,
		FilterH: win.kh, FilterW: win.kw, Activation: act}
	if kind == workloads.MaxPool2D {
		out = in.Params
	}
	im.emit(op, outName, in.Type, shape, out)
	return nil
}

// activationFor finds the fused activation whose range on a grid is [lo, hi].
func activationFor(t quant.Type, p quant.Params, lo, hi int32) (quant.Activation, bool) {
	for _, a := range []quant.Activation{quant.ActRelu, quant.ActRelu6, quant.ActRelu1} {
		if l, h := a.Range(t, p.Scale, p.ZeroPoint); l == lo && h == hi {
			return a, true
		}
	}
	return quant.ActNone, lo <= t.Min() && hi >= t.Max()
}

// fusable reports whether IR tensor t is written by an op that takes a fused
// activation, has none yet, and has no other reader.
func (im *importer) fusable(name string, t int) *workloads.Op {
	if im.uses[name] != 1 || len(im.m.Ops) == 0 {
		return nil
	}
	op := im.m.Ops[len(im.m.Ops)-1]
	if op.Output != t || op.Activation != quant.ActNone || slices.Contains(im.m.Outputs, t) {
		return nil
	}
	switch op.Kind {
	case workloads.Conv2D, workloads.DepthwiseConv2D, workloads.FullyConnected, workloads.Add, workloads.Mul,
		workloads.AveragePool2D, workloads.MaxPool2D:
		return op
	}
	return nil
}

// buildClamp reads a clamp of stored codes to [lo, hi]: fused into the op
// that wrote x when it can be, else a standalone RELU, RELU1 or RELU6.
func (im *importer) buildClamp(name, outName string, x *value, lo, hi int32) error {
	t := im.m.Tensors[x.t]
	act, ok := activationFor(t.Type, t.Params, lo, hi)
	if !ok {
		return fmt.Errorf("inputs min/max: [%d, %d] is not the range of RELU, RELU1 or RELU6 on scale %v, zero point %d",
			lo, hi, t.Params.Scale, t.Params.ZeroPoint)
	}
	if act == quant.ActNone {
		im.values[outName] = x // a clamp to the whole range changes nothing
		return nil
	}
	if op := im.fusable(im.node.Input[0], x.t); op != nil {
		op.Activation = act
		t.Name = outName
		im.values[outName] = x
		return nil
	}
	kind, _ := workloads.ReluOp(act) // act is not ActNone here
	im.emit(&workloads.Op{Name: name, Kind: kind, Inputs: []int{x.t}}, outName, t.Type, t.Shape, t.Params)
	return nil
}

// buildProbability adds a SOFTMAX over the channels (or last dimension) or a
// LOGISTIC.
func (im *importer) buildProbability(kind workloads.OpKind, name, outName string, x *value, axis int64,
	out quant.Params) error {
	t := im.m.Tensors[x.t]
	if kind == workloads.Softmax {
		rank := int64(len(t.Shape))
		if axis < 0 {
			axis += rank
		}
		last := rank - 1
		if x.nchw {
			last = 1
		}
		onlyChannels := x.nchw && t.Shape[3] == t.Len()/t.Shape[0] // one pixel: the channels are the whole sample
		if axis != last && !onlyChannels {
			return fmt.Errorf("attribute axis: %d; npusim's SOFTMAX runs along the channels", axis)
		}
	}
	im.emit(&workloads.Op{Name: name, Kind: kind, Inputs: []int{x.t}, Beta: 1}, outName, t.Type, t.Shape, out)
	return nil
}

// buildConcat adds a CONCATENATION along an ONNX axis.
func (im *importer) buildConcat(name, outName string, xs []*value, axis int64, out *quant.Params) error {
	first := im.m.Tensors[xs[0].t]
	rank := int64(len(first.Shape))
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		return fmt.Errorf("attribute axis: %d outside the rank %d", axis, rank)
	}
	irAx := int(axis)
	if xs[0].nchw {
		irAx = irAxis(irAx)
	}
	shape := slices.Clone(first.Shape)
	shape[irAx] = 0
	op := &workloads.Op{Name: name, Kind: workloads.Concatenation, Axis: irAx}
	for _, x := range xs {
		t := im.m.Tensors[x.t]
		if x.nchw != xs[0].nchw || len(t.Shape) != len(shape) || t.Type != first.Type {
			return fmt.Errorf("input %s: shape %v or type %v does not match %s", t.Name, t.Shape, t.Type, first.Name)
		}
		shape[irAx] += t.Shape[irAx]
		op.Inputs = append(op.Inputs, x.t)
	}
	p := first.Params
	if out != nil {
		p = *out
	}
	im.emit(op, outName, first.Type, shape, p)
	return nil
}

// buildReshape adds a RESHAPE to an ONNX shape (0 copies a dimension, -1 is
// inferred). A 4-D result is read as NCHW when both layouts list its
// elements in the same order, else as an NHWC tensor awaiting a Transpose.
func (im *importer) buildReshape(name, outName string, x *value, target []int64) error {
	t := im.m.Tensors[x.t]
	if x.nchw && !orderFree(t.Shape) {
		return fmt.Errorf("input %s: an NCHW image is reshaped in another order than NHWC (a Transpose is missing)", t.Name)
	}
	shape, err := resolveShape(im.onnxShape(x), target, t.Len())
	if err != nil {
		return err
	}
	nchw := len(shape) == 4 && orderFree(toNHWC(shape))
	if nchw {
		shape = toNHWC(shape)
	}
	v := im.emit(&workloads.Op{Name: name, Kind: workloads.Reshape, Inputs: []int{x.t}}, outName, t.Type, shape, t.Params)
	v.nchw = nchw
	return nil
}

func resolveShape(in []int, target []int64, n int) ([]int, error) {
	shape := make([]int, len(target))
	infer, known := -1, 1
	for i, d := range target {
		switch {
		case d == 0 && i < len(in):
			shape[i] = in[i]
		case d == -1 && infer < 0:
			infer = i
			continue
		case d < 1 || d > 1<<31:
			return nil, fmt.Errorf("input shape: %v is not a shape", target)
		default:
			shape[i] = int(d)
		}
		known *= shape[i]
	}
	if infer >= 0 && known > 0 && n%known == 0 {
		shape[infer] = n / known
	}
	if err := quant.ValidateShape(shape); err != nil || quant.NumElements(shape) != n {
		return nil, fmt.Errorf("input shape: %v does not hold %d elements", target, n)
	}
	return shape, nil
}

// buildTranspose reads the two transposes between NCHW and NHWC: they change
// how the ONNX graph sees a tensor, not its IR values.
func (im *importer) buildTranspose(outName string, x *value, perm []int64) error {
	t := im.m.Tensors[x.t]
	switch {
	case len(t.Shape) == 4 && x.nchw && slices.Equal(perm, []int64{0, 2, 3, 1}):
		im.values[outName] = &value{t: x.t}
	case len(t.Shape) == 4 && !x.nchw && slices.Equal(perm, []int64{0, 3, 1, 2}):
		im.values[outName] = &value{t: x.t, nchw: true}
	default:
		return fmt.Errorf("attribute perm: %v on shape %v; npusim reads only the NCHW <-> NHWC transposes",
			perm, im.onnxShape(x))
	}
	return nil
}
