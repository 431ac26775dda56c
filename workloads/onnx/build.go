package onnx

import (
	"fmt"
	"slices"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// This file builds IR ops from operands already read, for both forms.

// emit appends op, writing a new IR tensor for ONNX value outName with the
// given NHWC (4-D) or plain shape.
func (im *importer) emit(op *workloads.Op, outName string, typ quant.Type, shape []int, p quant.Params) *value {
	t := im.m.AddTensor(&workloads.Tensor{Name: outName, Tensor: quant.Tensor{Type: typ, Shape: shape, Params: p}})
	im.bound = append(im.bound, true)
	op.Output = t
	if op.Name == "" {
		op.Name = outName
	}
	im.m.Ops = append(im.m.Ops, op)
	v := &value{t: t, nchw: len(shape) == 4}
	im.values[outName] = v
	return v
}

func (im *importer) constTensor(name string, typ quant.Type, shape []int, p quant.Params, data []int32) int {
	q := quant.Tensor{Type: typ, Shape: shape, Params: p, Data: data}
	t := im.m.AddTensor(&workloads.Tensor{Name: name, Tensor: q})
	im.bound = append(im.bound, true)
	return t
}

// image returns the IR tensor of a 4-D NCHW operand.
func (im *importer) image(v *value) (*workloads.Tensor, error) {
	t := im.m.Tensors[v.t]
	if !v.nchw {
		return nil, fmt.Errorf("input %s: an NCHW image is expected, got shape %v in another layout "+
			"(a Transpose is missing)", t.Name, t.Shape)
	}
	return t, nil
}

// convOperands are the operands of a quantized convolution.
type convOperands struct {
	x       *value
	w, bias *qconst
	out     quant.Params
	group   int
	act     quant.Activation
}

func (im *importer) buildConv(name, outName string, a attrs, c convOperands) error {
	in, err := im.image(c.x)
	if err != nil {
		return err
	}
	if len(c.w.c.dims) != 4 {
		return fmt.Errorf("weights: shape %v, want [M, C/group, kH, kW]", c.w.c.dims)
	}
	win, err := a.readWindow(in.Shape[1], in.Shape[2], c.w.c.dims[2:])
	if err != nil {
		return err
	}
	op := &workloads.Op{Name: name, Kind: workloads.Conv2D, Padding: win.pad, StrideH: win.sh, StrideW: win.sw,
		DilationH: win.dh, DilationW: win.dw, Activation: c.act}
	m, inC := c.w.c.dims[0], in.Shape[3]
	switch {
	case c.group == 1 && c.w.c.dims[1] == inC:
	case c.group == inC && c.w.c.dims[1] == 1 && m%inC == 0:
		op.Kind, op.DepthMultiplier = workloads.DepthwiseConv2D, m/inC
	default:
		return fmt.Errorf("attribute group: %d with weights %v on %d channels "+
			"(npusim has plain and depthwise convolutions)", c.group, c.w.c.dims, inC)
	}
	filter, bias, err := im.filterAndBias(name, op.Kind, in, c.w, c.bias)
	if err != nil {
		return err
	}
	shape, err := win.outShape(in.Shape, m)
	if err != nil {
		return err
	}
	op.Inputs = []int{c.x.t, filter, bias}
	im.emit(op, outName, in.Type, shape, c.out)
	return nil
}

// filterAndBias converts ONNX weights [M, C/group, kH, kW] (or [M, K] for a
// fully connected layer) and an int32 bias into IR constants.
func (im *importer) filterAndBias(name string, kind workloads.OpKind, in *workloads.Tensor,
	w, b *qconst) (int, int, error) {
	d := w.c.dims
	var shape []int
	axis := 0
	switch kind {
	case workloads.Conv2D:
		shape = []int{d[0], d[2], d[3], d[1]}
	case workloads.DepthwiseConv2D:
		shape, axis = []int{1, d[2], d[3], d[0]}, 3
	default:
		shape = d
	}
	typ, p, err := filterType(in, w, axis)
	if err != nil {
		return 0, 0, fmt.Errorf("weights: %w", err)
	}
	codes, err := w.c.codes(typ)
	if err != nil {
		return 0, 0, fmt.Errorf("weights: %w", err)
	}
	if kind != workloads.FullyConnected {
		codes = nchwToNHWC(codes, shape)
	}
	filter := im.constTensor(name+"/weights", typ, shape, p, codes)
	bias, err := im.bias(name, in, p, shape[axis], b)
	return filter, bias, err
}

// filterType chooses the IR type of weights: per-channel int8 when the
// scales vary or the weights are signed under an unsigned input, else the
// input's type.
func filterType(in *workloads.Tensor, w *qconst, axis int) (quant.Type, quant.Params, error) {
	channels := w.c.dims[0]
	perChannel := len(w.scales) > 1
	if !perChannel && (w.typ == in.Type || w.zps[0] != 0) {
		if w.typ != in.Type {
			return 0, quant.Params{}, fmt.Errorf("%v weights with zero point %d under a %v input", w.typ, w.zps[0], in.Type)
		}
		return w.typ, quant.Params{Scale: w.scales[0], ZeroPoint: int32(w.zps[0])}, nil
	}
	if w.typ != quant.Int8 {
		return 0, quant.Params{}, fmt.Errorf("per-channel weights must be INT8, got %v", w.typ)
	}
	scales := make([]float32, channels)
	for c := range scales {
		scales[c] = w.scales[min(c, len(w.scales)-1)]
		if w.zps[min(c, len(w.zps)-1)] != 0 {
			return 0, quant.Params{}, fmt.Errorf("per-channel weights need zero points 0, channel %d has %d", c, w.zps[c])
		}
	}
	return quant.Int8PerChannel, quant.Params{Scales: scales, Axis: axis}, nil
}

// bias converts an int32 bias (nil: none) with scale inputScale*weightScale.
func (im *importer) bias(name string, in *workloads.Tensor, wp quant.Params, channels int, b *qconst) (int, error) {
	data := make([]int32, channels)
	if b != nil {
		if b.typ != quant.Int32 || b.c.len() != channels {
			return 0, fmt.Errorf("bias: want %d INT32 values, got %d of type %v", channels, b.c.len(), b.typ)
		}
		data, _ = b.c.codes(quant.Int32)
	}
	scale := func(ws float32) float32 { return float32(float64(in.Params.Scale) * float64(ws)) }
	p := quant.Params{Scale: scale(wp.Scale)}
	if wp.PerChannel() {
		p = quant.Params{Scales: make([]float32, channels)}
		for c, ws := range wp.Scales {
			p.Scales[c] = scale(ws)
		}
	}
	return im.constTensor(name+"/bias", quant.Int32, []int{channels}, p, data), nil
}

// buildFullyConnected adds a FULLY_CONNECTED; w is [units, K].
func (im *importer) buildFullyConnected(name, outName string, x *value, w, b *qconst,
	out quant.Params, act quant.Activation) error {
	in := im.m.Tensors[x.t]
	if len(w.c.dims) != 2 || in.Len()%w.c.dims[1] != 0 {
		return fmt.Errorf("weights: shape %v does not divide the input %v", w.c.dims, im.onnxShape(x))
	}
	if x.nchw && !orderFree(in.Shape) {
		return fmt.Errorf("input %s: an NCHW image is flattened in another order than NHWC (a Transpose is missing)", in.Name)
	}
	op := &workloads.Op{Name: name, Kind: workloads.FullyConnected, Activation: act}
	filter, bias, err := im.filterAndBias(name, op.Kind, in, w, b)
	if err != nil {
		return err
	}
	op.Inputs = []int{x.t, filter, bias}
	im.emit(op, outName, in.Type, []int{in.Len() / w.c.dims[1], w.c.dims[0]}, out)
	return nil
}

// transposed returns [K, N] weights as [N, K].
func transposed(w *qconst) *qconst {
	k, n := w.c.dims[0], w.c.dims[1]
	c := &constant{dt: w.c.dt, dims: []int{n, k}, ints: make([]int64, len(w.c.ints))}
	for i := range k {
		for j := range n {
			c.ints[j*k+i] = w.c.ints[i*n+j]
		}
	}
	t := *w
	t.c = c
	return &t
}

func (im *importer) buildBinary(kind workloads.OpKind, name, outName string, a, b *value,
	out quant.Params, act quant.Activation) error {
	ta, tb := im.m.Tensors[a.t], im.m.Tensors[b.t]
	if a.nchw != b.nchw || (!slices.Equal(ta.Shape, tb.Shape) && (a.nchw || b.nchw)) {
		return fmt.Errorf("inputs %v and %v: only equal shapes are read for images", im.onnxShape(a), im.onnxShape(b))
	}
	shape, err := quant.BroadcastShape(ta.Shape, tb.Shape)
	if err != nil {
		return err
	}
	im.emit(&workloads.Op{Name: name, Kind: kind, Inputs: []int{a.t, b.t}, Activation: act}, outName, ta.Type, shape, out)
	return nil
}
