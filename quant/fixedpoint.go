package quant

import (
	"math"
	"math/bits"
)

// This file holds gemmlowp's fixed-point primitives (fixedpoint.h), on which
// TFLite's integer kernels are built. A fixed-point value with n integer bits
// is an int32 raw value r standing for r / 2^(31-n).

// SaturatingRoundingDoublingHighMul returns the integer nearest to a*b/2^31,
// halves rounded toward +infinity, saturating the one overflowing product
// INT32_MIN*INT32_MIN to INT32_MAX (ARM's VQRDMULH).
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == math.MinInt32 && b == math.MinInt32 {
		return math.MaxInt32
	}
	return doublingHighMulNoSat(a, b)
}

// doublingHighMulNoSat is SaturatingRoundingDoublingHighMul without the
// saturation: INT32_MIN*INT32_MIN wraps to INT32_MIN.
func doublingHighMulNoSat(a, b int32) int32 {
	p := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if p < 0 {
		nudge = 1 - 1<<30
	}
	return int32((p + nudge) / (1 << 31)) // Go's division truncates, as C's does
}

// RoundingDivideByPOT divides by 2^exponent (0..31), rounding to nearest with
// halves away from zero.
func RoundingDivideByPOT(x int32, exponent int) int32 {
	mask := int32(int64(1)<<exponent - 1)
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> exponent
	if remainder > threshold {
		r++
	}
	return r
}

// MultiplyByQuantizedMultiplier is TFLite's (double-rounding) scaling of x by
// the real multiplier q*2^(shift-31): a wrapping left shift for positive
// exponents, SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT.
func MultiplyByQuantizedMultiplier(x, q int32, shift int) int32 {
	left, right := max(shift, 0), max(-shift, 0)
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x<<left, q), right)
}

// saturatingRoundingMultiplyByPOT multiplies by 2^exponent: a saturating left
// shift for positive exponents, a rounding right shift for negative ones.
func saturatingRoundingMultiplyByPOT(x int32, exponent int) int32 {
	if exponent <= 0 {
		return RoundingDivideByPOT(x, -exponent)
	}
	threshold := int32(1)<<(31-exponent) - 1
	switch {
	case x > threshold:
		return math.MaxInt32
	case x < -threshold:
		return math.MinInt32
	}
	return x << exponent
}

// roundingHalfSum returns (a+b)/2 rounded to nearest, halves away from zero.
func roundingHalfSum(a, b int32) int32 {
	sum := int64(a) + int64(b)
	sign := int64(1)
	if sum < 0 {
		sign = -1
	}
	return int32((sum + sign) / 2)
}

// rescale converts a raw value from srcBits to dstBits integer bits.
func rescale(x int32, srcBits, dstBits int) int32 {
	return saturatingRoundingMultiplyByPOT(x, srcBits-dstBits)
}

// expOnIntervalBetweenNegativeOneQuarterAnd0Excl returns exp(a) for a in
// [-1/4, 0) (0 integer bits in and out): a Taylor expansion around -1/8.
func expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a int32) int32 {
	const constantTerm = 1895147668 // exp(-1/8)
	const oneThird = 715827883
	x := a + 1<<28 // a + 1/8
	x2 := SaturatingRoundingDoublingHighMul(x, x)
	x3 := SaturatingRoundingDoublingHighMul(x2, x)
	x4 := SaturatingRoundingDoublingHighMul(x2, x2)
	x4Over4 := RoundingDivideByPOT(x4, 2)
	poly := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x4Over4+x3, oneThird)+x2, 1)
	return constantTerm + SaturatingRoundingDoublingHighMul(constantTerm, x+poly)
}

// expBarrel holds exp(-2^e) in Q0.31 for the exponents e of gemmlowp's barrel
// shifter, from -2 to 4.
var expBarrel = [...]struct {
	exponent   int
	multiplier int32
}{
	{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
	{2, 39332535}, {3, 720401}, {4, 242},
}

// ExpOnNegativeValues returns exp(a) in Q0.31 for a <= 0 given with
// integerBits integer bits (gemmlowp's exp_on_negative_values).
func ExpOnNegativeValues(a int32, integerBits int) int32 {
	fracBits := 31 - integerBits
	quarter := int32(1) << (fracBits - 2)
	aModQuarterMinusQuarter := (a & (quarter - 1)) - quarter
	result := expOnIntervalBetweenNegativeOneQuarterAnd0Excl(rescale(aModQuarterMinusQuarter, integerBits, 0))
	remainder := aModQuarterMinusQuarter - a
	for _, b := range expBarrel {
		if integerBits > b.exponent && remainder&(int32(1)<<(fracBits+b.exponent)) != 0 {
			result = SaturatingRoundingDoublingHighMul(result, b.multiplier)
		}
	}
	if integerBits > 5 && a < -(int32(1)<<(36-integerBits)) { // a < -32
		result = 0
	}
	if a == 0 {
		result = math.MaxInt32
	}
	return result
}

// oneOverOnePlusXForXIn01 returns 1/(1+a) in Q0.31 for a in (0, 1) in Q0.31,
// by three Newton-Raphson steps from the 48/17 - 32/17 x estimate.
func oneOverOnePlusXForXIn01(a int32) int32 {
	const fortyEightOver17 = 1515870810 // Q2.29
	const negThirtyTwoOver17 = -1010580540
	const oneQ2 = 1 << 29
	halfDenominator := roundingHalfSum(a, math.MaxInt32)
	x := fortyEightOver17 + SaturatingRoundingDoublingHighMul(halfDenominator, negThirtyTwoOver17)
	for range 3 {
		oneMinus := oneQ2 - SaturatingRoundingDoublingHighMul(halfDenominator, x)
		x += rescale(SaturatingRoundingDoublingHighMul(x, oneMinus), 4, 2)
	}
	return rescale(x, 1, 0) // x/2 in Q1.30, read as Q0.31
}

// FixedPointLogistic returns 1/(1+exp(-a)) in Q0.31 for a given with
// integerBits integer bits (gemmlowp's logistic).
func FixedPointLogistic(a int32, integerBits int) int32 {
	switch {
	case a == 0:
		return 1 << 30
	case a > 0:
		return oneOverOnePlusXForXIn01(ExpOnNegativeValues(-a, integerBits))
	}
	return math.MaxInt32 - oneOverOnePlusXForXIn01(ExpOnNegativeValues(a, integerBits))
}

// GetReciprocal returns 1/x for a positive x with integerDigits integer bits,
// as a Q0.31 value and the number of bits by which x exceeds one (TFLite's
// GetReciprocal): 1/x = raw/2^31 / 2^bitsOverUnit.
func GetReciprocal(x int32, integerDigits int) (raw int32, bitsOverUnit int) {
	headroomPlusOne := bits.LeadingZeros32(uint32(x))
	bitsOverUnit = integerDigits - headroomPlusOne
	shiftedMinusOne := int32(uint32(x)<<headroomPlusOne - 1<<31)
	return oneOverOnePlusXForXIn01(shiftedMinusOne), bitsOverUnit
}
