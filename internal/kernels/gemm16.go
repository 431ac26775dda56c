package kernels

// The 16-bit layout, shared by the pure-Go and AVX2 implementations. A is
// packed in blocks of mr16 rows, each [K/2][mr16][2] int16; B in panels of
// nr16 columns, each [K/2][nr16][2] int16; both with the zero point already
// subtracted (a difference of two 8-bit values fits 16 bits), odd K padded
// with a zero column, missing rows and columns zero. The micro-kernel
// multiplies adjacent pairs and adds them (VPMADDWD), exact in 32 bits.
const (
	mr16 = 4
	nr16 = 16
)

// pack16 packs A in the 16-bit layout.
func (p *PackedA) pack16(img []byte, w *Window, k0 int, op Operand) error {
	k2 := (p.k + 1) / 2
	blocks := (p.m + mr16 - 1) / mr16
	p.i16 = grow(p.i16, blocks*k2*mr16*2)
	p.rows = grow(p.rows, p.k)
	pad, err := op.padByte()
	plan := w.rowPlan(k0, p.k)
	cur := w.cursorAt(0)
	for m := range blocks * mr16 {
		blk := p.i16[m/mr16*k2*mr16*2:][:k2*mr16*2]
		i := m % mr16
		if m >= p.m {
			for k := range 2 * k2 {
				blk[(k/2*mr16+i)*2+k%2] = 0
			}
			continue
		}
		iy, ix := cur.origin()
		cur.next()
		if !w.gather(p.rows, img, iy, ix, &plan, pad, err == nil) {
			return err
		}
		for k := range 2 * k2 {
			var v int16
			if k < p.k {
				v = int16(op.Value(p.rows[k]))
			}
			blk[(k/2*mr16+i)*2+k%2] = v
		}
	}
	return nil
}

// pack16 packs B in the 16-bit layout.
func (p *PackedB) pack16(b []byte, colStride, rowStride int, op Operand) {
	k2 := (p.k + 1) / 2
	panels := (p.n + nr16 - 1) / nr16
	p.i16 = grow(p.i16, panels*k2*nr16*2)
	for n := range panels * nr16 {
		pan := p.i16[n/nr16*k2*nr16*2:][:k2*nr16*2]
		j := n % nr16
		for k := range 2 * k2 {
			var v int16
			if n < p.n && k < p.k {
				v = int16(op.Value(b[n*colStride+k*rowStride]))
			}
			pan[(k/2*nr16+j)*2+k%2] = v
		}
	}
}

// tile16 is the 16-bit micro-kernel: it computes the rows x cols corner of
// an mr16 x nr16 tile of C from one block of A and one panel of B.
type tile16 func(c []int32, ldc int, a, b []int16, k2, rows, cols int, accumulate bool)

// tile16Go is the pure-Go micro-kernel.
func tile16Go(c []int32, ldc int, a, b []int16, k2, rows, cols int, accumulate bool) {
	var acc [mr16][nr16]int32
	for p := range k2 {
		ap, bp := a[p*mr16*2:][:mr16*2], b[p*nr16*2:][:nr16*2]
		for i := range mr16 {
			a0, a1 := int32(ap[2*i]), int32(ap[2*i+1])
			row := &acc[i]
			for j := range nr16 {
				row[j] += a0*int32(bp[2*j]) + a1*int32(bp[2*j+1])
			}
		}
	}
	for i := range rows {
		out := c[i*ldc:][:cols]
		for j := range out {
			if accumulate {
				out[j] += acc[i][j]
			} else {
				out[j] = acc[i][j]
			}
		}
	}
}

// gemm16 runs the 16-bit micro-kernel over every tile of C.
func gemm16(c []int32, ldc int, a *PackedA, b *PackedB, accumulate bool) {
	kernel := tile16Go
	if a.impl == AVX2 {
		kernel = tile16AVX2
	}
	k2 := (a.k + 1) / 2
	for n0 := 0; n0 < b.n; n0 += nr16 {
		pan := b.i16[n0/nr16*k2*nr16*2:][:k2*nr16*2]
		cols := min(nr16, b.n-n0)
		for m0 := 0; m0 < a.m; m0 += mr16 {
			blk := a.i16[m0/mr16*k2*mr16*2:][:k2*mr16*2]
			kernel(c[m0*ldc+n0:], ldc, blk, pan, k2, min(mr16, a.m-m0), cols, accumulate)
		}
	}
}
