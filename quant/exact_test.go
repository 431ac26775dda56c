package quant

import (
	"math"
	"math/big"
)

// This file defines, in exact rational arithmetic, what each requantization
// variant is specified to compute (QUANT.md sections 4 and 5). The property
// tests hold the fast int64 implementations to these definitions.

var (
	bigOne  = big.NewInt(1)
	bigMin  = big.NewInt(math.MinInt32)
	bigMax  = big.NewInt(math.MaxInt32)
	bigHalf = big.NewRat(1, 2)
)

// floorRat returns floor(r).
func floorRat(r *big.Rat) *big.Int {
	q, m := new(big.Int).DivMod(r.Num(), r.Denom(), new(big.Int))
	_ = m // DivMod is Euclidean: with a positive denominator q is the floor
	return q
}

// roundHalfUp returns floor(r + 1/2): nearest, halves toward +infinity.
func roundHalfUp(r *big.Rat) *big.Int {
	return floorRat(new(big.Rat).Add(r, bigHalf))
}

// roundHalfAway returns the nearest integer, halves away from zero.
func roundHalfAway(r *big.Rat) *big.Int {
	if r.Sign() >= 0 {
		return roundHalfUp(r)
	}
	return new(big.Int).Neg(roundHalfUp(new(big.Rat).Neg(r)))
}

// satInt32 saturates to the int32 range.
func satInt32(x *big.Int) int32 {
	switch {
	case x.Cmp(bigMin) < 0:
		return math.MinInt32
	case x.Cmp(bigMax) > 0:
		return math.MaxInt32
	}
	return int32(x.Int64())
}

// wrapInt32 reduces modulo 2^32 into the int32 range (two's complement).
func wrapInt32(x *big.Int) int32 {
	m := new(big.Int).And(x, big.NewInt(0xffffffff))
	return int32(uint32(m.Uint64()))
}

// pow2 returns 2^e as a rational (e may be negative).
func pow2(e int) *big.Rat {
	if e >= 0 {
		return new(big.Rat).SetInt(new(big.Int).Lsh(bigOne, uint(e)))
	}
	return new(big.Rat).SetFrac(bigOne, new(big.Int).Lsh(bigOne, uint(-e)))
}

// exactScale is the specification of Variant.Scale.
func exactScale(v Variant, acc int32, m Multiplier) int32 {
	switch v.Mode {
	case DoubleRounding, DoubleRoundingNoSat:
		left, right := max(m.Shift, 0), max(-m.Shift, 0)
		// the left shift happens in int32 and wraps, as in TFLite
		x := wrapInt32(new(big.Int).Lsh(big.NewInt(int64(acc)), uint(left)))
		var high int32
		if x == math.MinInt32 && m.Q == math.MinInt32 && v.Mode == DoubleRounding {
			high = math.MaxInt32
		} else {
			p := new(big.Rat).SetInt(new(big.Int).Mul(big.NewInt(int64(x)), big.NewInt(int64(m.Q))))
			high = wrapInt32(roundHalfUp(p.Mul(p, pow2(-31))))
		}
		r := new(big.Rat).SetInt64(int64(high))
		return satInt32(roundHalfAway(r.Mul(r, pow2(-right))))
	case FP32:
		f := new(big.Float).SetPrec(24).SetMode(big.ToNearestEven).SetInt64(int64(acc))
		f.Mul(f, big.NewFloat(float64(m.Scale)))
		r, _ := f.Rat(nil)
		// round half to even on the float32 product
		fl := floorRat(r)
		frac := new(big.Rat).Sub(r, new(big.Rat).SetInt(fl))
		switch c := frac.Cmp(bigHalf); {
		case c > 0, c == 0 && fl.Bit(0) == 1:
			fl.Add(fl, bigOne)
		}
		return satInt32(fl)
	}
	p := new(big.Rat).SetInt(new(big.Int).Mul(big.NewInt(int64(acc)), big.NewInt(int64(m.Q))))
	p.Mul(p, pow2(m.Shift-v.FracBits()))
	switch v.Mode {
	case Truncate:
		return satInt32(floorRat(p))
	case RoundHalfAway:
		return satInt32(roundHalfAway(p))
	}
	return satInt32(roundHalfUp(p))
}

// exactQuantizeMultiplier is the specification of QuantizeMultiplier for m > 0:
// the Q31 significand of m rounded half away from zero, renormalised on carry.
func exactQuantizeMultiplier(m float64) (int32, int) {
	_, exp := math.Frexp(m)
	r := new(big.Rat).SetFloat64(m)
	q := roundHalfAway(r.Mul(r, pow2(31-exp)))
	if q.Cmp(new(big.Int).Lsh(bigOne, 31)) == 0 {
		q.Rsh(q, 1)
		exp++
	}
	if exp < -31 {
		return 0, 0
	}
	return int32(q.Int64()), exp
}
