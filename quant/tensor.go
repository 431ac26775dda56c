package quant

import (
	"fmt"
	"slices"
)

// Tensor is a quantized tensor in NHWC layout: its type, shape, quantization
// parameters and stored integers. Every type stores its values as int32 so that
// kernels read one representation; the type bounds the values.
type Tensor struct {
	Type   Type
	Shape  []int
	Params Params
	Data   []int32
}

// NewTensor returns a zero-filled tensor (every element the zero point).
func NewTensor(t Type, shape []int, p Params) *Tensor {
	data := make([]int32, NumElements(shape))
	if p.ZeroPoint != 0 {
		for i := range data {
			data[i] = p.ZeroPoint
		}
	}
	return &Tensor{Type: t, Shape: slices.Clone(shape), Params: p, Data: data}
}

// NumElements is the product of the dimensions of a shape.
func NumElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Len is the number of elements.
func (t *Tensor) Len() int { return NumElements(t.Shape) }

// Validate checks the shape, the parameters and that the data fits the type.
func (t *Tensor) Validate() error {
	if err := ValidateShape(t.Shape); err != nil {
		return err
	}
	if err := t.Params.Validate(t.Type, t.Shape); err != nil {
		return err
	}
	if t.Data == nil {
		return nil
	}
	if len(t.Data) != t.Len() {
		return fmt.Errorf("data: %d values for shape %v (%d elements)", len(t.Data), t.Shape, t.Len())
	}
	lo, hi := t.Type.Min(), t.Type.Max()
	for i, v := range t.Data {
		if v < lo || v > hi {
			return fmt.Errorf("data[%d]: %d outside %d..%d for %v", i, v, lo, hi, t.Type)
		}
	}
	return nil
}

// ValidateShape checks that every dimension is positive and the element count
// stays within what the simulator handles (2^31 elements).
func ValidateShape(shape []int) error {
	if len(shape) == 0 {
		return fmt.Errorf("shape: empty")
	}
	n := int64(1)
	for i, d := range shape {
		if d <= 0 {
			return fmt.Errorf("shape[%d]: must be > 0, got %d", i, d)
		}
		n *= int64(d)
		if n > 1<<31 {
			return fmt.Errorf("shape: %v has more than 2^31 elements", shape)
		}
	}
	return nil
}

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	c := *t
	c.Shape = slices.Clone(t.Shape)
	c.Params.Scales = slices.Clone(t.Params.Scales)
	c.Data = slices.Clone(t.Data)
	return &c
}

// Bytes returns the stored values in their storage encoding (one byte per
// 8-bit element, four little-endian bytes per int32 element).
func (t *Tensor) Bytes() []byte {
	if t.Type != Int32 {
		b := make([]byte, len(t.Data))
		for i, v := range t.Data {
			b[i] = byte(v)
		}
		return b
	}
	b := make([]byte, 4*len(t.Data))
	for i, v := range t.Data {
		u := uint32(v)
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	}
	return b
}

// DecodeBytes converts stored bytes of an 8-bit type back into values.
func DecodeBytes(t Type, b []byte) []int32 {
	out := make([]int32, len(b))
	for i, v := range b {
		if t.Signed() {
			out[i] = int32(int8(v))
		} else {
			out[i] = int32(v)
		}
	}
	return out
}
