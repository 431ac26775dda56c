package reference

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/npusim/npusim/quant"
)

// Layers of MobileNet v2 (224x224 input), requantization included, through
// the plain loops and through internal/kernels.

// reportRate states GMAC/s in wall-clock time and per CPU second of the
// benchmark's thread (locked to it), which other jobs on a shared machine
// disturb far less; run starts the timed loop.
func reportRate(b *testing.B, macs int, run func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	cpu0, ok := threadCPU()
	for b.Loop() {
		run()
	}
	cpu1, _ := threadCPU()
	total := float64(macs) * float64(b.N) / 1e9
	b.ReportMetric(total/b.Elapsed().Seconds(), "GMAC/s")
	if ok && cpu1 > cpu0 {
		b.ReportMetric(total/(cpu1-cpu0), "GMAC/s-cpu")
	}
}

func randInt8(rng *rand.Rand, shape []int, p quant.Params) *quant.Tensor {
	t := quant.NewTensor(quant.Int8, shape, p)
	for i := range t.Data {
		t.Data[i] = rng.Int32N(256) - 128
	}
	return t
}

// benchLayer times a convolution (depthwise when outC is 0) of an h x w x
// inC int8 input with an f x f filter, padding (f-1)/2, under both paths.
func benchLayer(b *testing.B, h, w, inC, outC, f, step int) {
	depthwise := outC == 0
	rng := rand.New(rand.NewPCG(5, 6))
	in := randInt8(rng, []int{1, h, w, inC}, quant.Params{Scale: 0.05, ZeroPoint: -3})
	fshape, macsPerOut := []int{outC, f, f, inC}, f*f*inC
	if depthwise {
		outC = inC
		fshape, macsPerOut = []int{1, f, f, inC}, f*f
	}
	filter := randInt8(rng, fshape, quant.Params{Scale: 0.01})
	pad := (f - 1) / 2
	oh, ow := (h+2*pad-f)/step+1, (w+2*pad-f)/step+1
	out := quant.NewTensor(quant.Int8, []int{1, oh, ow, outC}, quant.Params{Scale: 0.1, ZeroPoint: 2})
	p := ConvParams{Padding: Padding{Top: pad, Bottom: pad, Left: pad, Right: pad},
		StrideH: step, StrideW: step, DilationH: 1, DilationW: 1, DepthMultiplier: 1}
	run := Conv2D
	if depthwise {
		run = DepthwiseConv2D
	}
	for _, fast := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "kernels"}[fast], func(b *testing.B) {
			fastKernels = fast
			defer func() { fastKernels = true }()
			reportRate(b, oh*ow*outC*macsPerOut, func() {
				if err := run(in, filter, nil, out, p, quant.VariantDoubleRounding); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkConv2D(b *testing.B) {
	for _, l := range []struct{ h, w, inC, outC, f, step int }{
		{224, 224, 3, 32, 3, 2}, {112, 112, 32, 16, 1, 1}, {56, 56, 144, 24, 1, 1}, {7, 7, 960, 320, 1, 1},
	} {
		b.Run(fmt.Sprintf("%dx%dx%dx%d_%dx%ds%d", l.h, l.w, l.inC, l.outC, l.f, l.f, l.step), func(b *testing.B) {
			benchLayer(b, l.h, l.w, l.inC, l.outC, l.f, l.step)
		})
	}
}

func BenchmarkDepthwiseConv2D(b *testing.B) {
	for _, l := range []struct{ h, w, c, step int }{{112, 112, 96, 2}, {14, 14, 576, 1}} {
		b.Run(fmt.Sprintf("%dx%dx%d_3x3s%d", l.h, l.w, l.c, l.step), func(b *testing.B) {
			benchLayer(b, l.h, l.w, l.c, 0, 3, l.step)
		})
	}
}

func BenchmarkFullyConnected(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	in := randInt8(rng, []int{1, 1280}, quant.Params{Scale: 0.05, ZeroPoint: -3})
	wt := randInt8(rng, []int{1000, 1280}, quant.Params{Scale: 0.01})
	out := quant.NewTensor(quant.Int8, []int{1, 1000}, quant.Params{Scale: 0.1, ZeroPoint: 2})
	for _, fast := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "kernels"}[fast], func(b *testing.B) {
			fastKernels = fast
			defer func() { fastKernels = true }()
			reportRate(b, 1280*1000, func() {
				if err := FullyConnected(in, wt, nil, out, quant.ActNone, quant.VariantDoubleRounding); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}
