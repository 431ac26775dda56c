package kernels

import "fmt"

// PackedA is the left GEMM operand (M x K, row m an output pixel, column k a
// reduction index) packed for one implementation. Reuse one across calls:
// packing grows its buffers only when needed.
type PackedA struct {
	impl Impl
	m, k int
	i16  []int16 // 16-bit layout: zero point subtracted
	panel8
	rows []byte // staging rows gathered from the image
}

// PackedB is the right GEMM operand, N x K (row n an output channel, column
// k a reduction index), packed for one implementation. Weights that do not
// change may be packed once and shared by concurrent GEMMs.
type PackedB struct {
	impl Impl
	n, k int
	i16  []int16
	panel8
}

// M is the number of rows packed.
func (p *PackedA) M() int { return p.m }

// K is the reduction length packed.
func (p *PackedA) K() int { return p.k }

// N is the number of columns packed.
func (p *PackedB) N() int { return p.n }

// K is the reduction length packed.
func (p *PackedB) K() int { return p.k }

// The 8-bit layout's hooks, filled in by the amd64 build.
var (
	packA8 func(p *PackedA, img []byte, w *Window, k0 int, op Operand) error
	packB8 func(p *PackedB, b []byte, colStride, rowStride int, op Operand)
	gemm8  func(c []int32, ldc int, a *PackedA, b *PackedB, accumulate bool)
	// tile16AVX2 is the AVX2 micro-kernel of the 16-bit layout.
	tile16AVX2 tile16
)

// PackA packs rows [0, m) and columns [k0, k0+k) of the im2col matrix of
// window w over img with the best implementation; see [Impl.PackA].
func PackA(dst *PackedA, img []byte, w Window, m, k0, k int, op Operand) error {
	return best.PackA(dst, img, w, m, k0, k, op)
}

// PackA packs rows [0, m) and columns [k0, k0+k) of the im2col matrix of
// window w over img into dst, for GEMMs by im. Padding taps read as the zero
// point, which must then fit the operand's byte.
func (im Impl) PackA(dst *PackedA, img []byte, w Window, m, k0, k int, op Operand) error {
	if m < 1 || k < 1 || w.Channels < 1 || w.OutW < 1 || w.FilterW < 1 {
		return fmt.Errorf("kernels: PackA of %dx%d with %d channels", m, k, w.Channels)
	}
	dst.impl, dst.m, dst.k = im, m, k
	if im == AVX512VNNI {
		return packA8(dst, img, &w, k0, op)
	}
	return dst.pack16(img, &w, k0, op)
}

// PackB packs the N x K operand whose element (n, k) is byte b[n*colStride +
// k*rowStride] with the best implementation; see [Impl.PackB].
func PackB(dst *PackedB, b []byte, n, k, colStride, rowStride int, op Operand) {
	best.PackB(dst, b, n, k, colStride, rowStride, op)
}

// PackB packs the N x K operand whose element (n, k) is byte b[n*colStride +
// k*rowStride] into dst, for GEMMs by im.
func (im Impl) PackB(dst *PackedB, b []byte, n, k, colStride, rowStride int, op Operand) {
	if n < 1 || k < 1 || colStride < 0 || rowStride < 0 || (n-1)*colStride+(k-1)*rowStride >= len(b) {
		panic(fmt.Sprintf("kernels: PackB of %dx%d with strides %d, %d from %d bytes", n, k, colStride, rowStride, len(b)))
	}
	dst.impl, dst.n, dst.k = im, n, k
	if im == AVX512VNNI {
		packB8(dst, b, colStride, rowStride, op)
		return
	}
	dst.pack16(b, colStride, rowStride, op)
}

// Gemm computes, for m < a.M() and n < b.N(),
//
//	c[m*ldc+n] = (accumulate ? c[m*ldc+n] : 0) + sum_k (A[m][k]-za)*(B[n][k]-zb)
//
// in wrapping int32 arithmetic. a and b must be packed by the same
// implementation with the same K.
func Gemm(c []int32, ldc int, a *PackedA, b *PackedB, accumulate bool) {
	if a.impl != b.impl || a.k != b.k {
		panic(fmt.Sprintf("kernels: Gemm of A packed by %v with K %d and B packed by %v with K %d", a.impl, a.k, b.impl, b.k))
	}
	if len(c) < (a.m-1)*ldc+b.n || ldc < b.n {
		panic(fmt.Sprintf("kernels: Gemm of %dx%d into %d values %d apart", a.m, b.n, len(c), ldc))
	}
	if a.impl == AVX512VNNI {
		gemm8(c, ldc, a, b, accumulate)
		return
	}
	gemm16(c, ldc, a, b, accumulate)
}

// WrapInt32 wraps every value to a bits-wide two's-complement accumulator
// (sign-extending its low bits), as a 16- or 24-bit wrapping accumulator
// would hold it.
func WrapInt32(c []int32, bits int) {
	if bits >= 32 {
		return
	}
	sh := 32 - bits
	for i, v := range c {
		c[i] = v << sh >> sh
	}
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
