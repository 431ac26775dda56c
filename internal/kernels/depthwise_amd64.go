//go:build !purego

package kernels

import "fmt"

func init() {
	dwRunSIMD[AVX512VNNI] = func(d *depthwise, acc []int32, accStride, at, pixStride, n int, taps []dwTap) {
		d.checkRun(at, pixStride, n, taps)
		kernel := dwPixelsUnsignedAVX512
		if d.x.Signed {
			kernel = dwPixelsSignedAVX512
		}
		kernel(&acc[0], accStride, &d.img[0], at, pixStride, n, tapsPtr(taps), len(taps), &d.w32[0], d.cout, d.x.Zero)
	}
	dwRunSIMD[AVX2] = func(d *depthwise, acc []int32, accStride, at, pixStride, n int, taps []dwTap) {
		d.checkRun(at, pixStride, n, taps)
		flip, zero := dwFlip(d.x)
		if c8 := d.cout &^ 7; c8 > 0 {
			dwPixelsAVX2(&acc[0], accStride, &d.img[0], at, pixStride, n, tapsPtr(taps), len(taps), &d.w32[0], c8, flip, zero)
		}
		if d.cout%8 != 0 {
			dwChannelsGo(d, acc, accStride, at, pixStride, n, taps, d.cout&^7)
		}
	}
}

// checkRun panics unless every byte the assembly will read lies in the
// image, as Go's bounds checks would.
func (d *depthwise) checkRun(at, pixStride, n int, taps []dwTap) {
	for _, t := range taps {
		if lo, hi := at+t.in, at+(n-1)*pixStride+t.in+d.cout; lo < 0 || hi > len(d.img) {
			panic(fmt.Sprintf("kernels: Depthwise: window reads bytes [%d, %d) of a %d-byte image", lo, hi, len(d.img)))
		}
	}
}

// dwFlip returns the byte XOR that turns stored values into unsigned ones
// (x+128 for signed) and the zero point in that domain.
func dwFlip(x Operand) (flip uint32, zero int32) {
	if x.Signed {
		return 0x80808080, x.Zero + 128
	}
	return 0, x.Zero
}

func tapsPtr(taps []dwTap) *dwTap {
	if len(taps) == 0 {
		return nil
	}
	return &taps[0]
}

// dwPixelsSignedAVX512, dwPixelsUnsignedAVX512 and dwPixelsAVX2 compute n
// output pixels of a depthwise convolution with channel multiplier 1 and
// cout channels (a multiple of 8 for AVX2): pixel i's window origin is at
// src + at + i*pixStride, its accumulators at acc + i*accStride, and tap t
// adds (input - zero) times the prepared weights at w + taps[t].w, for the
// input at taps[t].in from the origin: int8 or uint8 for AVX-512, for AVX2
// the zero-extended bytes XOR flip.
//
//go:noescape
func dwPixelsSignedAVX512(acc *int32, accStride int, src *byte, at, pixStride, n int,
	taps *dwTap, ntaps int, w *int32, cout int, zero int32)

//go:noescape
func dwPixelsUnsignedAVX512(acc *int32, accStride int, src *byte, at, pixStride, n int,
	taps *dwTap, ntaps int, w *int32, cout int, zero int32)

//go:noescape
func dwPixelsAVX2(acc *int32, accStride int, src *byte, at, pixStride, n int,
	taps *dwTap, ntaps int, w *int32, cout int, flip uint32, zero int32)
