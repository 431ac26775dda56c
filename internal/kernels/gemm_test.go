package kernels

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// gemmCase is one GEMM: an im2col window over an image, a weight matrix and
// an initial C.
type gemmCase struct {
	img        []byte
	w          Window
	m, k0, k   int
	a          Operand
	b          []byte
	n          int
	colStride  int
	rowStride  int
	bop        Operand
	c0         []int32
	accumulate bool
}

func (g *gemmCase) String() string {
	return fmt.Sprintf("M %d K %d (from %d) N %d, A %+v, B %+v, window %+v", g.m, g.k, g.k0, g.n, g.a, g.bop, g.w)
}

// aValue is the definition of the im2col operand, element by element.
func (g *gemmCase) aValue(m, k int) int64 {
	w := &g.w
	kk := g.k0 + k
	tap, ch := kk/w.Channels, w.Channel+kk%w.Channels
	oy, ox := w.OutY+m/w.OutW, w.OutX+m%w.OutW
	iy := oy*w.StrideH - w.PadTop + tap/w.FilterW*w.DilationH
	ix := ox*w.StrideW - w.PadLeft + tap%w.FilterW*w.DilationW
	if iy < 0 || iy >= w.ImageH || ix < 0 || ix >= w.ImageW {
		return 0
	}
	return int64(g.a.Value(g.img[w.Base+(iy-w.TileY)*w.RowStride+(ix-w.TileX)*w.PixelStride+ch]))
}

// naive is the definition in int64, wrapped to int32 at the end.
func (g *gemmCase) naive() []int32 {
	c := slices.Clone(g.c0)
	for m := range g.m {
		for n := range g.n {
			var s int64
			if g.accumulate {
				s = int64(c[m*g.n+n])
			}
			for k := range g.k {
				s += g.aValue(m, k) * int64(g.bop.Value(g.b[n*g.colStride+k*g.rowStride]))
			}
			c[m*g.n+n] = int32(s)
		}
	}
	return c
}

func (g *gemmCase) run(t *testing.T, im Impl) []int32 {
	var a PackedA
	var b PackedB
	if err := im.PackA(&a, g.img, g.w, g.m, g.k0, g.k, g.a); err != nil {
		t.Fatal(err)
	}
	im.PackB(&b, g.b, g.n, g.k, g.colStride, g.rowStride, g.bop)
	c := slices.Clone(g.c0)
	Gemm(c, g.n, &a, &b, g.accumulate)
	return c
}

// byteGen draws bytes: uniform, or one extreme value for a whole operand.
func byteGen(rng *rand.Rand) func() byte {
	switch rng.IntN(6) {
	case 0:
		v := [...]byte{0, 127, 128, 255}[rng.IntN(4)]
		return func() byte { return v }
	case 1:
		return func() byte { return [...]byte{0, 127, 128, 255}[rng.IntN(4)] }
	}
	return func() byte { return byte(rng.Uint32()) }
}

func randOperand(rng *rand.Rand) Operand {
	o := Operand{Signed: rng.IntN(2) == 0}
	lo, hi := int32(0), int32(255)
	if o.Signed {
		lo, hi = -128, 127
	}
	switch rng.IntN(4) {
	case 0:
		o.Zero = lo
	case 1:
		o.Zero = hi
	default:
		o.Zero = lo + rng.Int32N(hi-lo+1)
	}
	return o
}

func randBytes(rng *rand.Rand, n int) []byte {
	gen := byteGen(rng)
	b := make([]byte, n)
	for i := range b {
		b[i] = gen()
	}
	return b
}

// randGemm draws a GEMM: a convolution window or a plain matrix, kmax
// bounding the reduction.
func randGemm(rng *rand.Rand, kmax int) *gemmCase {
	g := &gemmCase{a: randOperand(rng), bop: randOperand(rng), accumulate: rng.IntN(2) == 0}
	if rng.IntN(3) == 0 {
		g.m, g.k = 1+rng.IntN(40), 1+rng.IntN(kmax)
		lda := g.k + rng.IntN(5)
		g.w = MatrixWindow(rng.IntN(7), g.m, g.k, lda)
		g.img = randBytes(rng, g.w.Base+g.m*lda)
	} else {
		g.randConv(rng)
	}
	g.n = 1 + rng.IntN(70)
	if rng.IntN(2) == 0 {
		g.colStride, g.rowStride = g.k, 1
	} else {
		g.colStride, g.rowStride = 1, g.n
	}
	g.b = randBytes(rng, g.n*g.k)
	g.c0 = make([]int32, g.m*g.n)
	for i := range g.c0 {
		g.c0[i] = int32(rng.Uint32())
	}
	return g
}

func (g *gemmCase) randConv(rng *rand.Rand) {
	w := Window{ImageH: 1 + rng.IntN(9), ImageW: 1 + rng.IntN(9), FilterH: 1 + rng.IntN(3), FilterW: 1 + rng.IntN(3),
		StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(2), DilationH: 1 + rng.IntN(2), DilationW: 1 + rng.IntN(2),
		PadTop: rng.IntN(3), PadLeft: rng.IntN(3), Channels: 1 + rng.IntN(20)}
	w.Channel = rng.IntN(3)
	w.PixelStride = w.Channel + w.Channels + rng.IntN(3)
	w.RowStride = w.ImageW*w.PixelStride + rng.IntN(4)
	w.Base = rng.IntN(5)
	w.OutW = 1 + rng.IntN(6)
	w.OutY, w.OutX = rng.IntN(3), rng.IntN(3)
	g.w = w
	g.img = randBytes(rng, w.Base+w.ImageH*w.RowStride)
	full := w.FilterH * w.FilterW * w.Channels
	g.k0 = rng.IntN(full)
	g.k = 1 + rng.IntN(full-g.k0)
	g.m = 1 + rng.IntN(30)
}

// checkImpls runs a case on every implementation: the pure-Go one must match
// the definition and every other one the pure-Go one, bit for bit.
func checkImpls(t *testing.T, seed uint64, g *gemmCase) {
	t.Helper()
	want := g.naive()
	spec := g.run(t, PureGo)
	if i := firstDiff(spec, want); i >= 0 {
		t.Fatalf("seed %d: %v: purego c[%d] = %d, definition %d", seed, g, i, spec[i], want[i])
	}
	for _, im := range Available()[1:] {
		if got := g.run(t, im); firstDiff(got, spec) >= 0 {
			i := firstDiff(got, spec)
			t.Fatalf("seed %d: %v: %v c[%d] = %d, purego %d", seed, g, im, i, got[i], spec[i])
		}
	}
}

func firstDiff(a, b []int32) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func TestGemmRandom(t *testing.T) {
	t.Logf("implementations: %v", Available())
	for seed := uint64(1); seed <= 400; seed++ {
		rng := rand.New(rand.NewPCG(seed, 17))
		checkImpls(t, seed, randGemm(rng, 300))
	}
}

// TestGemmLargeK crosses the K block and makes the sums wrap int32.
func TestGemmLargeK(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, 18))
		g := randGemm(rng, 1)
		k := 513 + rng.IntN(2000)
		if seed <= 2 {
			k = 20000 // 20000 * 383 * 383 > 2^31
		}
		g.w, g.k0, g.k = MatrixWindow(0, g.m, k, k), 0, k
		g.img = randBytes(rng, g.m*k)
		g.colStride, g.rowStride = k, 1
		g.b = randBytes(rng, g.n*k)
		if seed <= 2 {
			fill(g.img, 0x80) // -128 or 128
			fill(g.b, 0x80)
			g.a = Operand{Signed: seed == 1, Zero: 127 * int32(seed-1)}
			g.bop = Operand{Signed: true, Zero: 127}
		}
		checkImpls(t, seed, g)
	}
}

// TestGemmShapes covers K = 1 and every residue of M, N and K around the
// tile sizes.
func TestGemmShapes(t *testing.T) {
	seed := uint64(100)
	for _, m := range []int{1, 3, 4, 5, 7, 8, 9, 16, 17} {
		for _, n := range []int{1, 15, 16, 17, 31, 32, 33, 48, 49} {
			for _, k := range []int{1, 2, 3, 4, 5, 63, 64, 65} {
				seed++
				rng := rand.New(rand.NewPCG(seed, 19))
				g := &gemmCase{m: m, n: n, k: k, a: randOperand(rng), bop: randOperand(rng), accumulate: seed%2 == 0,
					w: MatrixWindow(0, m, k, k), img: randBytes(rng, m*k), b: randBytes(rng, n*k), colStride: k, rowStride: 1}
				g.c0 = make([]int32, m*n)
				checkImpls(t, seed, g)
			}
		}
	}
}

func TestWrapInt32(t *testing.T) {
	for _, tc := range []struct {
		bits     int
		in, want int32
	}{
		{16, 0x12345678, 0x5678}, {16, 0x0000ffff, -1}, {16, -32769, 32767},
		{24, 0x12845678, -0x7ba988}, {24, 0x007fffff, 0x7fffff}, {32, -5, -5},
	} {
		c := []int32{tc.in}
		WrapInt32(c, tc.bits)
		if c[0] != tc.want {
			t.Errorf("WrapInt32(%#x, %d) = %#x, want %#x", tc.in, tc.bits, c[0], tc.want)
		}
	}
}

// TestOutOfImagePanics checks that a window reaching past its image panics
// in every implementation, as Go's bounds checks would, instead of reading
// outside the slice in assembly.
func TestOutOfImagePanics(t *testing.T) {
	img := make([]byte, 100)
	w := MatrixWindow(0, 8, 16, 16) // 8 rows of 16 bytes need 128
	for _, im := range Available() {
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"PackA", func() {
				var a PackedA
				_ = im.PackA(&a, img, w, 8, 0, 16, Operand{})
			}},
			{"Depthwise", func() {
				im.Depthwise(make([]int32, 8*16), 16, img, w, 8, Operand{}, make([]byte, 16), 16, Operand{}, 1)
			}},
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%v %s read past a %d-byte image without panicking", im, c.name, len(img))
					}
				}()
				c.f()
			}()
		}
	}
}
