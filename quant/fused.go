package quant

import (
	"math/big"
	"math/bits"
)

// RoundedSum returns a·ma + b·mb rounded once to the nearest integer, ties
// away from zero, exactly: a multiplier m stands for Q·2^(Shift-31), as
// QuantizeMultiplier makes it. It is the arithmetic of a requantization
// that adds a rescaled second operand before its one rounding (a residual
// ADD folded into the convolution that produces one of its operands),
// where the unfused layers round the convolution's output and then the
// ADD's rescaled operands and sum again.
func RoundedSum(a int32, ma Multiplier, b int32, mb Multiplier) int64 {
	e := min(ma.Shift, mb.Shift) // the sum is an integer times 2^(e-31)
	ta, oka := scaledTerm(a, ma.Q, ma.Shift-e)
	tb, okb := scaledTerm(b, mb.Q, mb.Shift-e)
	if n := 31 - e; oka && okb && n > 0 && n <= 62 { // |ta + tb| < 2^63
		return roundShift(ta+tb, n)
	}
	return roundedSumBig(a, ma, b, mb)
}

// scaledTerm is x·q·2^shift (shift >= 0) if its magnitude is below 2^62.
func scaledTerm(x, q int32, shift int) (int64, bool) {
	p := int64(x) * int64(q) // |p| <= 2^62
	mag := uint64(p)
	if p < 0 {
		mag = uint64(-p)
	}
	if bits.Len64(mag)+shift > 62 {
		return 0, false
	}
	return p << shift, true
}

// roundShift divides x by 2^n (1 <= n <= 62), rounding to nearest, ties
// away from zero.
func roundShift(x int64, n int) int64 {
	mag := uint64(x)
	if x < 0 {
		mag = uint64(-x)
	}
	r := int64((mag + 1<<(n-1)) >> n)
	if x < 0 {
		return -r
	}
	return r
}

// roundedSumBig is RoundedSum in arbitrary precision.
func roundedSumBig(a int32, ma Multiplier, b int32, mb Multiplier) int64 {
	e := min(ma.Shift, mb.Shift)
	term := func(x, q int32, shift int) *big.Int {
		t := new(big.Int).Mul(big.NewInt(int64(x)), big.NewInt(int64(q)))
		return t.Lsh(t, uint(shift-e))
	}
	sum := new(big.Int).Add(term(a, ma.Q, ma.Shift), term(b, mb.Q, mb.Shift))
	n := 31 - e
	if n <= 0 {
		sum.Lsh(sum, uint(-n))
	} else {
		neg := sum.Sign() < 0
		sum.Abs(sum)
		sum.Add(sum, new(big.Int).Lsh(big.NewInt(1), uint(n-1)))
		sum.Rsh(sum, uint(n))
		if neg {
			sum.Neg(sum)
		}
	}
	if !sum.IsInt64() {
		if sum.Sign() < 0 {
			return -1 << 62
		}
		return 1 << 62
	}
	return sum.Int64()
}
