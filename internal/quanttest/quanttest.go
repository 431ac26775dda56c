// Package quanttest draws the accumulators the property tests of the
// requantization arithmetic feed it (package quant's variants, the
// compiler's emulation sequences): every magnitude with the extremes and
// small values over-represented, and exact ties.
package quanttest

import (
	"math"
	"math/rand/v2"
)

// RandomAccumulator draws an accumulator of any magnitude, the extremes and
// small values over-represented.
func RandomAccumulator(rng *rand.Rand) int32 {
	switch rng.IntN(10) {
	case 0:
		return math.MinInt32
	case 1:
		return math.MaxInt32
	case 2, 3:
		return int32(rng.IntN(2001) - 1000)
	}
	bits := rng.IntN(32)
	return int32(rng.Int64N(int64(1)<<bits<<1) - int64(1)<<bits)
}

// TieAccumulator returns an accumulator whose exact product with 2^-total
// is a half (a tie), of either sign; 1 for a total outside 1..30.
func TieAccumulator(rng *rand.Rand, total int) int32 {
	if total < 1 || total > 30 {
		return 1
	}
	a := (2*rng.Int64N(int64(1)<<(31-total)) + 1) << (total - 1)
	if rng.IntN(2) == 0 {
		a = -a
	}
	return int32(a)
}
