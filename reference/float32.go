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
