package drivers

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/internal/quanttest"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

// The property tests of the vector requantization sequences: each runs on
// the commands' own kernels (npu.Compute.Execute) over blocks of random
// accumulators and channel multipliers and is held to package quant, pair
// by pair.

// seqBench is a scratchpad set for running sequences on a hardware whose
// vector datapath has bits-wide multipliers: an m x n accumulator block at
// 0, the scratch after it, n records at 0 of the weight scratchpad.
type seqBench struct {
	cfg  *npu.Config
	sp   *npu.Scratchpads
	m, n int
	s    vectorScratch
}

func newSeqBench(t testing.TB, bits, m, n int) *seqBench {
	cfg, err := npu.LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	c := *cfg
	c.SRAM.AccumulatorKiB = 1024
	integer := *cfg.Vector.Integer
	integer.MultiplierBits = bits
	if bits < 32 {
		integer.Mul32PJ = 0
	}
	c.Vector.Integer = &integer
	b := &seqBench{cfg: &c, sp: npu.NewScratchpads(&c), m: m, n: n}
	b.s.temps = 4 * m * n
	b.s.rows = b.s.temps + 4*4*m*n
	return b
}

// load writes accumulators acc[row*n+col] and the records of the columns.
func (b *seqBench) load(acc []int32, bias []int32, mults []quant.Multiplier) {
	a := b.sp[npu.AccumulatorSRAM].Bytes()
	for i, v := range acc {
		binary.LittleEndian.PutUint32(a[4*i:], uint32(v))
	}
	w := b.sp[npu.WeightSRAM].Bytes()
	for c, m := range mults {
		copy(w[c*npu.RecordBytes:], npu.EncodeRecord(bias[c], m))
	}
}

// run checks and executes a sequence's commands in order.
func (b *seqBench) run(t testing.TB, ops []npu.Operation) {
	for i, op := range ops {
		if err := op.Check(b.cfg, 0); err != nil {
			t.Fatalf("command %d (%s): %v", i, op.Name(), err)
		}
		op.(npu.Compute).Execute(b.sp, b.cfg)
	}
}

// acc reads accumulator i of the block.
func (b *seqBench) acc(i int) int32 {
	return int32(binary.LittleEndian.Uint32(b.sp[npu.AccumulatorSRAM].Bytes()[4*i:]))
}

func (b *seqBench) job(v quant.Variant) requantJob {
	return requantJob{v: v, m: b.m, n: b.n, acc: npu.AccRegion{RowStride: b.n}, out: 0, outStride: b.n, lo: -128, hi: 127, signed: true}
}

// emulatedVariants are the variants with sequences, with narrowed widths.
func emulatedVariants() []quant.Variant {
	var vs []quant.Variant
	for _, v := range append(quant.Variants(), quant.Variant{Mode: quant.Truncate, Bits: 20}, quant.Variant{Mode: quant.RoundHalfAway, Bits: 12}) {
		if emulatedVariant(v) {
			vs = append(vs, v)
		}
	}
	return vs
}

// maxShift is the largest shift the variant's sequence takes: any for
// double rounding, a total right shift of at least 1 for single rounding.
func maxShift(v quant.Variant) int {
	if doubleRounding(v) {
		return 30
	}
	return min(30, v.FracBits()-1)
}

// randomMultiplier draws a normalised significand of the variant's width
// (one of its extremes a quarter of the time) and a shift in the
// sequence's domain.
func randomMultiplier(rng *rand.Rand, v quant.Variant) quant.Multiplier {
	f := v.FracBits()
	lo, hi := int64(1)<<(f-1), int64(1)<<f
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
	return quant.Multiplier{Q: int32(q), Shift: rng.IntN(maxShift(v)+32) - 31}
}

// randomBlock fills a block: each column a multiplier and a bias, every
// fifth column a power-of-two multiplier with exact ties and no bias.
func randomBlock(rng *rand.Rand, v quant.Variant, m, n int) (acc, bias []int32, mults []quant.Multiplier) {
	acc, bias, mults = make([]int32, m*n), make([]int32, n), make([]quant.Multiplier, n)
	for c := range n {
		mults[c] = randomMultiplier(rng, v)
		tie := c%5 == 0
		if tie {
			mults[c].Q = int32(1) << (v.FracBits() - 1)
		} else {
			bias[c] = quanttest.RandomAccumulator(rng) >> rng.IntN(32)
		}
		for r := range m {
			acc[r*n+c] = quanttest.RandomAccumulator(rng)
			if tie {
				acc[r*n+c] = quanttest.TieAccumulator(rng, 1-mults[c].Shift)
			}
		}
	}
	return acc, bias, mults
}

// TestVectorScaleAgainstQuant holds the scaling part of every sequence, on
// 32- and 16-bit multipliers, to Variant.Scale over a million random pairs
// per variant (20,000 with -short): multipliers of every width and shift of
// the sequence's domain, accumulators of every magnitude with INT32_MIN
// and INT32_MAX over-represented, wrapping biases, and exact ties of both
// signs.
func TestVectorScaleAgainstQuant(t *testing.T) {
	const m, n = 64, 128
	blocks := (1_000_000 + m*n - 1) / (m * n)
	if testing.Short() {
		blocks = 3
	}
	for _, bits := range []int{32, 16} {
		for _, v := range emulatedVariants() {
			t.Run(v.String()+"/"+map[int]string{16: "mult16", 32: "mult32"}[bits], func(t *testing.T) {
				t.Parallel()
				seed := uint64(len(v.String()))*7919 + uint64(v.Bits) + uint64(bits)
				rng := rand.New(rand.NewPCG(seed, 2))
				b := newSeqBench(t, bits, m, n)
				for blk := range blocks {
					acc, bias, mults := randomBlock(rng, v, m, n)
					b.load(acc, bias, mults)
					b.run(t, vectorScale(b.job(v), bits, b.s).ops)
					for i, a := range acc {
						x := a + bias[i%n]
						if got, want := b.acc(i), v.Scale(x, mults[i%n]); got != want {
							t.Fatalf("seed %d block %d pair %d: %v.Scale(%d, %+v) = %d, the sequence gives %d", seed, blk, i, v, x, mults[i%n], want, got)
						}
					}
				}
			})
		}
	}
}

// TestVectorScaleEdgeCases runs the foundation's edge cases through every
// sequence: INT32_MIN, INT32_MAX and their neighbours, small values of both
// signs and 2^24, against the extreme significands (INT32_MIN included for
// double rounding: the one product it saturates) at every shift of the
// sequence's domain, 0 and the largest included.
func TestVectorScaleEdgeCases(t *testing.T) {
	accs := []int32{math.MinInt32, math.MinInt32 + 1, -1 << 24, -3, -2, -1, 0, 1, 2, 3, 1 << 24, math.MaxInt32 - 1, math.MaxInt32}
	for _, bits := range []int{32, 16} {
		for _, v := range emulatedVariants() {
			f := v.FracBits()
			qs := []int32{1 << (f - 1), int32(int64(1)<<f - 1)}
			if doubleRounding(v) {
				qs = append(qs, math.MinInt32)
			}
			var mults []quant.Multiplier
			for _, q := range qs {
				for shift := -31; shift <= maxShift(v); shift++ {
					mults = append(mults, quant.Multiplier{Q: q, Shift: shift})
				}
			}
			b := newSeqBench(t, bits, len(accs), len(mults))
			acc := make([]int32, len(accs)*len(mults))
			for r, a := range accs {
				for c := range mults {
					acc[r*len(mults)+c] = a
				}
			}
			b.load(acc, make([]int32, len(mults)), mults)
			b.run(t, vectorScale(b.job(v), bits, b.s).ops)
			for i, a := range acc {
				m := mults[i%len(mults)]
				if got, want := b.acc(i), v.Scale(a, m); got != want {
					t.Errorf("%d-bit multipliers: %v.Scale(%d, %+v) = %d, the sequence gives %d", bits, v, a, m, want, got)
				}
			}
		}
	}
}

// TestVectorScaleTies pins the rounding direction of each sequence on exact
// ties of both signs (10, -10, 6, -6 times 1/4) and double rounding's
// signature, 81 x 1/4 = 21.
func TestVectorScaleTies(t *testing.T) {
	cases := []struct {
		v    quant.Variant
		want []int32
	}{
		{quant.VariantDoubleRounding, []int32{3, -3, 2, -2, 21}},
		{quant.VariantDoubleRoundingNoSat, []int32{3, -3, 2, -2, 21}},
		{quant.VariantSingleRounding, []int32{3, -2, 2, -1, 20}},
		{quant.VariantRoundHalfAway, []int32{3, -3, 2, -2, 20}},
		{quant.VariantTruncate, []int32{2, -3, 1, -2, 20}},
		{quant.VariantMult16, []int32{3, -2, 2, -1, 20}},
		{quant.VariantMult24, []int32{3, -2, 2, -1, 20}},
	}
	for _, c := range cases {
		for _, bits := range []int{32, 16} {
			b := newSeqBench(t, bits, 5, 1)
			b.load([]int32{10, -10, 6, -6, 81}, []int32{0}, []quant.Multiplier{c.v.MultiplierFromReal(0.25)})
			b.run(t, vectorScale(b.job(c.v), bits, b.s).ops)
			for i, want := range c.want {
				if got := b.acc(i); got != want {
					t.Errorf("%v on %d-bit multipliers: %d x 0.25 = %d, want %d", c.v, bits, []int32{10, -10, 6, -6, 81}[i], got, want)
				}
			}
		}
	}
}

// TestVectorRequantAgainstQuant holds whole sequences, zero point, clamp
// and narrowing included, to Variant.Requantize: random blocks with a
// random output grid and activation range each, signed and unsigned.
func TestVectorRequantAgainstQuant(t *testing.T) {
	const m, n = 32, 64
	blocks := 50
	if testing.Short() {
		blocks = 2
	}
	rng := rand.New(rand.NewPCG(17, 3))
	for _, bits := range []int{32, 16} {
		for _, v := range emulatedVariants() {
			b := newSeqBench(t, bits, m, n)
			for range blocks {
				acc, bias, mults := randomBlock(rng, v, m, n)
				j := b.job(v)
				j.signed = rng.IntN(2) == 0
				tmin, tmax := int32(0), int32(255)
				if j.signed {
					tmin, tmax = -128, 127
				}
				j.zp = tmin + rng.Int32N(256)
				j.lo = tmin + rng.Int32N(128)
				j.hi = j.lo + rng.Int32N(tmax-j.lo+1)
				j.out = 4096
				b.load(acc, bias, mults)
				b.run(t, vectorRequant(j, bits, b.s))
				out := b.sp[npu.ActivationSRAM].Bytes()[j.out:]
				for i, a := range acc {
					want := v.Requantize(a+bias[i%n], mults[i%n], j.zp, j.lo, j.hi)
					got := int32(out[i])
					if j.signed {
						got = int32(int8(out[i]))
					}
					if got != want {
						t.Fatalf("%v, %d-bit: Requantize(%d, %+v, zp %d, [%d, %d]) = %d, the sequence gives %d",
							v, bits, a+bias[i%n], mults[i%n], j.zp, j.lo, j.hi, want, got)
					}
				}
			}
		}
	}
}
