package reference

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/quant"
)

// randomTensor fills a tensor with random values of its type.
func randomTensor(rng *rand.Rand, t quant.Type, shape []int, p quant.Params) *quant.Tensor {
	x := quant.NewTensor(t, shape, p)
	for i := range x.Data {
		x.Data[i] = t.Min() + rng.Int32N(t.Max()-t.Min()+1)
	}
	return x
}

// convCase is a random convolution: geometry, types and per-channel or
// per-tensor weights with or without a weight zero point.
type convCase struct {
	in, filter, bias, out *quant.Tensor
	p                     ConvParams
}

func randomConv(rng *rand.Rand, depthwise bool) convCase {
	typ := []quant.Type{quant.Uint8, quant.Int8}[rng.IntN(2)]
	n, h, w, inC := 1+rng.IntN(2), 1+rng.IntN(9), 1+rng.IntN(9), 1+rng.IntN(5)
	fh, fw := 1+rng.IntN(3), 1+rng.IntN(3)
	p := ConvParams{StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(3), DilationH: 1 + rng.IntN(2), DilationW: 1 + rng.IntN(2),
		Padding:    Padding{Top: rng.IntN(3), Bottom: rng.IntN(3), Left: rng.IntN(3), Right: rng.IntN(3)},
		Activation: quant.Activation(rng.IntN(4)), DepthMultiplier: 1}
	// grow the input until the dilated filter fits
	for quant.ConvOutputSize(h, fh, p.StrideH, p.DilationH, p.Top, p.Bottom) < 1 || h+p.Top+p.Bottom < (fh-1)*p.DilationH+1 {
		h++
	}
	for quant.ConvOutputSize(w, fw, p.StrideW, p.DilationW, p.Left, p.Right) < 1 || w+p.Left+p.Right < (fw-1)*p.DilationW+1 {
		w++
	}
	inP := quant.Params{Scale: 0.02 + rng.Float32(), ZeroPoint: typ.Min() + rng.Int32N(256)}
	in := randomTensor(rng, typ, []int{n, h, w, inC}, inP)
	outC, axis := 1+rng.IntN(6), 0
	var fshape []int
	if depthwise {
		p.DepthMultiplier = 1 + rng.IntN(3)
		outC = inC * p.DepthMultiplier
		fshape, axis = []int{1, fh, fw, outC}, 3
	} else {
		fshape = []int{outC, fh, fw, inC}
	}
	var filter *quant.Tensor
	if rng.IntN(2) == 0 {
		scales := make([]float32, outC)
		for c := range scales {
			scales[c] = 0.001 + rng.Float32()/50
		}
		filter = randomTensor(rng, quant.Int8PerChannel, fshape, quant.Params{Scales: scales, Axis: axis})
	} else {
		filter = randomTensor(rng, typ, fshape, quant.Params{Scale: 0.001 + rng.Float32()/50, ZeroPoint: typ.Min() + rng.Int32N(256)})
	}
	bias := quant.NewTensor(quant.Int32, []int{outC}, quant.Params{})
	for c := range bias.Data {
		bias.Data[c] = rng.Int32N(20001) - 10000
	}
	oh := quant.ConvOutputSize(h, fh, p.StrideH, p.DilationH, p.Top, p.Bottom)
	ow := quant.ConvOutputSize(w, fw, p.StrideW, p.DilationW, p.Left, p.Right)
	out := quant.NewTensor(typ, []int{n, oh, ow, outC}, quant.Params{Scale: 0.05 + rng.Float32(), ZeroPoint: typ.Min() + rng.Int32N(256)})
	return convCase{in, filter, bias, out, p}
}

// im2col lays out, for every output pixel, the input taps a convolution
// reads, in the filter's (fH, fW, inC) order; out-of-bounds taps hold the
// input zero point, so they contribute nothing.
func im2col(c convCase, fh, fw int) *quant.Tensor {
	n, h, w, inC := c.in.Shape[0], c.in.Shape[1], c.in.Shape[2], c.in.Shape[3]
	oh, ow := c.out.Shape[1], c.out.Shape[2]
	k := fh * fw * inC
	cols := quant.NewTensor(c.in.Type, []int{n * oh * ow, k}, c.in.Params)
	for b := range n {
		for oy := range oh {
			for ox := range ow {
				row := cols.Data[((b*oh+oy)*ow+ox)*k:][:k]
				for ky := range fh {
					for kx := range fw {
						iy, ix := oy*c.p.StrideH-c.p.Top+ky*c.p.DilationH, ox*c.p.StrideW-c.p.Left+kx*c.p.DilationW
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						copy(row[(ky*fw+kx)*inC:][:inC], c.in.Data[((b*h+iy)*w+ix)*inC:][:inC])
					}
				}
			}
		}
	}
	return cols
}

// TestConvEqualsIm2colFullyConnected checks CONV_2D against a different
// formulation of the same sum: an im2col matrix times the flattened filter
// through FULLY_CONNECTED.
func TestConvEqualsIm2colFullyConnected(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 11))
		c := randomConv(rng, false)
		v := quant.Variants()[seed%uint64(len(quant.Variants()))]
		if err := Conv2D(c.in, c.filter, c.bias, c.out, c.p, v); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		outC, fh, fw := c.filter.Shape[0], c.filter.Shape[1], c.filter.Shape[2]
		weights := c.filter.Clone()
		weights.Shape = []int{outC, fh * fw * c.filter.Shape[3]}
		fc := quant.NewTensor(c.out.Type, []int{c.out.Len() / outC, outC}, c.out.Params)
		if err := FullyConnected(im2col(c, fh, fw), weights, c.bias, fc, c.p.Activation, v); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !slices.Equal(c.out.Data, fc.Data) {
			t.Fatalf("seed %d (%v, stride %dx%d dilation %dx%d pad %+v): conv and im2col+FC differ", seed, v, c.p.StrideH, c.p.StrideW, c.p.DilationH, c.p.DilationW, c.p.Padding)
		}
	}
}

// TestDepthwiseEqualsBlockDiagonalConv checks DEPTHWISE_CONV_2D against
// CONV_2D with a filter that connects output channel oc only to input channel
// oc/depthMultiplier (symmetric weights, so the other taps are exact zeros).
func TestDepthwiseEqualsBlockDiagonalConv(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 12))
		c := randomConv(rng, true)
		if !c.filter.Params.PerChannel() {
			c.filter.Params.ZeroPoint = 0
			if c.filter.Type == quant.Uint8 {
				continue // uint8 weights cannot hold a real zero with zero point 0 and signed values
			}
		}
		v := quant.VariantDoubleRounding
		if err := DepthwiseConv2D(c.in, c.filter, c.bias, c.out, c.p, v); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		fh, fw, outC, inC := c.filter.Shape[1], c.filter.Shape[2], c.filter.Shape[3], c.in.Shape[3]
		full := quant.NewTensor(c.filter.Type, []int{outC, fh, fw, inC}, c.filter.Params)
		full.Params.Axis = 0
		for oc := range outC {
			for k := range fh * fw {
				full.Data[(oc*fh*fw+k)*inC+oc/c.p.DepthMultiplier] = c.filter.Data[k*outC+oc]
			}
		}
		conv := quant.NewTensor(c.out.Type, c.out.Shape, c.out.Params)
		if err := Conv2D(c.in, full, c.bias, conv, c.p, v); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !slices.Equal(c.out.Data, conv.Data) {
			t.Fatalf("seed %d: depthwise (multiplier %d) and block-diagonal conv differ", seed, c.p.DepthMultiplier)
		}
	}
}

func TestPools(t *testing.T) {
	p := quant.Params{Scale: 0.5}
	in := &quant.Tensor{Type: quant.Uint8, Shape: []int{1, 3, 3, 1}, Params: p, Data: []int32{1, 2, 3, 4, 5, 6, 7, 8, 10}}
	pp := PoolParams{Padding: Padding{Top: 1, Left: 1}, StrideH: 2, StrideW: 2, FilterH: 2, FilterW: 2}
	avg := quant.NewTensor(quant.Uint8, []int{1, 2, 2, 1}, p)
	if err := AveragePool2D(in, avg, pp); err != nil {
		t.Fatal(err)
	}
	// windows (in-bounds only): {1}, {2,3}, {4,7}, {5,6,8,10}
	if want := []int32{1, 3, 6, 7}; !slices.Equal(avg.Data, want) {
		t.Errorf("average pool = %v, want %v", avg.Data, want)
	}
	mx := quant.NewTensor(quant.Uint8, []int{1, 2, 2, 1}, p)
	pp.Activation = quant.ActRelu1 // clamps to [0, 2] at scale 0.5
	if err := MaxPool2D(in, mx, pp); err != nil {
		t.Fatal(err)
	}
	if want := []int32{1, 2, 2, 2}; !slices.Equal(mx.Data, want) {
		t.Errorf("max pool with RELU1 = %v, want %v", mx.Data, want)
	}
}

// TestSignedOutputsShiftUnsigned checks that the int8 paths of SOFTMAX and
// LOGISTIC give the uint8 results minus 128 on inputs shifted by 128.
func TestSignedOutputsShiftUnsigned(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 50 {
		scale := 0.01 + rng.Float32()
		u := randomTensor(rng, quant.Uint8, []int{3, 7}, quant.Params{Scale: scale, ZeroPoint: rng.Int32N(256)})
		s := u.Clone()
		s.Type, s.Params.ZeroPoint = quant.Int8, u.Params.ZeroPoint-128
		for k := range s.Data {
			s.Data[k] -= 128
		}
		for _, op := range []string{"softmax", "logistic"} {
			uo := quant.NewTensor(quant.Uint8, u.Shape, quant.Params{Scale: 1.0 / 256})
			so := quant.NewTensor(quant.Int8, u.Shape, quant.Params{Scale: 1.0 / 256, ZeroPoint: -128})
			var errU, errS error
			if op == "softmax" {
				beta := 0.5 + float32(i)/10
				errU, errS = Softmax(u, uo, beta), Softmax(s, so, beta)
			} else {
				errU, errS = Logistic(u, uo), Logistic(s, so)
			}
			if errU != nil || errS != nil {
				t.Fatal(errU, errS)
			}
			for k := range uo.Data {
				if so.Data[k] != uo.Data[k]-128 {
					t.Fatalf("%s case %d element %d: int8 %d, uint8 %d", op, i, k, so.Data[k], uo.Data[k])
				}
			}
		}
	}
}

func TestAddBroadcastEqualsExpanded(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a := randomTensor(rng, quant.Uint8, []int{2, 1, 3}, quant.Params{Scale: 0.3, ZeroPoint: 10})
	b := randomTensor(rng, quant.Uint8, []int{4, 1}, quant.Params{Scale: 0.7, ZeroPoint: 200})
	out := quant.NewTensor(quant.Uint8, []int{2, 4, 3}, quant.Params{Scale: 0.9, ZeroPoint: 100})
	if err := Add(a, b, out, quant.ActNone); err != nil {
		t.Fatal(err)
	}
	ea, eb := quant.NewTensor(quant.Uint8, out.Shape, a.Params), quant.NewTensor(quant.Uint8, out.Shape, b.Params)
	for i := range 2 {
		for j := range 4 {
			for k := range 3 {
				ea.Data[(i*4+j)*3+k] = a.Data[i*3+k]
				eb.Data[(i*4+j)*3+k] = b.Data[j]
			}
		}
	}
	full := quant.NewTensor(quant.Uint8, out.Shape, out.Params)
	if err := Add(ea, eb, full, quant.ActNone); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(out.Data, full.Data) {
		t.Errorf("broadcast ADD %v differs from the expanded ADD %v", out.Data, full.Data)
	}
}

func TestConvRejectsWrongOutputShape(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	c := randomConv(rng, false)
	c.out.Shape[1]++
	err := Conv2D(c.in, c.filter, c.bias, c.out, c.p, quant.VariantDoubleRounding)
	if err == nil || !strings.Contains(err.Error(), "CONV_2D: output shape") {
		t.Errorf("error %v, want a CONV_2D output shape error", err)
	}
}
