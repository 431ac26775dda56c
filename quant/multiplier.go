package quant

import "math"

// QuantizeMultiplier converts a real multiplier m >= 0 into a Q31 fixed-point
// significand q (in [2^30, 2^31), or 0) and a power-of-two exponent shift, so
// that m ~= q * 2^(shift-31). It follows TFLite's QuantizeMultiplier in the
// legacy (double-rounding) build: frexp, round half away from zero, carry when
// the rounding reaches 2^31, and flush multipliers below 2^-32 to zero.
func QuantizeMultiplier(m float64) (q int32, shift int) {
	if m == 0 {
		return 0, 0
	}
	frac, exp := math.Frexp(m)
	qf := int64(math.Round(frac * (1 << 31)))
	if qf == 1<<31 {
		qf /= 2
		exp++
	}
	if exp < -31 {
		return 0, 0
	}
	return int32(qf), exp
}

// QuantizeMultiplierSingleRounding is QuantizeMultiplier as built with
// TFLITE_SINGLE_ROUNDING, which additionally clamps exponents above 30 to 30
// with the largest significand, so that the total right shift 31-shift of a
// single rounding is at least 1.
func QuantizeMultiplierSingleRounding(m float64) (q int32, shift int) {
	q, shift = QuantizeMultiplier(m)
	if shift > 30 {
		return 1<<31 - 1, 30
	}
	return q, shift
}

// RealMultiplier computes inScale*weightScale/outScale in float64 from float32
// scales, as TFLite's GetQuantizedConvolutionMultipler does.
func RealMultiplier(inScale, weightScale, outScale float32) float64 {
	return float64(inScale) * float64(weightScale) / float64(outScale)
}

// Float32Scale computes inScale*weightScale/outScale one operation at a time in
// float32, as XNNPACK and ONNX Runtime compute their requantization scale. The
// explicit conversions keep a compiler from fusing the two operations.
func Float32Scale(inScale, weightScale, outScale float32) float32 {
	p := float32(inScale * weightScale)
	return float32(p / outScale)
}
