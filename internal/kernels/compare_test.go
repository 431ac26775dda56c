package kernels_test

import (
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
)

// The reference interpreter's plain kernels on the same MobileNet v2 shapes,
// requantization included, for comparison with the kernels' benchmarks.

func randInt8(rng *rand.Rand, shape []int, p quant.Params) *quant.Tensor {
	t := quant.NewTensor(quant.Int8, shape, p)
	for i := range t.Data {
		t.Data[i] = rng.Int32N(256) - 128
	}
	return t
}

func benchReferenceConv(b *testing.B, h, w, inC, outC, f, step int, depthwise bool) {
	rng := rand.New(rand.NewPCG(5, 6))
	in := randInt8(rng, []int{1, h, w, inC}, quant.Params{Scale: 0.05, ZeroPoint: -3})
	fshape := []int{outC, f, f, inC}
	if depthwise {
		fshape = []int{1, f, f, outC}
	}
	filter := randInt8(rng, fshape, quant.Params{Scale: 0.01})
	pad := (f - 1) / 2
	oh, ow := (h+2*pad-f)/step+1, (w+2*pad-f)/step+1
	out := quant.NewTensor(quant.Int8, []int{1, oh, ow, outC}, quant.Params{Scale: 0.1, ZeroPoint: 2})
	p := reference.ConvParams{Padding: reference.Padding{Top: pad, Bottom: pad, Left: pad, Right: pad},
		StrideH: step, StrideW: step, DilationH: 1, DilationW: 1, DepthMultiplier: 1}
	run, taps := reference.Conv2D, inC
	if depthwise {
		run, taps = reference.DepthwiseConv2D, 1
	}
	b.ResetTimer()
	for range b.N {
		if err := run(in, filter, nil, out, p, quant.VariantDoubleRounding); err != nil {
			b.Fatal(err)
		}
	}
	macs := oh * ow * outC * f * f * taps
	b.ReportMetric(float64(macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}

func BenchmarkReferenceConv2D(b *testing.B) {
	b.Run("pw_112x112x32x16", func(b *testing.B) { benchReferenceConv(b, 112, 112, 32, 16, 1, 1, false) })
	b.Run("pw_56x56x144x24", func(b *testing.B) { benchReferenceConv(b, 56, 56, 144, 24, 1, 1, false) })
	b.Run("pw_7x7x960x320", func(b *testing.B) { benchReferenceConv(b, 7, 7, 960, 320, 1, 1, false) })
}

func BenchmarkReferenceDepthwise(b *testing.B) {
	b.Run("dw_112x112x96_s2", func(b *testing.B) { benchReferenceConv(b, 112, 112, 96, 96, 3, 2, true) })
	b.Run("dw_14x14x576_s1", func(b *testing.B) { benchReferenceConv(b, 14, 14, 576, 576, 3, 1, true) })
}

func BenchmarkReferenceFullyConnected(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	in := randInt8(rng, []int{1, 1280}, quant.Params{Scale: 0.05, ZeroPoint: -3})
	wt := randInt8(rng, []int{1000, 1280}, quant.Params{Scale: 0.01})
	out := quant.NewTensor(quant.Int8, []int{1, 1000}, quant.Params{Scale: 0.1, ZeroPoint: 2})
	for range b.N {
		if err := reference.FullyConnected(in, wt, nil, out, quant.ActNone, quant.VariantDoubleRounding); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1280*1000*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}
