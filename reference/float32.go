package reference

import "math"

// fma32 returns a*b+c rounded once to float32, as an FMA instruction on
// float32 operands computes it. The product is exact in float64; the sum
// rounded to float64 can only land on a float32 halfway point by rounding,
// which the TwoSum error term breaks the right way.
func fma32(a, b, c float32) float32 {
	p, cc := float64(a)*float64(b), float64(c)
	s := p + cc
	bb := s - p
	e := (p - (s - bb)) + (cc - bb) // s + e == p + c exactly
	r := float32(s)
	if e == 0 || float64(r) == s {
		return r
	}
	n := math.Nextafter32(r, float32(math.Copysign(math.Inf(1), s-float64(r))))
	if float64(r)+float64(n) != 2*s {
		return r // s was not a halfway point, so r is right
	}
	if (e > 0) == (float64(n) > float64(r)) {
		return n
	}
	return r
}

// roundHalfAway32 rounds a float32 to the nearest integer, halves away from
// zero (C's round), saturated to int64's range.
func roundHalfAway32(x float32) float64 { return math.Round(float64(x)) }

// clampFloat limits a float to [lo, hi] then converts it, as the encoders of
// quantized engines do.
func clampFloat(x float64, lo, hi int32) int32 {
	return int32(min(max(x, float64(lo)), float64(hi)))
}
