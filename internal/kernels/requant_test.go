package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/quant"
)

// randMultiplier draws a channel multiplier: when typical, derived from a
// real scale between 1e-6 and 10 (what layers have, and what the SIMD
// kernels take); else also from many more decades, or raw fixed-point
// fields with extreme Q and shifts.
func randMultiplier(rng *rand.Rand, v quant.Variant, typical bool) quant.Multiplier {
	if typical {
		return v.MultiplierFromReal(math.Pow(10, -6+7*rng.Float64()))
	}
	if rng.IntN(4) == 0 { // a power of two with a right shift: exact ties
		q := int32(1) << rng.IntN(31)
		return quant.Multiplier{Q: q, Shift: v.FracBits() - 1 - rng.IntN(40), Scale: 0.5}
	}
	if rng.IntN(3) > 0 {
		return v.MultiplierFromReal(math.Pow(10, -10+12*rng.Float64()))
	}
	q := [...]int32{math.MinInt32, math.MaxInt32, 1 << 30, 0, -1}[rng.IntN(5)]
	if rng.IntN(2) == 0 {
		q = int32(rng.Uint32())
	}
	return quant.Multiplier{Q: q, Shift: rng.IntN(100) - 60, Scale: float32(math.Pow(10, -8+10*rng.Float64()))}
}

func randAcc(rng *rand.Rand) int32 {
	switch rng.IntN(5) {
	case 0:
		return [...]int32{math.MinInt32, math.MaxInt32, 0, -1, 1}[rng.IntN(5)]
	case 1:
		return rng.Int32N(2001) - 1000
	}
	return int32(rng.Uint32())
}

func TestRequantizeMatchesQuant(t *testing.T) {
	variants := append(quant.Variants(), quant.Variant{Mode: quant.Truncate, Bits: 20}, quant.Variant{Mode: quant.RoundHalfAway, Bits: 12})
	for seed := uint64(1); seed <= 600; seed++ {
		rng := rand.New(rand.NewPCG(seed, 29))
		v := variants[int(seed/2)%len(variants)]
		if seed%2 == 0 {
			v = quant.VariantDoubleRounding // the SIMD kernel
		}
		rows, cols := 1+rng.IntN(9), 1+rng.IntN(40)
		accStride, dstStride := cols+rng.IntN(3), cols+rng.IntN(3)
		acc := make([]int32, rows*accStride)
		for i := range acc {
			acc[i] = randAcc(rng)
		}
		var bias []int32
		if rng.IntN(4) > 0 {
			bias = make([]int32, cols)
			for i := range bias {
				bias[i] = randAcc(rng)
			}
		}
		mult, typical := make([]quant.Multiplier, cols), rng.IntN(2) == 0
		for i := range mult {
			mult[i] = randMultiplier(rng, v, typical)
		}
		typ := []quant.Type{quant.Int8, quant.Uint8}[rng.IntN(2)]
		zp := typ.Min() + rng.Int32N(256)
		lo, hi := quant.Activation(rng.IntN(4)).Range(typ, 0.05+rng.Float32(), zp)
		for _, im := range Available() {
			dst := make([]byte, rows*dstStride)
			im.Requantize(dst, dstStride, acc, accStride, rows, cols, bias, mult, v, zp, lo, hi)
			for m := range rows {
				for n := range cols {
					var b int32
					if bias != nil {
						b = bias[n]
					}
					want := byte(v.Requantize(acc[m*accStride+n]+b, mult[n], zp, lo, hi))
					if got := dst[m*dstStride+n]; got != want {
						t.Fatalf("seed %d: %v on %v: acc %d bias %d multiplier %+v zp %d [%d, %d]: got %d, quant %d",
							seed, im, v, acc[m*accStride+n], b, mult[n], zp, lo, hi, got, want)
					}
				}
			}
		}
	}
}

// TestRequantizeTies sweeps small accumulators through multipliers of 2^-1
// to 2^-4, where half of the results are exact ties, for every variant.
func TestRequantizeTies(t *testing.T) {
	const cols = 4
	acc := make([]int32, 501*cols)
	for i := range acc {
		acc[i] = int32(i/cols) - 250
	}
	variants := append(quant.Variants(), quant.Variant{Mode: quant.Truncate, Bits: 20}, quant.Variant{Mode: quant.RoundHalfAway, Bits: 12})
	for _, v := range variants {
		mult := make([]quant.Multiplier, cols)
		for n := range mult {
			mult[n] = v.MultiplierFromReal(math.Ldexp(1, -1-n))
		}
		for _, im := range Available() {
			dst := make([]byte, len(acc))
			im.Requantize(dst, cols, acc, cols, len(acc)/cols, cols, nil, mult, v, 3, -128, 127)
			for i, a := range acc {
				if want := byte(v.Requantize(a, mult[i%cols], 3, -128, 127)); dst[i] != want {
					t.Fatalf("%v on %v: acc %d multiplier %+v: got %d, quant %d", im, v, a, mult[i%cols], dst[i], want)
				}
			}
		}
	}
}
