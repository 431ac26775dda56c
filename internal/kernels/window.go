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

// origin returns the input coordinates of output pixel m's window origin.
func (w *Window) origin(m int) (iy, ix int) {
	oy, ox := w.OutY+m/w.OutW, w.OutX+m%w.OutW
	return oy*w.StrideH - w.PadTop, ox*w.StrideW - w.PadLeft
}

// tap returns the input offset of filter tap t from the window origin.
func (w *Window) tap(t int) (dy, dx int) {
	return t / w.FilterW * w.DilationH, t % w.FilterW * w.DilationW
}

func (w *Window) inside(iy, ix int) bool {
	return iy >= 0 && iy < w.ImageH && ix >= 0 && ix < w.ImageW
}

// pixel returns the byte offset of channel 0 of input pixel (iy, ix).
func (w *Window) pixel(iy, ix int) int {
	return w.Base + (iy-w.TileY)*w.RowStride + (ix-w.TileX)*w.PixelStride
}

// run returns where columns [k0, k0+k) of row m lie when they are one
// contiguous in-bounds run of the image (one tap), else ok false.
func (w *Window) run(m, k0, k int) (addr int, ok bool) {
	t := k0 / w.Channels
	if (k0+k-1)/w.Channels != t {
		return 0, false
	}
	iy, ix := w.origin(m)
	dy, dx := w.tap(t)
	if !w.inside(iy+dy, ix+dx) {
		return 0, false
	}
	return w.pixel(iy+dy, ix+dx) + w.Channel + k0%w.Channels, true
}

// gatherRow copies columns [k0, k0+len(dst)) of row m into dst, padding
// taps as pad (ok false when a padding tap is met and pad is unusable).
func (w *Window) gatherRow(dst, img []byte, m, k0 int, pad byte, padOK bool) bool {
	iy0, ix0 := w.origin(m)
	for i := 0; i < len(dst); {
		kk := k0 + i
		t, c := kk/w.Channels, kk%w.Channels
		n := min(w.Channels-c, len(dst)-i)
		dy, dx := w.tap(t)
		if iy, ix := iy0+dy, ix0+dx; w.inside(iy, ix) {
			a := w.pixel(iy, ix) + w.Channel + c
			copy(dst[i:i+n], img[a:a+n])
		} else {
			if !padOK {
				return false
			}
			fill(dst[i:i+n], pad)
		}
		i += n
	}
	return true
}

func fill(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}
