package onnx

import (
	"fmt"
	"math"

	"github.com/npusim/npusim/quant"
)

// scalarParams reads a per-tensor scale and zero point given by name (an
// empty zero point name means 0 of type typ).
func (im *importer) scalarParams(scaleName, zpName string, typ quant.Type) (quant.Params, error) {
	s, ok := im.consts[scaleName]
	if !ok || s.dt != dtFloat || len(s.floats) != 1 {
		return quant.Params{}, fmt.Errorf("input %s: the scale must be a constant float scalar", scaleName)
	}
	p := quant.Params{Scale: s.floats[0]}
	if !(p.Scale > 0) || math.IsInf(float64(p.Scale), 0) {
		return quant.Params{}, fmt.Errorf("input %s: scale %v, want a finite number > 0", scaleName, p.Scale)
	}
	if zpName == "" {
		return p, nil
	}
	z, ok := im.consts[zpName]
	if !ok || len(z.ints) != 1 {
		return quant.Params{}, fmt.Errorf("input %s: the zero point must be a constant integer scalar", zpName)
	}
	if zt, ok := quantType(z.dt); !ok || zt != typ {
		return quant.Params{}, fmt.Errorf("input %s: zero point type %d does not match the tensor's %v", zpName, z.dt, typ)
	}
	p.ZeroPoint = int32(z.ints[0])
	return p, nil
}

// bindNames gives IR tensor t the quantization named by a scale and a zero
// point, or checks it against the one it has.
func (im *importer) bindNames(t int, scaleName, zpName string) error {
	p, err := im.scalarParams(scaleName, zpName, im.m.Tensors[t].Type)
	if err != nil {
		return err
	}
	return im.bind(t, p)
}

func (im *importer) bind(t int, p quant.Params) error {
	tt := im.m.Tensors[t]
	if !im.bound[t] {
		tt.Params, im.bound[t] = p, true
		return nil
	}
	if tt.Params.Scale != p.Scale || tt.Params.ZeroPoint != p.ZeroPoint {
		return fmt.Errorf("tensor %s: quantized as (%v, %d) here and (%v, %d) before",
			tt.Name, p.Scale, p.ZeroPoint, tt.Params.Scale, tt.Params.ZeroPoint)
	}
	return nil
}

// quantIn reads a QLinear* operand triple (value, scale, zero point) at
// input position k of the current node.
func (im *importer) quantIn(k int) (*value, error) {
	in := im.node.Input
	if len(in) < k+3 {
		return nil, fmt.Errorf("input %d: want a value, a scale and a zero point", k)
	}
	v, err := im.quantValue(in[k])
	if err != nil {
		return nil, err
	}
	return v, im.bindNames(v.t, in[k+1], in[k+2])
}

// outParams reads the output scale and zero point at input positions k, k+1.
func (im *importer) outParams(k int, typ quant.Type) (quant.Params, error) {
	in := im.node.Input
	if len(in) < k+2 {
		return quant.Params{}, fmt.Errorf("inputs: want the output scale and zero point at %d and %d", k, k+1)
	}
	return im.scalarParams(in[k], in[k+1], typ)
}

// qconst is a constant quantized tensor: codes with one scale and zero
// point, or one per index of axis.
type qconst struct {
	c      *constant
	typ    quant.Type
	scales []float32
	zps    []int64
	axis   int
}

// weightConst reads a constant quantized tensor from names (codes, scale,
// zero point) with per-axis parameters along axis.
func (im *importer) weightConst(codes, scale, zp string, axis int) (*qconst, error) {
	c, ok := im.consts[codes]
	if !ok {
		return nil, fmt.Errorf("input %s: weights must be a constant", codes)
	}
	typ, ok := quantType(c.dt)
	if !ok && c.dt != dtInt32 {
		return nil, fmt.Errorf("input %s: weight type %d, want UINT8, INT8 or INT32", codes, c.dt)
	}
	if c.dt == dtInt32 {
		typ = quant.Int32
	}
	s, ok := im.consts[scale]
	if !ok || s.dt != dtFloat || len(s.floats) == 0 {
		return nil, fmt.Errorf("input %s: the scale must be a constant float tensor", scale)
	}
	q := &qconst{c: c, typ: typ, scales: s.floats, zps: make([]int64, len(s.floats)), axis: axis}
	if z, ok := im.consts[zp]; ok {
		if len(z.ints) != len(s.floats) {
			return nil, fmt.Errorf("input %s: %d zero points for %d scales", zp, len(z.ints), len(s.floats))
		}
		q.zps = z.ints
	} else if zp != "" {
		return nil, fmt.Errorf("input %s: the zero point must be a constant", zp)
	}
	if len(q.scales) > 1 && (axis < 0 || axis >= len(c.dims) || c.dims[axis] != len(q.scales)) {
		return nil, fmt.Errorf("input %s: %d scales do not match dimension %d of %v", scale, len(q.scales), axis, c.dims)
	}
	return q, nil
}
