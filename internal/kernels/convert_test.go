package kernels

import (
	"math/rand/v2"
	"testing"
)

func TestConvert(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, n := range []int{0, 1, 15, 16, 17, 100, 1000} {
		src := randBytes(rng, n)
		for _, signed := range []bool{false, true} {
			for _, im := range Available() {
				wide := make([]int32, n)
				im.Widen(wide, src, signed)
				back := make([]byte, n)
				im.Narrow(back, wide)
				for i, b := range src {
					want := int32(b)
					if signed {
						want = int32(int8(b))
					}
					if wide[i] != want || back[i] != b {
						t.Fatalf("%v n %d signed %v: byte %d widened to %d (want %d), narrowed to %d", im, n, signed, b, wide[i], want, back[i])
					}
				}
			}
		}
	}
}
