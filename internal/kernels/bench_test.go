package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/npusim/npusim/quant"
)

// gemmShape is one of MobileNet v2's GEMMs (224x224 input): M output pixels,
// K reduction, N output channels; a 3x3 filter for the first convolution.
type gemmShape struct {
	name    string
	m, k, n int
	conv3x3 bool
}

var mobilenetGEMMs = []gemmShape{
	{name: "conv1_3x3s2_112x112x27x32", m: 112 * 112, k: 27, n: 32, conv3x3: true},
	{name: "pw_112x112x32x16", m: 112 * 112, k: 32, n: 16},
	{name: "pw_112x112x16x96", m: 112 * 112, k: 16, n: 96},
	{name: "pw_56x56x144x24", m: 56 * 56, k: 144, n: 24},
	{name: "pw_14x14x64x384", m: 14 * 14, k: 64, n: 384},
	{name: "pw_7x7x960x320", m: 7 * 7, k: 960, n: 320},
	{name: "fc_1x1280x1000", m: 1, k: 1280, n: 1000},
}

// window returns the shape's A operand over a random int8 image.
func (s gemmShape) window(rng *rand.Rand) ([]byte, Window) {
	if !s.conv3x3 {
		return randBytes(rng, s.m*s.k), MatrixWindow(0, s.m, s.k, s.k)
	}
	w := Window{RowStride: 224 * 3, PixelStride: 3, ImageH: 224, ImageW: 224, OutW: 112, FilterH: 3, FilterW: 3,
		StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 0, PadLeft: 0, Channels: 3}
	return randBytes(rng, 224*224*3), w
}

// meter measures a benchmark's rate in wall-clock time and in the CPU time
// of its thread (locked to it), which a machine shared with other jobs
// disturbs far less.
type meter struct {
	cpu0 float64
	ok   bool
}

func startMeter(b *testing.B) *meter {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	b.ResetTimer()
	cpu, ok := threadCPU()
	return &meter{cpu0: cpu, ok: ok}
}

// report states work units per op as G<unit>/s and G<unit>/s-cpu.
func (m *meter) report(b *testing.B, work int, unit string) {
	cpu, ok := threadCPU()
	total := float64(work) * float64(b.N) / 1e9
	b.ReportMetric(total/b.Elapsed().Seconds(), "G"+unit+"/s")
	if ok && m.ok && cpu > m.cpu0 {
		b.ReportMetric(total/(cpu-m.cpu0), "G"+unit+"/s-cpu")
	}
}

// BenchmarkGemm times one GEMM with both operands packed (the kernel proper).
func BenchmarkGemm(b *testing.B) {
	benchGemm(b, false)
}

// BenchmarkPackGemm times packing A from the image and the GEMM, B packed
// once (weights): what a convolution costs.
func BenchmarkPackGemm(b *testing.B) {
	benchGemm(b, true)
}

func benchGemm(b *testing.B, packA bool) {
	for _, s := range mobilenetGEMMs {
		for _, im := range Available() {
			b.Run(fmt.Sprintf("%s/%v", s.name, im), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				img, w := s.window(rng)
				op := Operand{Signed: true, Zero: -3}
				var pa PackedA
				var pb PackedB
				if err := im.PackA(&pa, img, w, s.m, 0, s.k, op); err != nil {
					b.Fatal(err)
				}
				im.PackB(&pb, randBytes(rng, s.n*s.k), s.n, s.k, s.k, 1, Operand{Signed: true})
				c := make([]int32, s.m*s.n)
				meter := startMeter(b)
				for range b.N {
					if packA {
						if err := im.PackA(&pa, img, w, s.m, 0, s.k, op); err != nil {
							b.Fatal(err)
						}
					}
					Gemm(c, s.n, &pa, &pb, false)
				}
				meter.report(b, s.m*s.n*s.k, "MAC")
			})
		}
	}
}

// BenchmarkPackB times packing a weight matrix.
func BenchmarkPackB(b *testing.B) {
	for _, s := range mobilenetGEMMs[5:] {
		for _, im := range Available() {
			b.Run(fmt.Sprintf("%s/%v", s.name, im), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				w := randBytes(rng, s.n*s.k)
				var pb PackedB
				meter := startMeter(b)
				for range b.N {
					im.PackB(&pb, w, s.n, s.k, s.k, 1, Operand{Signed: true})
				}
				meter.report(b, s.n*s.k, "B")
			})
		}
	}
}

// dwShape is one of MobileNet v2's depthwise convolutions: a 3x3 filter,
// padding 1, over an h x w x c int8 input.
type dwShape struct {
	name          string
	h, w, c, step int
}

var mobilenetDepthwise = []dwShape{
	{name: "dw_112x112x96_s2", h: 112, w: 112, c: 96, step: 2},
	{name: "dw_56x56x144_s1", h: 56, w: 56, c: 144, step: 1},
	{name: "dw_14x14x576_s1", h: 14, w: 14, c: 576, step: 1},
}

func (s dwShape) window() (Window, int) {
	oh, ow := (s.h-1)/s.step+1, (s.w-1)/s.step+1
	return Window{RowStride: s.w * s.c, PixelStride: s.c, ImageH: s.h, ImageW: s.w, OutW: ow, FilterH: 3, FilterW: 3,
		StrideH: s.step, StrideW: s.step, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, Channels: s.c}, oh * ow
}

func BenchmarkDepthwise(b *testing.B) {
	for _, s := range mobilenetDepthwise {
		for _, im := range Available() {
			b.Run(fmt.Sprintf("%s/%v", s.name, im), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(3, 4))
				img, wt := randBytes(rng, s.h*s.w*s.c), randBytes(rng, 9*s.c)
				w, pixels := s.window()
				acc := make([]int32, pixels*s.c)
				meter := startMeter(b)
				for range b.N {
					im.Depthwise(acc, s.c, img, w, pixels, Operand{Signed: true, Zero: 5}, wt, s.c, Operand{Signed: true}, 1)
				}
				meter.report(b, pixels*s.c*9, "MAC")
			})
		}
	}
}

// BenchmarkRequantize requantizes the int32 output of a 56x56x144 layer
// (per-channel multipliers) for every variant.
func BenchmarkRequantize(b *testing.B) {
	const rows, cols = 56 * 56, 144
	rng := rand.New(rand.NewPCG(9, 10))
	acc := make([]int32, rows*cols)
	for i := range acc {
		acc[i] = rng.Int32N(1<<20) - 1<<19
	}
	bias := make([]int32, cols)
	dst := make([]byte, rows*cols)
	for _, v := range quant.Variants() {
		mult := make([]quant.Multiplier, cols)
		for i := range mult {
			mult[i] = v.MultiplierFromReal(0.0005 + 0.001*rng.Float64())
		}
		for _, im := range Available() {
			b.Run(fmt.Sprintf("%v/%v", v, im), func(b *testing.B) {
				meter := startMeter(b)
				for range b.N {
					im.Requantize(dst, cols, acc, cols, rows, cols, bias, mult, v, -3, -128, 127)
				}
				meter.report(b, rows*cols, "out")
			})
		}
		b.Run(fmt.Sprintf("%v/quant-per-element", v), func(b *testing.B) {
			meter := startMeter(b)
			for range b.N {
				for m := range rows {
					for n := range cols {
						dst[m*cols+n] = byte(v.Requantize(acc[m*cols+n]+bias[n], mult[n], -3, -128, 127))
					}
				}
			}
			meter.report(b, rows*cols, "out")
		})
	}
}
