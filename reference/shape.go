package reference

import (
	"fmt"
	"math"

	"github.com/npusim/npusim/quant"
)

// Concatenation computes CONCATENATION along axis. Inputs whose quantization
// differs from the output's are requantized as TFLite does, in float32:
// round(x*s + b) + outZero with s = inScale/outScale, b = -inZero*s.
func Concatenation(ins []*quant.Tensor, out *quant.Tensor, axis int) error {
	rank := len(out.Shape)
	if axis < 0 || axis >= rank {
		return fmt.Errorf("CONCATENATION: axis %d outside 0..%d", axis, rank-1)
	}
	outer := quant.NumElements(out.Shape[:axis])
	inner := quant.NumElements(out.Shape[axis+1:])
	total := 0
	for i, t := range ins {
		if len(t.Shape) != rank {
			return fmt.Errorf("CONCATENATION: input %d has rank %d, output %d", i, len(t.Shape), rank)
		}
		for d := range rank {
			if d != axis && t.Shape[d] != out.Shape[d] {
				return fmt.Errorf("CONCATENATION: input %d shape %v does not match output %v off axis %d",
					i, t.Shape, out.Shape, axis)
			}
		}
		total += t.Shape[axis]
	}
	if total != out.Shape[axis] {
		return fmt.Errorf("CONCATENATION: inputs sum to %d along axis %d, output has %d", total, axis, out.Shape[axis])
	}
	offset := 0
	for _, t := range ins {
		width := t.Shape[axis] * inner
		convert := requantizer(t.Params, out.Params, out.Type)
		for o := range outer {
			src := t.Data[o*width:][:width]
			dst := out.Data[o*out.Shape[axis]*inner+offset:][:width]
			for i, x := range src {
				dst[i] = convert(x)
			}
		}
		offset += width
	}
	return nil
}

// requantizer maps values from one per-tensor grid to another.
func requantizer(from, to quant.Params, t quant.Type) func(int32) int32 {
	if from.Scale == to.Scale && from.ZeroPoint == to.ZeroPoint {
		return func(x int32) int32 { return x }
	}
	s := float32(from.Scale / to.Scale)
	b := -float32(from.ZeroPoint) * s
	return func(x int32) int32 {
		r := math.Round(float64(float32(float32(x)*s) + b))
		return quant.Clamp(int64(r)+int64(to.ZeroPoint), t.Min(), t.Max())
	}
}

// Reshape computes RESHAPE: the same values under a new shape (input and
// output share their quantization).
func Reshape(in, out *quant.Tensor) error {
	if in.Len() != out.Len() {
		return fmt.Errorf("RESHAPE: %v has %d elements, %v has %d", in.Shape, in.Len(), out.Shape, out.Len())
	}
	copy(out.Data, in.Data)
	return nil
}
