package reference

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestFMA32 holds fma32 to the exact sum rounded once (big.Float, 24 bits,
// nearest even), on random operands and on sums built to land on float32
// halfway points.
func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	exact := func(a, b, c float32) float32 {
		p := new(big.Float).SetPrec(200).Mul(big.NewFloat(float64(a)), big.NewFloat(float64(b)))
		s := new(big.Float).SetPrec(200).Add(p, big.NewFloat(float64(c)))
		f, _ := new(big.Float).SetPrec(24).SetMode(big.ToNearestEven).Set(s).Float32()
		return f
	}
	for i := range 200000 {
		a, b := float32(rng.NormFloat64()), float32(rng.NormFloat64())
		c := float32(rng.NormFloat64() * math.Pow(2, float64(rng.IntN(20)-10)))
		if i%2 == 1 { // c close to -a*b so the sum cancels or ties
			c = -float32(float64(a)*float64(b)) + float32(math.Ldexp(float64(rng.IntN(8)-4), -30))
		}
		if got, want := fma32(a, b, c), exact(a, b, c); got != want {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", a, b, c, got, want)
		}
	}
}
