package kernels

import (
	"fmt"
	"math"

	"github.com/npusim/npusim/quant"
)

// Requantize turns an int32 block into 8-bit outputs with the best
// implementation; see [Impl.Requantize].
func Requantize(dst []byte, dstStride int, acc []int32, accStride, rows, cols int,
	bias []int32, mult []quant.Multiplier, v quant.Variant, zp, lo, hi int32) {
	best.Requantize(dst, dstStride, acc, accStride, rows, cols, bias, mult, v, zp, lo, hi)
}

// Requantize writes, for m < rows and n < cols, the low byte of
//
//	v.Requantize(acc[m*accStride+n] + bias[n], mult[n], zp, lo, hi)
//
// to dst[m*dstStride+n], the bias added in wrapping int32 arithmetic (bias
// nil adds nothing). The variant's dispatch is made once per call and each
// column's multiplier decoded once; results are bit for bit those of quant.
func (im Impl) Requantize(dst []byte, dstStride int, acc []int32, accStride, rows, cols int,
	bias []int32, mult []quant.Multiplier, v quant.Variant, zp, lo, hi int32) {
	if rows < 1 || cols < 1 {
		return
	}
	fewColumns := len(mult) < cols || (bias != nil && len(bias) < cols)
	shortBlock := len(acc) < (rows-1)*accStride+cols || len(dst) < (rows-1)*dstStride+cols
	if fewColumns || shortBlock {
		panic(fmt.Sprintf("kernels: Requantize of %dx%d with %d multipliers, %d biases, %d accumulators, %d outputs",
			rows, cols, len(mult), len(bias), len(acc), len(dst)))
	}
	r := requant{dst: dst, dstStride: dstStride, acc: acc, accStride: accStride, rows: rows, cols: cols,
		bias: bias, zp: zp, lo: lo, hi: hi}
	mult = mult[:cols]
	if requantSIMD[im] != nil && requantSIMD[im](&r, v, mult) {
		return
	}
	switch v.Mode {
	case quant.DoubleRounding:
		r.doubleRounding(mult)
	case quant.FP32:
		r.fp32(mult)
	case quant.SingleRounding, quant.RoundHalfAway, quant.Truncate, quant.Mult24:
		r.singleRounding(v, mult)
	default:
		r.each(func(acc int32, n int) int32 { return v.Requantize(acc, mult[n], zp, lo, hi) })
	}
}

// requantSIMD holds the SIMD requantizers, per implementation; they return
// false for the variants and multipliers they leave to Go.
var requantSIMD [numImpls]func(r *requant, v quant.Variant, mult []quant.Multiplier) bool

// requant is one Requantize call.
type requant struct {
	dst                   []byte
	dstStride             int
	acc                   []int32
	accStride, rows, cols int
	bias                  []int32
	zp, lo, hi            int32
}

func (r *requant) biasOf(n int) int32 {
	if r.bias == nil {
		return 0
	}
	return r.bias[n]
}

// each stores f(accumulator plus bias, column) for every element, row by
// row: the generic path of the rarer variants.
func (r *requant) each(f func(acc int32, n int) int32) {
	bias := r.biases()
	for i := range r.rows {
		acc, dst := r.acc[i*r.accStride:][:r.cols], r.dst[i*r.dstStride:][:r.cols]
		for n, a := range acc {
			dst[n] = byte(f(a+bias[n], n))
		}
	}
}

func (r *requant) biases() []int32 {
	bias := make([]int32, r.cols)
	for n := range bias {
		bias[n] = r.biasOf(n)
	}
	return bias
}

// doubleRounding is gemmlowp's MultiplyByQuantizedMultiplier, the shifts
// split once per column.
func (r *requant) doubleRounding(mult []quant.Multiplier) {
	bias, left, right := r.biases(), make([]int, r.cols), make([]int, r.cols)
	for n, m := range mult {
		left[n], right[n] = max(m.Shift, 0), max(-m.Shift, 0)
	}
	for i := range r.rows {
		acc, dst := r.acc[i*r.accStride:][:r.cols], r.dst[i*r.dstStride:][:r.cols]
		for n, a := range acc {
			q := quant.RoundingDivideByPOT(quant.SaturatingRoundingDoublingHighMul((a+bias[n])<<left[n], mult[n].Q), right[n])
			dst[n] = byte(quant.Clamp(int64(q)+int64(r.zp), r.lo, r.hi))
		}
	}
}

// fp32 scales in float32, clamps in float and rounds half to even.
func (r *requant) fp32(mult []quant.Multiplier) {
	bias, lo, hi := r.biases(), float32(r.lo-r.zp), float32(r.hi-r.zp)
	for i := range r.rows {
		acc, dst := r.acc[i*r.accStride:][:r.cols], r.dst[i*r.dstStride:][:r.cols]
		for n, a := range acc {
			f := min(max(float32(a+bias[n])*mult[n].Scale, lo), hi)
			dst[n] = byte(int32(math.RoundToEven(float64(f))) + r.zp)
		}
	}
}

// singleRounding multiplies in 64 bits and rounds once, the rounding of
// each column resolved once.
func (r *requant) singleRounding(v quant.Variant, mult []quant.Multiplier) {
	bias, sr := r.biases(), make([]shiftRounder, r.cols)
	for n, m := range mult {
		sr[n] = newShiftRounder(v.Mode, v.FracBits()-m.Shift)
	}
	for i := range r.rows {
		acc, dst := r.acc[i*r.accStride:][:r.cols], r.dst[i*r.dstStride:][:r.cols]
		for n, a := range acc {
			q := sr[n].apply(int64(a+bias[n]) * int64(mult[n].Q))
			dst[n] = byte(quant.Clamp(int64(q)+int64(r.zp), r.lo, r.hi))
		}
	}
}

// shiftRounder divides 64-bit products by 2^total with a single-rounding
// mode's rounding, saturating to int32, as quant's Variant.Scale does for
// that family; the mode's branches are resolved once per column.
type shiftRounder struct {
	total      int
	add        int64 // rounding constant
	awayBelow0 bool  // round-half-away: one less for negative products
	truncNeg   bool  // truncating beyond 62 bits: -1 for negative products
}

func newShiftRounder(mode quant.Mode, total int) shiftRounder {
	s := shiftRounder{total: total}
	if total > 0 && total <= 62 && mode != quant.Truncate {
		s.add = 1 << (total - 1)
		s.awayBelow0 = mode == quant.RoundHalfAway
	}
	s.truncNeg = mode == quant.Truncate
	return s
}

func (s shiftRounder) apply(p int64) int32 {
	switch {
	case p == 0:
		return 0
	case s.total <= 0:
		if -s.total >= 31 || p > math.MaxInt64>>-s.total || p < math.MinInt64>>-s.total {
			if p > 0 {
				return math.MaxInt32
			}
			return math.MinInt32
		}
		return saturate64(p << -s.total)
	case s.total > 62:
		if s.truncNeg && p < 0 {
			return -1
		}
		return 0
	}
	if s.awayBelow0 && p < 0 {
		p--
	}
	return saturate64((p + s.add) >> s.total)
}

func saturate64(x int64) int32 {
	return int32(min(max(x, math.MinInt32), math.MaxInt32))
}
