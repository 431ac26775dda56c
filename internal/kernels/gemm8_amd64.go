//go:build !purego

package kernels

import "fmt"

// The 8-bit layout of the AVX-512 VNNI implementation. VPDPBUSD multiplies
// unsigned bytes of one source by signed bytes of the other and adds each
// group of four products to a 32-bit lane, so A is stored as int8 (unsigned
// values flipped by XOR 0x80, that is minus 128) and broadcast four bytes at
// a time, and B is stored as uint8 (signed values flipped, plus 128). With
// za' and zb' the zero points in the stored domain,
//
//	sum_k (a-za)(b-zb) = sum_k a'b' - zb'*rowsum(a') - za'*colsum(b') + K*za'*zb'
//
// A is packed in blocks of mr8 rows, each [K/4][mr8][4] bytes; B in panels
// of nr8 columns (the last of 16 when at most 16 remain), each [K/4][width][4]
// bytes; K is padded to a multiple of 4 with zero bytes, which add nothing
// to the products or the sums.
// panel8 is what the 8-bit layout adds to a packed operand.
type panel8 struct {
	i8   []byte  // A stored as int8, B as uint8
	sums []int32 // each row's (A) or column's (B) sum of stored values
	zero int32   // the zero point in the stored domain
}

const (
	mr8 = 8
	nr8 = 32
	// kc4 is the K block, in groups of four: a 32 x 512 panel of B (16 KiB)
	// stays in the L1 cache while every block of A passes.
	kc4 = 128
)

func init() {
	packA8, packB8, gemm8 = packA8SIMD, packB8SIMD, gemm8VNNI
	tile16AVX2 = func(c []int32, ldc int, a, b []int16, k2, rows, cols int, accumulate bool) {
		tile16x4AVX2(&a[0], &b[0], k2, &c[0], ldc, rows, &colMasks[nr16-cols], accumulate)
	}
}

// colMasks holds dword masks: colMasks[16-cols:] starts cols all-ones
// lanes followed by zeros.
var colMasks = func() (m [2 * nr16]int32) {
	for i := range nr16 {
		m[i] = -1
	}
	return
}()

// panelWidth is the width of the B panel that starts with r columns left.
func panelWidth(r int) int {
	if r <= 16 {
		return 16
	}
	return nr8
}

// packIndex holds packA8x8's VPERMT2D indices: dword d of the first output
// is group d/8 of row d%8 (rows 0-3 in the first table, four groups each,
// rows 4-7 in the second, from 16); the second output is groups 2 and 3;
// the third picks lane 0 of each row's sums.
var packIndex = func() (x [48]int32) {
	for d := range 16 {
		g, r := int32(d/8), int32(d%8)
		base := r * 4
		if r >= 4 {
			base = 16 + (r-4)*4
		}
		x[d], x[16+d] = base+g, base+g+2
		if d < 8 {
			x[32+d] = base
		}
	}
	return
}()

// packA8SIMD packs A in the 8-bit layout, eight rows at a time in assembly:
// straight from the image when every row of a block is one run of it, else
// from rows gathered in Go.
func packA8SIMD(p *PackedA, img []byte, w *Window, k0 int, op Operand) error {
	k4 := (p.k + 3) / 4
	blocks := (p.m + mr8 - 1) / mr8
	p.i8 = grow(p.i8, blocks*k4*mr8*4)
	p.sums = grow(p.sums, blocks*mr8)
	p.rows = grow(p.rows, mr8*p.k)
	var flip uint32
	p.zero = op.Zero
	if !op.Signed {
		flip, p.zero = 0x80808080, op.Zero-128
	}
	plan := w.rowPlan(k0, p.k)
	var offs [mr8]int
	if base, step, ok := w.strided(&plan, p.m); ok {
		if base < 0 || base+(p.m-1)*step+p.k > len(img) {
			panic(fmt.Sprintf("kernels: PackA: window reads bytes [%d, %d) of a %d-byte image",
				base, base+(p.m-1)*step+p.k, len(img)))
		}
		for m0 := 0; m0 < p.m; m0 += mr8 {
			for i := range offs {
				offs[i] = base + min(m0+i, p.m-1)*step
			}
			packA8x8(&p.i8[m0*k4*4], &img[0], &offs, p.k, flip, &p.sums[m0], &packIndex[0])
		}
		return nil
	}
	pad, err := op.padByte()
	cur := w.cursorAt(0)
	var origins [mr8][2]int
	for m0 := 0; m0 < p.m; m0 += mr8 {
		src, direct := img, len(plan.segs) == 1
		for i := range mr8 {
			if m0+i < p.m {
				origins[i][0], origins[i][1] = cur.origin()
				cur.next()
			} else {
				origins[i] = origins[i-1]
			}
			y, x := origins[i][0]+plan.segs[0].dy, origins[i][1]+plan.segs[0].dx
			direct = direct && w.inside(y, x)
			offs[i] = w.pixel(y, x) + plan.segs[0].ch
		}
		for _, o := range offs {
			if direct && (o < 0 || o+p.k > len(img)) {
				panic(fmt.Sprintf("kernels: PackA: window reads bytes [%d, %d) of a %d-byte image", o, o+p.k, len(img)))
			}
		}
		if !direct {
			src = p.rows
			for i := range mr8 {
				offs[i] = i * p.k
				if !w.gather(p.rows[i*p.k:][:p.k], img, origins[i][0], origins[i][1], &plan, pad, err == nil) {
					return err
				}
			}
		}
		packA8x8(&p.i8[m0*k4*4], &src[0], &offs, p.k, flip, &p.sums[m0], &packIndex[0])
	}
	return nil
}

// packB8SIMD packs B in the 8-bit layout: with gathers in assembly when
// each column's bytes are contiguous (the whole groups of four; a last
// partial group in Go), else in Go.
func packB8SIMD(p *PackedB, b []byte, colStride, rowStride int, op Operand) {
	if rowStride != 1 {
		packB8Go(p, b, colStride, rowStride, op)
		return
	}
	k4, whole := (p.k+3)/4, p.k/4
	p.i8 = grow(p.i8, ((p.n+nr8-1)/nr8)*nr8*k4*4)
	p.sums = grow(p.sums, p.n)
	flip := byte(0)
	p.zero = op.Zero
	if op.Signed {
		flip, p.zero = 0x80, op.Zero+128
	}
	var sums [nr8]int32
	for n0 := 0; n0 < p.n; n0 += nr8 {
		width, cols := panelWidth(p.n-n0), min(nr8, p.n-n0)
		pan := p.i8[n0*k4*4:][:k4*width*4]
		packB8Panel(&pan[0], &b[n0*colStride], colStride, whole, width, cols, uint32(flip)*0x01010101, &sums[0])
		if whole < k4 { // the last, partial group
			last := pan[whole*width*4:]
			for j := range width {
				for k := 4 * whole; k < 4*k4; k++ {
					var v byte
					if j < cols && k < p.k {
						v = b[(n0+j)*colStride+k] ^ flip
					}
					sums[j] += int32(v)
					last[j*4+k%4] = v
				}
			}
		}
		copy(p.sums[n0:n0+cols], sums[:cols])
	}
}

// packB8Go packs B with any strides in the 8-bit layout.
func packB8Go(p *PackedB, b []byte, colStride, rowStride int, op Operand) {
	k4 := (p.k + 3) / 4
	p.i8 = grow(p.i8, ((p.n+nr8-1)/nr8)*nr8*k4*4)
	p.sums = grow(p.sums, p.n)
	var flip byte
	p.zero = op.Zero
	if op.Signed {
		flip, p.zero = 0x80, op.Zero+128
	}
	for n0 := 0; n0 < p.n; n0 += nr8 {
		width := panelWidth(p.n - n0)
		pan := p.i8[n0*k4*4:][:k4*width*4]
		for j := range width {
			n := n0 + j
			var sum int32
			for k := range 4 * k4 {
				var v byte
				if n < p.n && k < p.k {
					v = b[n*colStride+k*rowStride] ^ flip
				}
				sum += int32(v)
				pan[(k/4*width+j)*4+k%4] = v
			}
			if n < p.n {
				p.sums[n] = sum
			}
		}
	}
}

// gemm8VNNI runs the VNNI micro-kernels over every tile of C, K blocked.
func gemm8VNNI(c []int32, ldc int, a *PackedA, b *PackedB, accumulate bool) {
	k4 := (a.k + 3) / 4
	rowCorr := make([]int32, (a.m+mr8-1)/mr8*mr8)
	colCorr := make([]int32, (b.n+nr8-1)/nr8*nr8)
	kzz := int32(a.k) * a.zero * b.zero
	for m := range a.m {
		rowCorr[m] = kzz - b.zero*a.sums[m]
	}
	for n := range b.n {
		colCorr[n] = -a.zero * b.sums[n]
	}
	var zeros [nr8]int32
	for kb := 0; kb < k4; kb += kc4 {
		nk := min(kc4, k4-kb)
		for n0 := 0; n0 < b.n; n0 += nr8 {
			width := panelWidth(b.n - n0)
			pan := &b.i8[n0*k4*4+kb*width*4]
			mask := uint32(1)<<min(width, b.n-n0) - 1
			for m0 := 0; m0 < a.m; m0 += mr8 {
				blk := &a.i8[m0*k4*4+kb*mr8*4]
				rc, cc := &zeros[0], &zeros[0]
				if kb == 0 {
					rc, cc = &rowCorr[m0], &colCorr[n0]
				}
				out, rows, acc := &c[m0*ldc+n0], min(mr8, a.m-m0), accumulate || kb > 0
				switch {
				case width == 16:
					tile8x16VNNI(blk, pan, nk, out, ldc, rows, mask, rc, cc, acc)
				case rows == 1:
					tile1x32VNNI(blk, pan, nk, out, ldc, rows, mask, rc, cc, acc)
				default:
					tile8x32VNNI(blk, pan, nk, out, ldc, rows, mask, rc, cc, acc)
				}
			}
		}
	}
}

// The micro-kernels in assembly. Each computes the first rows rows and the
// columns selected by mask of an 8 x 16 or 8 x 32 tile of C (tile1x32VNNI:
// one row) from k4 groups
// of a block of A and a panel of B, adds rowCorr[i] and colCorr[j] and, if
// accumulate, the tile's current values.

//go:noescape
func packA8x8(dst, src *byte, offs *[8]int, k int, flip uint32, sums, idx *int32)

//go:noescape
func packB8Panel(dst, src *byte, ldb, k4, width, cols int, flip uint32, sums *int32)

//go:noescape
func tile8x32VNNI(a, b *byte, k4 int, c *int32, ldc, rows int, mask uint32, rowCorr, colCorr *int32, accumulate bool)

//go:noescape
func tile8x16VNNI(a, b *byte, k4 int, c *int32, ldc, rows int, mask uint32, rowCorr, colCorr *int32, accumulate bool)

//go:noescape
func tile1x32VNNI(a, b *byte, k4 int, c *int32, ldc, rows int, mask uint32, rowCorr, colCorr *int32, accumulate bool)

// tile16x4AVX2 is the AVX2 micro-kernel of the 16-bit layout; masks points
// at 16 dword lane masks.
//
//go:noescape
func tile16x4AVX2(a, b *int16, k2 int, c *int32, ldc, rows int, masks *int32, accumulate bool)

// strided reports whether rows [0, m) of a one-tap plan are in bounds and
// equally spaced in the image (a 1x1 convolution or a matrix, whole output
// rows or a part of one): row r at base + r*step.
func (w *Window) strided(r *im2colRow, m int) (base, step int, ok bool) {
	if len(r.segs) != 1 {
		return 0, 0, false
	}
	s := r.segs[0]
	step = w.StrideW * w.PixelStride
	if m > w.OutW && w.StrideH*w.RowStride != w.OutW*step {
		return 0, 0, false
	}
	first, last := w.cursorAt(0), w.cursorAt(m-1)
	iy0, ix0 := first.origin()
	iy1, _ := last.origin()
	ix1 := ix0 + (min(m, w.OutW-first.ox+w.OutX)-1)*w.StrideW // the first row's last pixel
	if m > w.OutW-first.ox+w.OutX {
		ix0 = w.OutX*w.StrideW - w.PadLeft // a later row starts at OutX
		ix1 = (w.OutX+w.OutW-1)*w.StrideW - w.PadLeft
	}
	if !w.inside(iy0+s.dy, ix0+s.dx) || !w.inside(iy1+s.dy, ix1+s.dx) {
		return 0, 0, false
	}
	return w.pixel(iy0+s.dy, first.ox*w.StrideW-w.PadLeft+s.dx) + s.ch, step, true
}
