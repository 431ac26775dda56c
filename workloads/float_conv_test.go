package workloads

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/quant"
)

// TestFloatConvMatchesDirectSum checks the float interpreter's convolutions
// (gathered windows and blocked dot products) against a direct sum in
// float64 over the in-bounds taps, on seeded random geometries with
// padding, strides, dilations, depth multipliers and channel counts that are
// not multiples of four: every output within 1e-5 relative to the sum of the
// absolute products.
func TestFloatConvMatchesDirectSum(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 9))
		kind := Conv2D
		if seed%2 == 1 {
			kind = DepthwiseConv2D
		}
		h, w, inC := 3+rng.IntN(6), 3+rng.IntN(6), 1+rng.IntN(9)
		fh, fw := 1+rng.IntN(3), 1+rng.IntN(3)
		op := &Op{Name: "conv", Kind: kind, Inputs: []int{0, 1, 2}, Output: 3,
			StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(2), DilationH: 1 + rng.IntN(2), DilationW: 1 + rng.IntN(2),
			Padding: Padding{Top: rng.IntN(2), Bottom: rng.IntN(3), Left: rng.IntN(2), Right: rng.IntN(3)}}
		outC := 1 + rng.IntN(11)
		filter := []int{outC, fh, fw, inC}
		if kind == DepthwiseConv2D {
			op.DepthMultiplier = 1 + rng.IntN(3)
			outC = inC * op.DepthMultiplier
			filter = []int{1, fh, fw, outC}
		}
		dh, dw := op.Dilation()
		oh := quant.ConvOutputSize(h, fh, op.StrideH, dh, op.Padding.Top, op.Padding.Bottom)
		ow := quant.ConvOutputSize(w, fw, op.StrideW, dw, op.Padding.Left, op.Padding.Right)
		if oh < 1 || ow < 1 {
			continue
		}
		random := func(n int) []float32 {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			return x
		}
		fm := &FloatModel{Name: "conv", Ops: []*Op{op}, Inputs: []int{0}, Outputs: []int{3}, Tensors: []*FloatTensor{
			{Name: "x", Shape: []int{2, h, w, inC}},
			{Name: "w", Shape: filter, Data: random(quant.NumElements(filter))},
			{Name: "b", Shape: []int{outC}, Data: random(outC)},
			{Name: "y", Shape: []int{2, oh, ow, outC}},
		}}
		x := random(2 * h * w * inC)
		v, err := fm.Run([][]float32{x})
		if err != nil {
			t.Fatal(err)
		}
		got, wt, bias := v[3], fm.Tensors[1].Data, fm.Tensors[2].Data
		o := 0
		for b := range 2 {
			for oy := range oh {
				for ox := range ow {
					for oc := range outC {
						sum, abs := float64(bias[oc]), math.Abs(float64(bias[oc]))
						for ky := range fh {
							for kx := range fw {
								iy, ix := oy*op.StrideH-op.Padding.Top+ky*dh, ox*op.StrideW-op.Padding.Left+kx*dw
								if iy < 0 || iy >= h || ix < 0 || ix >= w {
									continue
								}
								px := x[((b*h+iy)*w+ix)*inC:][:inC]
								if kind == DepthwiseConv2D {
									p := float64(px[oc/op.DepthMultiplier]) * float64(wt[(ky*fw+kx)*outC+oc])
									sum, abs = sum+p, abs+math.Abs(p)
									continue
								}
								for ic := range inC {
									p := float64(px[ic]) * float64(wt[((oc*fh+ky)*fw+kx)*inC+ic])
									sum, abs = sum+p, abs+math.Abs(p)
								}
							}
						}
						if d := math.Abs(float64(got[o]) - sum); d > 1e-5*max(abs, 1) {
							t.Fatalf("seed %d: %s %+v: output %d is %v, direct sum %v", seed, kind, *op, o, got[o], sum)
						}
						o++
					}
				}
			}
		}
	}
}
