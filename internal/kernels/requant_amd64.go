//go:build !purego

package kernels

import (
	"math"

	"github.com/npusim/npusim/quant"
)

func init() {
	requantSIMD[AVX512VNNI] = requantAVX512
}

// requantAVX512 runs the AVX-512 kernel of the variant's family when every
// column's multiplier is in the range the kernel handles.
func requantAVX512(r *requant, v quant.Variant, mult []quant.Multiplier) bool {
	lo, hi := int64(r.lo)-int64(r.zp), int64(r.hi)-int64(r.zp)
	if lo != int64(int32(lo)) || hi != int64(int32(hi)) {
		return false // bounds the kernels cannot shift by the zero point
	}
	lim := [3]int32{r.zp, int32(lo), int32(hi)}
	switch v.Mode {
	case quant.DoubleRounding:
		requantDoubleAVX512(r, mult, &lim)
		return true
	case quant.SingleRounding, quant.RoundHalfAway, quant.Truncate, quant.Mult24:
		return requantSingleAVX512(r, v, mult, &lim)
	case quant.FP32:
		return requantFP32AVX512(r, mult)
	}
	return false
}

// columnConsts lays out per-column int32 constants as vectors of sixteen
// columns: field f of column n at f*padded + n.
func columnConsts(cols, fields int) (c []int32, padded int) {
	padded = (cols + 15) &^ 15
	return make([]int32, fields*padded), padded
}

// requantDoubleAVX512 prepares each column's bias, Q, shifts and rounding
// masks and runs the double-rounding kernel.
func requantDoubleAVX512(r *requant, mult []quant.Multiplier, lim *[3]int32) {
	c, padded := columnConsts(len(mult), 6)
	for n, m := range mult {
		rt := min(max(-m.Shift, 0), 63)
		mask := int32(int64(1)<<rt - 1)
		for f, x := range [6]int32{r.biasOf(n), m.Q, int32(min(max(m.Shift, 0), 63)), int32(rt), mask, mask >> 1} {
			c[f*padded+n] = x
		}
	}
	requantDoubleRoundingAVX512(&r.dst[0], r.dstStride, &r.acc[0], r.accStride, r.rows, len(mult), &c[0], padded, lim)
}

// requantSingleAVX512 prepares the single-rounding family's constants: the
// bias and Q per column, and per 64-bit product lane the shift, the
// rounding constant and whether negative products round away from zero.
// Shifts outside 1..62 (multipliers of 2^-62 or less, or of 1 or more) stay
// in Go.
func requantSingleAVX512(r *requant, v quant.Variant, mult []quant.Multiplier, lim *[3]int32) bool {
	c, padded := columnConsts(len(mult), 2)
	q := make([]int64, 3*padded) // shift, rounding constant, away mask
	for n, m := range mult {
		total := v.FracBits() - m.Shift
		if total < 1 || total > 62 {
			return false
		}
		c[n], c[padded+n] = r.biasOf(n), m.Q
		lane := n&^15 + n%2*8 + n%16/2 // even columns first, then odd ones
		q[lane] = int64(total)
		if v.Mode != quant.Truncate {
			q[padded+lane] = 1 << (total - 1)
		}
		if v.Mode == quant.RoundHalfAway {
			q[2*padded+lane] = -1
		}
	}
	requantSingleRoundingAVX512(&r.dst[0], r.dstStride, &r.acc[0], r.accStride, r.rows, len(mult),
		&c[0], &q[0], padded, lim)
	return true
}

// requantFP32AVX512 prepares each column's bias and scale; scales that are
// not finite stay in Go.
func requantFP32AVX512(r *requant, mult []quant.Multiplier) bool {
	c, padded := columnConsts(len(mult), 2)
	for n, m := range mult {
		if s := float64(m.Scale); math.IsNaN(s) || math.IsInf(s, 0) {
			return false
		}
		c[n], c[padded+n] = r.biasOf(n), int32(math.Float32bits(m.Scale))
	}
	lim := [3]float32{float32(r.lo - r.zp), float32(r.hi - r.zp)}
	requantFP32AVX512Kernel(&r.dst[0], r.dstStride, &r.acc[0], r.accStride, r.rows, len(mult), &c[0], padded, &lim, r.zp)
	return true
}

// requantDoubleRoundingAVX512 is gemmlowp's double rounding on sixteen
// columns at a time: consts holds six vectors of padded values (bias, Q,
// left, right, mask, half mask), lim the zero point and the clamp bounds
// less the zero point.
//
//go:noescape
func requantDoubleRoundingAVX512(dst *byte, dstStride int, acc *int32, accStride, rows, cols int,
	consts *int32, padded int, lim *[3]int32)

// requantSingleRoundingAVX512 is the single-rounding family on sixteen
// columns at a time: consts holds the bias and Q vectors, q64 three arrays
// of padded 64-bit values per product lane (even columns of a block of
// sixteen, then odd ones): shift, rounding constant, away mask.
//
//go:noescape
func requantSingleRoundingAVX512(dst *byte, dstStride int, acc *int32, accStride, rows, cols int,
	consts *int32, q64 *int64, padded int, lim *[3]int32)

// requantFP32AVX512Kernel scales in float32, clamps to lim[0..1] (the bounds
// less the zero point), rounds half to even and adds zp.
//
//go:noescape
func requantFP32AVX512Kernel(dst *byte, dstStride int, acc *int32, accStride, rows, cols int,
	consts *int32, padded int, lim *[3]float32, zp int32)
