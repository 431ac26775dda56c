package reference

import (
	"testing"

	"github.com/npusim/npusim/quant"
)

// TestStoredKernelsRefuseMismatchedBytes: a stored tensor whose bytes do
// not match its shape is an error (or, for ADD, a refusal), not a panic.
func TestStoredKernelsRefuseMismatchedBytes(t *testing.T) {
	act := quant.Params{Scale: 0.5, ZeroPoint: 128}
	good := func(shape ...int) Stored { return NewStored(quant.Uint8, shape, act) }
	short := func(shape ...int) Stored {
		s := good(shape...)
		s.Bytes = s.Bytes[:len(s.Bytes)-1]
		return s
	}
	long := func(shape ...int) Stored {
		s := good(shape...)
		s.Bytes = append(s.Bytes, 0, 0, 0, 0)
		return s
	}
	filter := quant.NewTensor(quant.Uint8, []int{2, 1, 1, 4}, act)
	depthwise := quant.NewTensor(quant.Uint8, []int{1, 1, 1, 4}, act)
	weights := quant.NewTensor(quant.Uint8, []int{2, 4}, act)
	bias := quant.NewTensor(quant.Int32, []int{2}, quant.Params{Scale: 0.25})
	bias4 := quant.NewTensor(quant.Int32, []int{4}, quant.Params{Scale: 0.25})
	conv := ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1,
		DepthMultiplier: 1}
	v := quant.VariantDoubleRounding
	for _, bad := range []func(...int) Stored{short, long} {
		if _, err := Conv2DStored(bad(1, 2, 2, 4), filter, bias, good(1, 2, 2, 2), conv, v); err == nil {
			t.Error("Conv2DStored: mismatched input bytes accepted")
		}
		if _, err := Conv2DStored(good(1, 2, 2, 4), filter, bias, bad(1, 2, 2, 2), conv, v); err == nil {
			t.Error("Conv2DStored: mismatched output bytes accepted")
		}
		if err := DepthwiseConv2DStored(bad(1, 2, 2, 4), depthwise, bias4, good(1, 2, 2, 4), conv, v); err == nil {
			t.Error("DepthwiseConv2DStored: mismatched input bytes accepted")
		}
		if err := FullyConnectedStored(bad(1, 4), weights, bias, good(1, 2), quant.ActNone, v); err == nil {
			t.Error("FullyConnectedStored: mismatched input bytes accepted")
		}
		if AddStored(bad(4), good(4), good(4), quant.ActNone) || AddStored(good(4), good(4), bad(4), quant.ActNone) {
			t.Error("AddStored: mismatched bytes accepted")
		}
	}
	if _, err := Conv2DStored(good(1, 2, 2, 4), filter, bias, good(1, 2, 2, 2), conv, v); err != nil {
		t.Errorf("Conv2DStored refused well-formed tensors: %v", err)
	}
	if err := DepthwiseConv2DStored(good(1, 2, 2, 4), depthwise, bias4, good(1, 2, 2, 4), conv, v); err != nil {
		t.Errorf("DepthwiseConv2DStored refused well-formed tensors: %v", err)
	}
	if err := FullyConnectedStored(good(1, 4), weights, bias, good(1, 2), quant.ActNone, v); err != nil {
		t.Errorf("FullyConnectedStored refused well-formed tensors: %v", err)
	}
	if !AddStored(good(4), good(4), good(4), quant.ActNone) {
		t.Error("AddStored refused well-formed tensors")
	}
}
