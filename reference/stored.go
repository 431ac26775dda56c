package reference

import (
	"fmt"
	"slices"

	"github.com/npusim/npusim/internal/kernels"
	"github.com/npusim/npusim/quant"
)

// Stored is an 8-bit tensor held as its stored bytes (what
// quant.Tensor.Bytes gives): the form in which the kernels read and write
// activations. An interpreter that keeps activations stored between ops
// skips decoding them into int32 values and encoding them back.
type Stored struct {
	Type   quant.Type
	Shape  []int
	Params quant.Params
	Bytes  []byte
}

// NewStored is a stored tensor of a type, shape and grid, its bytes zero.
func NewStored(t quant.Type, shape []int, p quant.Params) Stored {
	return Stored{Type: t, Shape: shape, Params: p, Bytes: make([]byte, quant.NumElements(shape))}
}

// StoredOf is an 8-bit tensor's stored form, and whether it holds the
// tensor's values: false for other types and for values outside the
// type's range.
func StoredOf(t *quant.Tensor) (Stored, bool) {
	if !t.Type.Is8Bit() {
		return Stored{}, false
	}
	s := NewStored(t.Type, t.Shape, t.Params)
	return s, kernels.NarrowExact(s.Bytes, t.Data, t.Type.Signed())
}

// Conv2DStored is Conv2D on stored activations: false (and out untouched)
// where only the tensor form computes the layer, with an input zero point
// that has no byte to pad with. f keeps the filter prepared for the kernel
// (nil: prepared for this call).
func Conv2DStored(in Stored, filter, bias *quant.Tensor, out Stored, p ConvParams, v quant.Variant,
	f *Filters) (bool, error) {
	if err := checkStored(in, out); err != nil {
		return false, err
	}
	if err := checkConv2D(in.Shape, filter.Shape, out.Shape, p); err != nil {
		return false, err
	}
	o := outputsOf(in.Params, filter, out.Params, out.Type, filter.Shape[0], p.Activation, v)
	return conv2DFast(in, filter, bias, out, p, o, f), nil
}

// DepthwiseConv2DStored is DepthwiseConv2D on stored activations; f as for
// Conv2DStored.
func DepthwiseConv2DStored(in Stored, filter, bias *quant.Tensor, out Stored, p ConvParams, v quant.Variant,
	f *Filters) error {
	if err := checkStored(in, out); err != nil {
		return err
	}
	if err := checkDepthwise(in.Shape, filter.Shape, out.Shape, p); err != nil {
		return err
	}
	o := outputsOf(in.Params, filter, out.Params, out.Type, filter.Shape[3], p.Activation, v)
	depthwiseConv2DFast(in, filter, bias, out, p, o, f)
	return nil
}

// FullyConnectedStored is FullyConnected on stored activations; f as for
// Conv2DStored.
func FullyConnectedStored(in Stored, weights, bias *quant.Tensor, out Stored, act quant.Activation,
	v quant.Variant, f *Filters) error {
	if err := checkStored(in, out); err != nil {
		return err
	}
	if _, err := checkFullyConnected(in.Shape, weights.Shape, len(out.Bytes)); err != nil {
		return err
	}
	o := outputsOf(in.Params, weights, out.Params, out.Type, weights.Shape[0], act, v)
	fullyConnectedFast(in, weights, bias, out, o, f)
	return nil
}

// AddStored is Add on stored activations of the output's shape: false (and
// out untouched) where an input is broadcast, which only the tensor form
// computes, or where a tensor's bytes do not match its shape.
func AddStored(a, b, out Stored, act quant.Activation) bool {
	if !slices.Equal(a.Shape, out.Shape) || !slices.Equal(b.Shape, out.Shape) || checkStored(a, b, out) != nil {
		return false
	}
	p := quant.NewAddParams(a.Params, b.Params, out.Params)
	lo, hi := act.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	ta, tb := addTable(p, 0, a.Type), addTable(p, 1, b.Type)
	for i, x := range a.Bytes {
		sum := p.Combine(ta[x], tb[b.Bytes[i]])
		out.Bytes[i] = byte(quant.Clamp(int64(sum), lo, hi))
	}
	return true
}

// checkStored checks that each tensor holds one byte per element of its
// shape.
func checkStored(ts ...Stored) error {
	for _, t := range ts {
		if n := quant.NumElements(t.Shape); len(t.Bytes) != n {
			return fmt.Errorf("a stored tensor of shape %v holds %d bytes, not %d", t.Shape, len(t.Bytes), n)
		}
	}
	return nil
}
