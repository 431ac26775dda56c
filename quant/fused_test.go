package quant

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactRoundedSum is a·ma + b·mb rounded half away from zero, in rationals.
func exactRoundedSum(a int32, ma Multiplier, b int32, mb Multiplier) *big.Int {
	term := func(x, q int32, shift int) *big.Rat {
		r := new(big.Rat).SetInt64(int64(x) * int64(q))
		p := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(max(shift-31, 31-shift))))
		if shift >= 31 {
			return r.Mul(r, p)
		}
		return r.Quo(r, p)
	}
	sum := new(big.Rat).Add(term(a, ma.Q, ma.Shift), term(b, mb.Q, mb.Shift))
	neg := sum.Sign() < 0
	sum.Abs(sum)
	sum.Add(sum, big.NewRat(1, 2))
	q := new(big.Int).Quo(sum.Num(), sum.Denom()) // floor(|x| + 1/2)
	if neg {
		q.Neg(q)
	}
	return q
}

// TestRoundedSumIsExact holds RoundedSum to exact rational arithmetic on
// random operands and multipliers, ties and the extremes included: the fast
// 64-bit path and the big-integer one agree with the rationals.
func TestRoundedSumIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	mult := func() Multiplier {
		q, shift := QuantizeMultiplier(rng.Float64() * []float64{1e-6, 1e-3, 0.5, 2, 300}[rng.IntN(5)])
		return Multiplier{Q: q, Shift: shift}
	}
	cases := []struct {
		a, b   int32
		ma, mb Multiplier
	}{
		{1, 1, Multiplier{Q: 1 << 30, Shift: 0}, Multiplier{Q: 1 << 30, Shift: 0}},  // 0.5 + 0.5 = 1
		{1, 0, Multiplier{Q: 1 << 30, Shift: 0}, Multiplier{Q: 1 << 30, Shift: 0}},  // a tie: 0.5 -> 1
		{-1, 0, Multiplier{Q: 1 << 30, Shift: 0}, Multiplier{Q: 1 << 30, Shift: 0}}, // -0.5 -> -1
		{-3, 1, Multiplier{Q: 1 << 30, Shift: 0}, Multiplier{Q: 1 << 30, Shift: 0}}, // -1.5 + 0.5 = -1
		{-1 << 31, -255, Multiplier{Q: 1<<31 - 1, Shift: 30}, Multiplier{Q: 1<<31 - 1, Shift: -31}},
		{1<<31 - 1, 255, Multiplier{Q: 1<<31 - 1, Shift: -31}, Multiplier{Q: 1 << 30, Shift: 20}},
	}
	for range 20000 {
		cases = append(cases, struct {
			a, b   int32
			ma, mb Multiplier
		}{int32(rng.Uint32()) >> rng.IntN(32), int32(rng.IntN(511) - 255), mult(), mult()})
	}
	for _, c := range cases {
		want := exactRoundedSum(c.a, c.ma, c.b, c.mb)
		if !want.IsInt64() || want.Int64() > 1<<62 || want.Int64() < -1<<62 {
			continue // beyond what any output grid holds: RoundedSum saturates there
		}
		if got := RoundedSum(c.a, c.ma, c.b, c.mb); got != want.Int64() {
			t.Fatalf("RoundedSum(%d, %+v, %d, %+v) = %d, want %v", c.a, c.ma, c.b, c.mb, got, want)
		}
	}
}
