package kernels

import (
	"math/rand/v2"
	"slices"
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

// TestNarrowExact holds NarrowExact to its definition on every
// implementation: the bytes Narrow stores, and true exactly when widening
// them gives the values back; values in range, one just outside it (at
// every position of a 16-lane block and of the tail), and extremes.
func TestNarrowExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	outside := []int32{-129, 128, 256, -1, 1 << 20, -1 << 31, 1<<31 - 1}
	for _, n := range []int{0, 1, 15, 16, 17, 47, 100} {
		for _, signed := range []bool{false, true} {
			for trial := range n + 2 {
				src := make([]int32, n)
				back := make([]int32, n)
				PureGo.Widen(src, randBytes(rng, n), signed)
				if trial < n { // one value outside the range, or at its edge
					src[trial] = outside[rng.IntN(len(outside))]
				}
				for _, im := range Available() {
					dst := make([]byte, n)
					got := im.NarrowExact(dst, src, signed)
					want := make([]byte, n)
					PureGo.Narrow(want, src)
					PureGo.Widen(back, want, signed)
					if string(dst) != string(want) || got != slices.Equal(back, src) {
						t.Fatalf("%v n %d signed %v trial %d: exact %v, want %v (bytes equal %v)",
							im, n, signed, trial, got, slices.Equal(back, src), string(dst) == string(want))
					}
				}
			}
		}
	}
}
