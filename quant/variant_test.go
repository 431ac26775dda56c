package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/internal/quanttest"
)

// randomMultiplier draws a significand of the variant's width (a power of two
// in its range a quarter of the time) and a shift from -31 to +30.
func randomMultiplier(rng *rand.Rand, v Variant) Multiplier {
	shift := rng.IntN(62) - 31
	if v.Mode == FP32 {
		s := float32(math.Ldexp(0.5+rng.Float64()/2, shift))
		return Multiplier{Scale: s}
	}
	f := v.FracBits()
	lo, hi := int64(1)<<(f-1), int64(1)<<f // [2^(f-1), 2^f): a normalised significand
	if f == 31 {
		hi = math.MaxInt32 + 1
	}
	q := lo + rng.Int64N(hi-lo)
	switch rng.IntN(8) {
	case 0:
		q = lo
	case 1:
		q = hi - 1
	}
	return Multiplier{Q: int32(q), Shift: shift}
}

func TestVariantsAgainstExactDefinition(t *testing.T) {
	pairs := 1_000_000
	if testing.Short() {
		pairs = 20_000
	}
	for _, v := range append(Variants(), Variant{Mode: Truncate, Bits: 20}, Variant{Mode: RoundHalfAway, Bits: 12}) {
		t.Run(v.String(), func(t *testing.T) {
			t.Parallel()
			seed := uint64(len(v.String()))*7919 + uint64(v.Bits)
			rng := rand.New(rand.NewPCG(seed, 1))
			for i := range pairs {
				m := randomMultiplier(rng, v)
				acc := quanttest.RandomAccumulator(rng)
				if i%5 == 0 && v.Mode != FP32 {
					// a power-of-two multiplier and an exact tie
					m.Q = int32(1) << (v.FracBits() - 1)
					acc = quanttest.TieAccumulator(rng, v.FracBits()-m.Shift-(v.FracBits()-1))
				}
				if got, want := v.Scale(acc, m), exactScale(v, acc, m); got != want {
					t.Fatalf("seed %d pair %d: %v.Scale(%d, %+v) = %d, exact definition gives %d", seed, i, v, acc, m, got, want)
				}
			}
		})
	}
}

func TestVariantEdgeCases(t *testing.T) {
	accs := []int32{math.MinInt32, math.MinInt32 + 1, -1 << 24, -3, -2, -1, 0, 1, 2, 3, 1 << 24, math.MaxInt32 - 1, math.MaxInt32}
	for _, v := range Variants() {
		f := v.FracBits()
		qs := []int32{1 << 30, math.MaxInt32, math.MinInt32}
		if v.Mode == FP32 {
			qs = []int32{0}
		} else if f < 31 {
			qs = []int32{1 << (f - 1), 1<<f - 1}
		}
		for _, q := range qs {
			for shift := -31; shift <= 30; shift++ {
				m := Multiplier{Q: q, Shift: shift, Scale: float32(math.Ldexp(1, shift))}
				for _, acc := range accs {
					if got, want := v.Scale(acc, m), exactScale(v, acc, m); got != want {
						t.Errorf("%v.Scale(%d, %+v) = %d, exact definition gives %d", v, acc, m, got, want)
					}
				}
			}
		}
	}
}

// TestDoubleRoundingSaturation pins the one product where the saturating and
// the wrapping doubling high multiply differ.
func TestDoubleRoundingSaturation(t *testing.T) {
	m := Multiplier{Q: math.MinInt32, Shift: 0}
	if got := VariantDoubleRounding.Scale(math.MinInt32, m); got != math.MaxInt32 {
		t.Errorf("double-rounding: INT32_MIN x INT32_MIN = %d, want %d", got, math.MaxInt32)
	}
	if got := VariantDoubleRoundingNoSat.Scale(math.MinInt32, m); got != math.MinInt32 {
		t.Errorf("double-rounding-nosat: INT32_MIN x INT32_MIN = %d, want it wrapped to %d", got, math.MinInt32)
	}
}

// TestTies pins the rounding direction of every variant on exact ties of both
// signs: acc * 2^-2 with acc = +-10 (2.5) and +-6 (1.5).
func TestTies(t *testing.T) {
	cases := []struct {
		v    Variant
		want [4]int32 // 10, -10, 6, -6 times 1/4
	}{
		{VariantDoubleRounding, [4]int32{3, -3, 2, -2}},
		{VariantSingleRounding, [4]int32{3, -2, 2, -1}},
		{VariantRoundHalfAway, [4]int32{3, -3, 2, -2}},
		{VariantTruncate, [4]int32{2, -3, 1, -2}},
		{VariantFP32, [4]int32{2, -2, 2, -2}},
		{VariantMult16, [4]int32{3, -2, 2, -1}},
		{VariantMult24, [4]int32{3, -2, 2, -1}},
	}
	for _, c := range cases {
		m := c.v.MultiplierFromReal(0.25)
		for i, acc := range []int32{10, -10, 6, -6} {
			if got := c.v.Scale(acc, m); got != c.want[i] {
				t.Errorf("%v: %d x 0.25 = %d, want %d", c.v, acc, got, c.want[i])
			}
		}
	}
	// Double rounding's signature: 81 x 0.25 = 20.25 rounds to 40.5 -> 41 -> 21.
	if got := VariantDoubleRounding.Scale(81, VariantDoubleRounding.MultiplierFromReal(0.25)); got != 21 {
		t.Errorf("double-rounding: 81 x 0.25 = %d, want 21", got)
	}
}

func TestQuantizeMultiplier(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	specials := []float64{1, 0.5, 0.25, 1.0 / 3, 12.0 / 127, math.Ldexp(1, -31), math.Ldexp(1, -32), math.Ldexp(1, -33),
		math.Ldexp(1, 30), math.Ldexp(1, 31), math.Nextafter(1, 0), math.Ldexp(1-math.Ldexp(1, -33), 0)}
	for i := range 200_000 {
		m := math.Ldexp(0.5+rng.Float64()/2, rng.IntN(80)-40)
		if i < len(specials) {
			m = specials[i]
		}
		q, shift := QuantizeMultiplier(m)
		wq, wshift := exactQuantizeMultiplier(m)
		if q != wq || shift != wshift {
			t.Fatalf("QuantizeMultiplier(%v) = (%d, %d), exact gives (%d, %d)", m, q, shift, wq, wshift)
		}
		sq, sshift := QuantizeMultiplierSingleRounding(m)
		if wshift > 30 {
			wq, wshift = math.MaxInt32, 30
		}
		if sq != wq || sshift != wshift {
			t.Fatalf("QuantizeMultiplierSingleRounding(%v) = (%d, %d), want (%d, %d)", m, sq, sshift, wq, wshift)
		}
	}
	if q, s := QuantizeMultiplier(0); q != 0 || s != 0 {
		t.Errorf("QuantizeMultiplier(0) = (%d, %d), want (0, 0)", q, s)
	}
}

func TestNarrowMultiplier(t *testing.T) {
	// QUANT.md: Q16 = (Q + 2^15) >> 16.
	for _, q := range []int32{1 << 30, 1<<30 + 1<<15 - 1, 1<<30 + 1<<15, 1623294720, math.MaxInt32} {
		m := narrow(q, -3, 16)
		want := (int64(q) + 1<<15) >> 16
		got := int64(m.Q) << (m.Shift + 3)
		if got != want || m.Q >= 1<<15 {
			t.Errorf("narrow(%d) = %+v (value %d), want %d in 16 signed bits", q, m, got, want)
		}
	}
}

func TestMult24ReadsFloat32Bits(t *testing.T) {
	s := float32(12.0 / 127)
	m := VariantMult24.MultiplierFromFloat32(s)
	if got := math.Ldexp(float64(m.Q), m.Shift-24); got != float64(s) {
		t.Errorf("mult24 multiplier %+v stands for %v, want the float32 scale %v", m, got, s)
	}
	if m.Q < 1<<23 || m.Q >= 1<<24 {
		t.Errorf("mult24 significand %d outside [2^23, 2^24)", m.Q)
	}
}

func TestParseVariant(t *testing.T) {
	for _, v := range append(Variants(), Variant{Mode: Truncate, Bits: 20}) {
		got, err := ParseVariant(v.String())
		if err != nil || got != v {
			t.Errorf("ParseVariant(%q) = %v, %v; want %v", v.String(), got, err, v)
		}
	}
	if v, err := ParseVariant("single-rounding/16"); err != nil || v != VariantMult16 {
		t.Errorf("single-rounding/16 = %v, %v; want mult16", v, err)
	}
	for _, bad := range []string{"", "double", "fp32/16", "truncate/7", "truncate/33", "truncate/x"} {
		if _, err := ParseVariant(bad); err == nil {
			t.Errorf("ParseVariant(%q) succeeded, want an error", bad)
		}
	}
}

func TestRequantizeClampsAndAddsZeroPoint(t *testing.T) {
	for _, v := range Variants() {
		m := v.MultiplierFromReal(0.5)
		cases := []struct{ acc, want int32 }{{1000, 127}, {-1000, -128}, {20, 10 + 5}, {-20, -10 + 5}}
		for _, c := range cases {
			if got := v.Requantize(c.acc, m, 5, -128, 127); got != c.want {
				t.Errorf("%v.Requantize(%d) = %d, want %d", v, c.acc, got, c.want)
			}
		}
	}
}

func TestFP32LosesBitsAbove2To24(t *testing.T) {
	// float32(acc) rounds 2^24+1 to 2^24: with a scale of 1 the fp32 variant
	// returns 16777216 where the fixed-point variants return 16777217.
	acc := int32(1<<24 + 1)
	if got := VariantFP32.Scale(acc, VariantFP32.MultiplierFromReal(1)); got != 1<<24 {
		t.Errorf("fp32: %d x 1 = %d, want %d", acc, got, 1<<24)
	}
	if got := VariantSingleRounding.Scale(acc, VariantSingleRounding.MultiplierFromReal(1)); got != acc {
		t.Errorf("single-rounding: %d x 1 = %d, want %d", acc, got, acc)
	}
}

func FuzzVariantScale(f *testing.F) {
	f.Add(uint8(0), int32(81), int32(1<<30), int8(-1), float32(0.25))
	f.Add(uint8(6), int32(math.MinInt32), int32(math.MinInt32), int8(0), float32(1))
	f.Add(uint8(2), int32(-10), int32(0), int8(0), float32(0.25))
	f.Fuzz(func(t *testing.T, which uint8, acc, q int32, shift int8, scale float32) {
		vs := Variants()
		v := vs[int(which)%len(vs)]
		m := Multiplier{Q: q, Shift: max(min(int(shift), 30), -31), Scale: scale}
		if math.IsNaN(float64(scale)) || math.IsInf(float64(scale), 0) {
			t.Skip()
		}
		if f := v.FracBits(); v.Mode != FP32 && f < 31 {
			// a significand of the variant's width: F fraction bits, one set
			m.Q = int32(int64(q)&(int64(1)<<(f-1)-1) | int64(1)<<(f-1))
		}
		if got, want := v.Scale(acc, m), exactScale(v, acc, m); got != want {
			t.Fatalf("%v.Scale(%d, %+v) = %d, exact definition gives %d", v, acc, m, got, want)
		}
	})
}

func BenchmarkRequantize(b *testing.B) {
	for _, v := range Variants() {
		b.Run(v.String(), func(b *testing.B) {
			m := v.MultiplierFromReal(0.0123)
			var sink int32
			acc := int32(12345)
			for b.Loop() {
				sink += v.Requantize(acc, m, 3, -128, 127)
				acc = acc*1103515245 + 12345
			}
			_ = sink
		})
	}
}
