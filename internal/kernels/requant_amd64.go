package kernels

import "github.com/npusim/npusim/quant"

func init() {
	requantDoubleSIMD[AVX512VNNI] = requantDoubleAVX512
}

// requantDoubleAVX512 prepares each column's constants, sixteen columns to a
// vector, and runs the double-rounding kernel.
func requantDoubleAVX512(r *requant, mult []quant.Multiplier) {
	if lo, hi := int64(r.lo)-int64(r.zp), int64(r.hi)-int64(r.zp); lo != int64(int32(lo)) || hi != int64(int32(hi)) {
		r.doubleRounding(mult) // bounds the kernel cannot shift by the zero point
		return
	}
	cols := len(mult)
	padded := (cols + 15) &^ 15
	// Per column: bias, Q, left shift, right shift, mask, half mask.
	c := make([]int32, 6*padded)
	bias, q, left, right, mask, half := c[:padded], c[padded:2*padded], c[2*padded:3*padded], c[3*padded:4*padded], c[4*padded:5*padded], c[5*padded:]
	for n, m := range mult {
		bias[n], q[n] = r.biasOf(n), m.Q
		l, rt := min(max(m.Shift, 0), 63), min(max(-m.Shift, 0), 63)
		left[n], right[n] = int32(l), int32(rt)
		mask[n] = int32(int64(1)<<rt - 1)
		half[n] = mask[n] >> 1
	}
	lim := [3]int32{r.zp, r.lo - r.zp, r.hi - r.zp}
	requantDoubleRoundingAVX512(&r.dst[0], r.dstStride, &r.acc[0], r.accStride, r.rows, cols, &c[0], padded, &lim)
}

// requantDoubleRoundingAVX512 is gemmlowp's double rounding on sixteen
// columns at a time: consts holds six vectors of padded values (bias, Q,
// left, right, mask, half mask), lim the zero point and the clamp bounds
// less the zero point.
//
//go:noescape
func requantDoubleRoundingAVX512(dst *byte, dstStride int, acc *int32, accStride, rows, cols int, consts *int32, padded int, lim *[3]int32)
