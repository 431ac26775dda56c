package rtl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/quant"
)

// requantVariants are the variants the pipeline is checked in: every named
// one and narrowed multipliers of the single-rounding family.
func requantVariants() []quant.Variant {
	return append(quant.Variants(),
		quant.Variant{Mode: quant.Truncate, Bits: 20},
		quant.Variant{Mode: quant.RoundHalfAway, Bits: 12},
		quant.Variant{Mode: quant.SingleRounding, Bits: 24},
	)
}

// randomRequantSample draws an accumulator, a bias and a multiplier for a
// variant: extremes (INT32_MIN and MAX, zero, +-1), exact ties of the
// roundings (power-of-two multipliers times accumulators that end in a
// half), and plain random values; shifts cover -31..30 and, for an eighth of
// the samples, -70..70.
func randomRequantSample(rng *rand.Rand, v quant.Variant) (acc, bias int32, m quant.Multiplier) {
	special := []int32{math.MinInt32, math.MaxInt32, 0, 1, -1, math.MinInt32 + 1, 1 << 30, -1 << 30}
	pick := func() int32 {
		switch rng.IntN(4) {
		case 0:
			return special[rng.IntN(len(special))]
		case 1: // small
			return rng.Int32N(1<<16) - 1<<15
		}
		return int32(rng.Uint32())
	}
	m.Shift = rng.IntN(62) - 31
	if rng.IntN(8) == 0 {
		// Beyond the range multipliers use, where the single rounding's
		// shift leaves 0..62 and its guards take over.
		m.Shift = rng.IntN(141) - 70
	}
	switch rng.IntN(3) {
	case 0: // a tie: acc = j * 2^s + 2^(s-1), multiplier a power of two
		s := 1 + rng.IntN(30)
		acc = int32(rng.Uint32())>>s<<s | 1<<(s-1)
		m.Q = 1 << rng.IntN(31)
		if rng.IntN(4) == 0 {
			m.Q = math.MinInt32
		}
	case 1:
		acc, m.Q = pick(), pick()
	default:
		acc = pick()
		// A multiplier in its variant's range: Q31 in [2^30, 2^31) or a
		// narrowed significand.
		b := v.FracBits() + 1
		if v.Mode == quant.FP32 {
			b = 32
		}
		m.Q = int32(1<<(b-2) + rng.Int64N(1<<(b-2)))
	}
	if rng.IntN(8) == 0 {
		bias = pick()
	}
	// FP32 scales: finite, from 2^-45 to 2^20, either sign, or zero.
	m.Scale = float32(math.Ldexp(rng.Float64()+0.5, rng.IntN(66)-45))
	switch rng.IntN(16) {
	case 0:
		m.Scale = -m.Scale
	case 1:
		m.Scale = 0
	case 2:
		m.Scale = math.MaxFloat32
	}
	return acc, bias, m
}

// randomClamp draws an output range: int8 or uint8 (with a zero point in
// it), or the whole int32 range, where the scaling's own saturation shows.
func randomClamp(rng *rand.Rand) (zp, lo, hi int32) {
	switch rng.IntN(3) {
	case 0:
		return rng.Int32N(256) - 128, -128, 127
	case 1:
		return rng.Int32N(256), 0, 255
	}
	return rng.Int32N(512) - 256, math.MinInt32, math.MaxInt32
}

// TestRequantMatchesQuant holds the pipeline's outputs equal to
// quant.Variant.Requantize for 200000 random samples per variant, and its
// cycles to ceil(n/lanes) + RequantDepth.
func TestRequantMatchesQuant(t *testing.T) {
	samples := 200000
	if testing.Short() {
		samples = 20000
	}
	for vi, v := range requantVariants() {
		for _, lanes := range []int{1, 8, 32} {
			seed := uint64(vi*100 + lanes)
			rng := rand.New(rand.NewPCG(seed, 3))
			n := samples / 4
			if lanes == 8 {
				n = samples // the full sample on the common width
			}
			zp, lo, hi := randomClamp(rng)
			c := &RequantCommand{M: 1, N: n, Acc: make([]int32, n), Bias: make([]int32, n), Multipliers: make([]quant.Multiplier, n),
				ZeroPoint: zp, Lo: lo, Hi: hi, Out: make([]int32, n)}
			for i := range n {
				c.Acc[i], c.Bias[i], c.Multipliers[i] = randomRequantSample(rng, v)
			}
			p := MakeRequantBuilder().WithVariant(v).WithLanes(lanes).Build("npu.requant")
			cycles, err := p.Run(c)
			if err != nil {
				t.Fatal(err)
			}
			if want := (n+lanes-1)/lanes + RequantDepth; cycles != want {
				t.Errorf("%v, %d lanes, seed %d: %d outputs took %d cycles, want %d", v, lanes, seed, n, cycles, want)
			}
			for i := range n {
				want := v.Requantize(c.Acc[i]+c.Bias[i], c.Multipliers[i], zp, lo, hi)
				if c.Out[i] != want {
					t.Fatalf("%v, %d lanes, seed %d, sample %d: acc %d + bias %d, multiplier %+v, zero point %d, clamp [%d, %d]: pipeline %d, quant %d",
						v, lanes, seed, i, c.Acc[i], c.Bias[i], c.Multipliers[i], zp, lo, hi, c.Out[i], want)
				}
			}
		}
	}
}

// TestRequantBlockOrder checks that a block with several columns uses each
// column's record and that outputs land at their elements.
func TestRequantBlockOrder(t *testing.T) {
	c := &RequantCommand{M: 3, N: 2, Acc: []int32{100, 100, 200, 200, -300, -300}, Bias: []int32{0, 50},
		Multipliers: []quant.Multiplier{{Q: 1 << 30, Shift: 0}, {Q: 1 << 30, Shift: -1}}, Lo: -128, Hi: 127, Out: make([]int32, 6)}
	p := MakeRequantBuilder().WithLanes(4).Build("npu.requant")
	cycles, err := p.Run(c)
	if err != nil {
		t.Fatal(err)
	}
	// Column 0 halves, column 1 adds 50 and quarters.
	want := []int32{50, 38, 100, 63, -128, -63}
	for i := range want {
		if c.Out[i] != want[i] {
			t.Errorf("out = %v, want %v", c.Out, want)
			break
		}
	}
	if cycles != 2+RequantDepth {
		t.Errorf("6 outputs on 4 lanes took %d cycles, want %d", cycles, 2+RequantDepth)
	}
}
