package drivers

import (
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/npu"
)

// The property tests of the split accumulation and the weight zero-point
// fold: random matrix products whose exact sums overflow a 24-bit
// saturating accumulator, on an array without weight zero points, hold
// the emulation's accumulators to sum_k (x_k - zx)(w_k - zw) computed in
// int64.

// foldBench is a low-cost-like NPU: a 16x16 array with 24-bit saturating
// accumulators and no weight zero point, and a vector datapath with
// bits-wide multipliers.
func foldBench(t testing.TB, bits int) *npu.Config {
	cfg, err := npu.LoadConfig("low-cost")
	if err != nil {
		t.Fatal(err)
	}
	c := *cfg
	c.SRAM.ActivationKiB, c.SRAM.WeightKiB, c.SRAM.AccumulatorKiB = 512, 512, 1024
	integer := *cfg.Vector.Integer
	integer.MultiplierBits = bits
	c.Vector.Integer = &integer
	return &c
}

// matmulProblem is an m x k by k x n product of uint8 operands with zero
// points: x[m*k+i], w[n*k+i].
type matmulProblem struct {
	m, k, n int
	x, w    []byte
	zx, zw  int32
}

// randomProblem draws a product whose values sit at the extremes of the
// uint8 range often enough to overflow 24 bits; a worst case has every
// input at one extreme and every weight at one, its zero points at the
// others, so that every product has the largest magnitude and one sign.
func randomProblem(rng *rand.Rand, worst bool) matmulProblem {
	p := matmulProblem{m: 1 + rng.IntN(64), k: 1 + rng.IntN(700), n: 1 + rng.IntN(48), zx: rng.Int32N(256), zw: rng.Int32N(256)}
	xw := [2]byte{byte(255 * rng.IntN(2)), byte(255 * rng.IntN(2))}
	if worst {
		p.zx, p.zw = 255-int32(xw[0]), 255-int32(xw[1])
	}
	k := 0
	draw := func() byte {
		k++
		switch {
		case worst:
			return xw[k&1]
		case rng.IntN(2) == 0:
			return byte(255 * rng.IntN(2))
		}
		return byte(rng.IntN(256))
	}
	p.x, p.w = make([]byte, p.m*p.k), make([]byte, p.n*p.k)
	for i := range p.x {
		k = 1
		p.x[i] = draw()
	}
	for i := range p.w {
		k = 0
		p.w[i] = draw()
	}
	return p
}

// exact is sum_k (x - zx)(w - zw) of output (r, c).
func (p *matmulProblem) exact(r, c int) int64 {
	var s int64
	for i := range p.k {
		s += int64(int32(p.x[r*p.k+i])-p.zx) * int64(int32(p.w[c*p.k+i])-p.zw)
	}
	return s
}

// emulate runs the problem as the compiler lowers it for the bench: uint8
// weights shifted to int8, the reduction cut into chunks that cannot
// overflow 24 bits, row sums of the input times the folded zero point
// subtracted. It returns the accumulators and the number of chunks.
func (p *matmulProblem) emulate(t testing.TB, cfg *npu.Config) ([]int32, int) {
	sp := npu.NewScratchpads(cfg)
	act, wgt := sp[npu.ActivationSRAM].Bytes(), sp[npu.WeightSRAM].Bytes()
	copy(act, p.x)
	for i, w := range p.w {
		wgt[i] = w ^ 0x80 // w - 128 as int8
	}
	ones := len(p.w)
	for i := range p.k {
		wgt[ones+i] = 1
	}
	view := weightView{k: p.k, n: p.n, x: int64(max(p.zx, 255-p.zx)), ones: true,
		at: func(k, c int) int64 { return abs64(int64(int8(p.w[c*p.k+k] ^ 0x80))) }}
	e := &emulation{fold: true, wzp: p.zw - 128, split: true, chunks: view.chunks(1<<23 - 1), bits: cfg.Vector.Integer.MultiplierBits}
	block := 4 * p.m * p.n
	b := emuBuffers{partial: block, rowsum: [2]int{2 * block, 2*block + 4*p.m}, ones: ones,
		scratch: vectorScratch{temps: 3 * block, rows: 5 * block}}
	mm := &npu.MatMul{M: p.m, K: p.k, N: p.n, AOperand: npu.Operand8{Zero: p.zx}, B: 0, BColStride: p.k, BRowStride: 1,
		BOperand: npu.Operand8{Signed: true}, Acc: npu.AccRegion{RowStride: p.n}, Mode: npu.Accumulation{Bits: 24, Overflow: npu.Saturate},
		A: npu.Im2col{RowStride: p.m * p.k, PixelStride: p.k, TileH: 1, TileW: p.m, ImageH: 1, ImageW: p.m, OutW: p.m,
			FilterH: 1, FilterW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Channels: p.k}}
	for i, op := range e.matmul(mm, b, 0, true) {
		if err := op.Check(cfg, 0); err != nil {
			t.Fatalf("command %d (%s): %v", i, op.Name(), err)
		}
		op.(npu.Compute).Execute(sp, cfg)
	}
	acc := make([]int32, p.m*p.n)
	for i := range acc {
		acc[i] = int32(uint32(sp[npu.AccumulatorSRAM].Bytes()[4*i]) | uint32(sp[npu.AccumulatorSRAM].Bytes()[4*i+1])<<8 |
			uint32(sp[npu.AccumulatorSRAM].Bytes()[4*i+2])<<16 | uint32(sp[npu.AccumulatorSRAM].Bytes()[4*i+3])<<24)
	}
	return acc, len(e.chunks)
}

// TestSplitAccumulationAndFoldAgainstExactSums runs a million outputs
// (20,000 with -short) of random products through the split accumulation
// and the zero-point fold, on 16- and 32-bit vector multipliers, and holds
// every accumulator to the exact sum. A sixth of the products are worst
// cases of the bound: every product of the largest magnitude and one sign.
// At least a quarter of the products split (their sums could reach beyond
// 24 bits).
func TestSplitAccumulationAndFoldAgainstExactSums(t *testing.T) {
	outputs := 1_000_000
	if testing.Short() {
		outputs = 20_000
	}
	for _, bits := range []int{32, 16} {
		cfg := foldBench(t, bits)
		rng := rand.New(rand.NewPCG(uint64(bits), 5))
		done, problems, split := 0, 0, 0
		for done < outputs {
			p := randomProblem(rng, problems%6 == 0)
			acc, chunks := p.emulate(t, cfg)
			for r := range p.m {
				for c := range p.n {
					if got, want := acc[r*p.n+c], p.exact(r, c); int64(got) != want {
						t.Fatalf("%d-bit, problem %d (%dx%dx%d, zx %d, zw %d, %d chunks): output (%d, %d) = %d, exact %d",
							bits, problems, p.m, p.k, p.n, p.zx, p.zw, chunks, r, c, got, want)
					}
				}
			}
			done, problems = done+p.m*p.n, problems+1
			if chunks > 1 {
				split++
			}
		}
		if 4*split < problems {
			t.Errorf("%d-bit: only %d of %d products split", bits, split, problems)
		}
	}
}
