package kernels

import "fmt"

// Operand describes how an 8-bit operand is read: its signedness and the
// zero point subtracted from every stored value.
type Operand struct {
	Signed bool
	Zero   int32
}

// Value decodes a stored byte and subtracts the zero point.
func (o Operand) Value(b byte) int32 {
	if o.Signed {
		return int32(int8(b)) - o.Zero
	}
	return int32(b) - o.Zero
}

// padByte is the stored byte whose value is the zero point: what a padding
// tap reads. It fails when the zero point has no byte (outside 0..255 for
// unsigned operands, -128..127 for signed ones).
func (o Operand) padByte() (byte, error) {
	lo, hi := int32(0), int32(255)
	if o.Signed {
		lo, hi = -128, 127
	}
	if o.Zero < lo || o.Zero > hi {
		return 0, fmt.Errorf("kernels: padding needs zero point %d stored in a byte (%d..%d)", o.Zero, lo, hi)
	}
	return byte(o.Zero), nil
}

// Window addresses a convolution's input windows in an NHWC image of bytes,
// without copying them: output pixel m of a tile is (OutY + m/OutW, OutX +
// m%OutW), and its window origin in the input is (oy*StrideH - PadTop,
// ox*StrideW - PadLeft). Byte Base of the image holds channel 0 of input
// pixel (TileY, TileX); pixel (iy, ix) starts RowStride*(iy-TileY) +
// PixelStride*(ix-TileX) bytes further. Taps outside the ImageH x ImageW
// input are padding and read as the zero point. As a GEMM operand, column k
// is tap k/Channels (filter row-major) and channel Channel + k%Channels.
// A matrix of M rows of K bytes, lda apart, is the window with ImageH 1,
// ImageW M, OutW M, PixelStride lda, a 1x1 filter with strides 1 and
// Channels K.
type Window struct {
	Base, RowStride, PixelStride int
	TileY, TileX                 int
	ImageH, ImageW               int
	OutY, OutX, OutW             int
	FilterH, FilterW             int
	StrideH, StrideW             int
	DilationH, DilationW         int
	PadTop, PadLeft              int
	Channel, Channels            int
}

// MatrixWindow is the window of an M x K row-major matrix whose rows are lda
// bytes apart, starting at byte base.
func MatrixWindow(base, m, k, lda int) Window {
	return Window{Base: base, PixelStride: lda, ImageH: 1, ImageW: m, OutW: m,
		FilterH: 1, FilterW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Channels: k}
}

// cursor walks the output pixels of a window in order, without divisions.
type cursor struct {
	w      *Window
	oy, ox int
}

func (w *Window) cursorAt(m int) cursor {
	return cursor{w: w, oy: w.OutY + m/w.OutW, ox: w.OutX + m%w.OutW}
}

// origin is the input coordinates of the current pixel's window origin.
func (c *cursor) origin() (iy, ix int) {
	return c.oy*c.w.StrideH - c.w.PadTop, c.ox*c.w.StrideW - c.w.PadLeft
}

func (c *cursor) next() {
	c.ox++
	if c.ox == c.w.OutX+c.w.OutW {
		c.ox, c.oy = c.w.OutX, c.oy+1
	}
}

// segment is a run of n GEMM columns, from column col, that read n
// consecutive channels from ch of the filter tap at (dy, dx).
type segment struct {
	dy, dx, ch, col, n int
}

// im2colRow is how to gather one row of columns [k0, k0+k) of the im2col
// matrix: segments of one tap each, and the same merged where consecutive
// taps are adjacent in memory (used when the whole window is in bounds).
type im2colRow struct {
	segs, merged []segment
	spanY, spanX int // extent of the filter taps from the origin
}

// rowPlan splits columns [k0, k0+k) into runs of one tap each.
func (w *Window) rowPlan(k0, k int) im2colRow {
	var r im2colRow
	for i := 0; i < k; {
		t, c := (k0+i)/w.Channels, (k0+i)%w.Channels
		n := min(w.Channels-c, k-i)
		s := segment{dy: t / w.FilterW * w.DilationH, dx: t % w.FilterW * w.DilationW, ch: w.Channel + c, col: i, n: n}
		r.segs = append(r.segs, s)
		r.spanY, r.spanX = max(r.spanY, s.dy), max(r.spanX, s.dx)
		if len(r.merged) > 0 {
			last := &r.merged[len(r.merged)-1]
			if lastEnd := last.dx*w.PixelStride + last.ch + last.n; last.dy == s.dy && lastEnd == s.dx*w.PixelStride+s.ch {
				last.n += n
				i += n
				continue
			}
		}
		r.merged = append(r.merged, s)
		i += n
	}
	return r
}

func (w *Window) inside(iy, ix int) bool {
	return iy >= 0 && iy < w.ImageH && ix >= 0 && ix < w.ImageW
}

// pixel returns the byte offset of channel 0 of input pixel (iy, ix).
func (w *Window) pixel(iy, ix int) int {
	return w.Base + (iy-w.TileY)*w.RowStride + (ix-w.TileX)*w.PixelStride
}

// gather copies one row of the im2col matrix, whose window origin is (iy,
// ix), into dst; padding taps read pad (false when one is met and pad is
// unusable).
func (w *Window) gather(dst, img []byte, iy, ix int, r *im2colRow, pad byte, padOK bool) bool {
	if iy >= 0 && iy+r.spanY < w.ImageH && ix >= 0 && ix+r.spanX < w.ImageW {
		for _, s := range r.merged {
			copyRun(dst[s.col:s.col+s.n], img[w.pixel(iy+s.dy, ix+s.dx)+s.ch:])
		}
		return true
	}
	for _, s := range r.segs {
		d := dst[s.col : s.col+s.n]
		if y, x := iy+s.dy, ix+s.dx; w.inside(y, x) {
			copyRun(d, img[w.pixel(y, x)+s.ch:])
			continue
		}
		if !padOK {
			return false
		}
		fill(d, pad)
	}
	return true
}

// copyRun copies len(dst) bytes; short runs (a few channels) in a loop,
// cheaper than a call to memmove.
func copyRun(dst, src []byte) {
	if len(dst) > 16 {
		copy(dst, src)
		return
	}
	src = src[:len(dst)]
	for i := range dst {
		dst[i] = src[i]
	}
}

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}
