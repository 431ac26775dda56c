package reference

import (
	"math/rand/v2"
	"slices"
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
		if _, err := Conv2DStored(bad(1, 2, 2, 4), filter, bias, good(1, 2, 2, 2), conv, v, nil); err == nil {
			t.Error("Conv2DStored: mismatched input bytes accepted")
		}
		if _, err := Conv2DStored(good(1, 2, 2, 4), filter, bias, bad(1, 2, 2, 2), conv, v, nil); err == nil {
			t.Error("Conv2DStored: mismatched output bytes accepted")
		}
		if err := DepthwiseConv2DStored(bad(1, 2, 2, 4), depthwise, bias4, good(1, 2, 2, 4), conv, v, nil); err == nil {
			t.Error("DepthwiseConv2DStored: mismatched input bytes accepted")
		}
		if err := FullyConnectedStored(bad(1, 4), weights, bias, good(1, 2), quant.ActNone, v, nil); err == nil {
			t.Error("FullyConnectedStored: mismatched input bytes accepted")
		}
		if AddStored(bad(4), good(4), good(4), quant.ActNone) || AddStored(good(4), good(4), bad(4), quant.ActNone) {
			t.Error("AddStored: mismatched bytes accepted")
		}
	}
	if _, err := Conv2DStored(good(1, 2, 2, 4), filter, bias, good(1, 2, 2, 2), conv, v, nil); err != nil {
		t.Errorf("Conv2DStored refused well-formed tensors: %v", err)
	}
	if err := DepthwiseConv2DStored(good(1, 2, 2, 4), depthwise, bias4, good(1, 2, 2, 4), conv, v, nil); err != nil {
		t.Errorf("DepthwiseConv2DStored refused well-formed tensors: %v", err)
	}
	if err := FullyConnectedStored(good(1, 4), weights, bias, good(1, 2), quant.ActNone, v, nil); err != nil {
		t.Errorf("FullyConnectedStored refused well-formed tensors: %v", err)
	}
	if !AddStored(good(4), good(4), good(4), quant.ActNone) {
		t.Error("AddStored refused well-formed tensors")
	}
}

// TestFiltersGiveTheSameBytes runs the stored kernels on random layers
// with each filter prepared for the call (nil Filters), prepared into one
// Filters shared by all the layers, and taken from it again on a second
// input: the outputs must be the same bytes.
func TestFiltersGiveTheSameBytes(t *testing.T) {
	var f Filters
	compared := 0
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 47))
		v := quant.Variants()[seed%uint64(len(quant.Variants()))]
		kind := seed % 3
		c := randomConv(rng, kind == 1)
		weights := c.filter.Clone() // FULLY_CONNECTED: the filter's first input channels, as [units, size]
		units, size := c.filter.Shape[0], c.in.Shape[3]
		weights.Shape, weights.Data = []int{units, size}, weights.Data[:units*size]
		run := func(in Stored, f *Filters) ([]byte, bool) {
			out := NewStored(c.out.Type, c.out.Shape, c.out.Params)
			var ok bool
			var err error
			switch kind {
			case 0:
				ok, err = Conv2DStored(in, c.filter, c.bias, out, c.p, v, f)
			case 1:
				ok, err = true, DepthwiseConv2DStored(in, c.filter, c.bias, out, c.p, v, f)
			default:
				in.Shape = []int{len(in.Bytes) / size, size}
				out = NewStored(c.out.Type, []int{len(in.Bytes) / size, units}, c.out.Params)
				ok, err = true, FullyConnectedStored(in, weights, c.bias, out, c.p.Activation, v, f)
			}
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			return out.Bytes, ok
		}
		first, ok := StoredOf(c.in)
		if !ok {
			continue
		}
		second := NewStored(first.Type, first.Shape, first.Params)
		for i := range second.Bytes {
			second.Bytes[i] = byte(rng.IntN(256))
		}
		for _, in := range []Stored{first, second} {
			want, ok := run(in, nil)
			if !ok {
				break
			}
			if got, _ := run(in, &f); !slices.Equal(got, want) {
				t.Fatalf("seed %d (kind %d): the kernels with prepared filters give other bytes", seed, kind)
			}
			compared++
		}
	}
	if compared < 300 {
		t.Errorf("only %d layers compared", compared)
	}
}
