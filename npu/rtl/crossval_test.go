package rtl

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
)

// crossCase is one MatMul run on both models: operands, initial
// accumulators, array shape, dataflow and accumulator mode.
type crossCase struct {
	rows, cols int
	df         npu.Dataflow
	mm         MatMul
	initial    []int32 // the accumulator block before the command
}

func (c *crossCase) String() string {
	return fmt.Sprintf("%dx%d %s array, %dx%dx%d, acc%d-%s, accumulate %v, A %+v, B %+v", c.rows, c.cols, c.df,
		c.mm.M, c.mm.K, c.mm.N, c.mm.Mode.Bits, c.mm.Mode.Overflow, c.mm.Accumulate, c.mm.AOperand, c.mm.BOperand)
}

// crossModes are the accumulator modes the cross-validation covers.
var crossModes = []npu.Accumulation{
	{Bits: 32, Overflow: npu.Wrap}, {Bits: 24, Overflow: npu.Saturate}, {Bits: 24, Overflow: npu.Wrap},
	{Bits: 16, Overflow: npu.Saturate}, {Bits: 32, Overflow: npu.Saturate}, {Bits: 16, Overflow: npu.Wrap},
}

// randomOperand draws an 8-bit operand's bytes and encoding. Besides uniform
// values it draws operands whose corrected values cluster near +255 or -255
// (every product near +-65000), so that sums run into the accumulator's
// limits and, with mixed signs, back out of them: the orders of saturating
// additions then give different results.
func randomOperand(rng *rand.Rand, n int) ([]byte, npu.Operand8) {
	b := make([]byte, n)
	switch rng.IntN(3) {
	case 0: // uniform
		op := npu.Operand8{Signed: rng.IntN(2) == 0}
		if op.Signed {
			op.Zero = rng.Int32N(256) - 128
		} else {
			op.Zero = rng.Int32N(256)
		}
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b, op
	case 1: // large positive: unsigned 224..255 with zero point 0
		for i := range b {
			b[i] = byte(224 + rng.IntN(32))
		}
		return b, npu.Operand8{}
	}
	// large negative: signed -128..-97 with zero point 127 (-255..-224)
	for i := range b {
		b[i] = byte(int8(-128 + rng.IntN(32)))
	}
	return b, npu.Operand8{Signed: true, Zero: 127}
}

func randomCrossCase(seed uint64) *crossCase {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	c := &crossCase{
		rows: 2 + rng.IntN(15), cols: 2 + rng.IntN(15),
		df: []npu.Dataflow{npu.WeightStationary, npu.OutputStationary}[seed%2],
	}
	mm := &c.mm
	mm.Mode = crossModes[(seed/2)%uint64(len(crossModes))]
	// Up to three and a bit folds along every dimension.
	mm.M, mm.K, mm.N = 1+rng.IntN(3*c.rows+3), 1+rng.IntN(3*c.rows+3), 1+rng.IntN(3*c.cols+3)
	mm.A, mm.AOperand = randomOperand(rng, mm.M*mm.K)
	mm.B, mm.BOperand = randomOperand(rng, mm.K*mm.N)
	mm.Accumulate = rng.IntN(2) == 0
	c.initial = make([]int32, mm.M*mm.N)
	if mm.Accumulate {
		limit := int32(1<<(mm.Mode.Bits-1) - 1)
		for i := range c.initial {
			switch rng.IntN(3) {
			case 0: // anything: the hardware reads the low bits
				c.initial[i] = int32(rng.Uint32())
			case 1: // close to the top of the accumulator's range
				c.initial[i] = limit - rng.Int32N(1<<17)
			default: // close to the bottom
				c.initial[i] = -limit + rng.Int32N(1<<17)
			}
		}
	}
	return c
}

// runFast runs the case on the fast model as a program: load A, B and the
// initial accumulators with DMA, one MatMul, store the accumulator block. It
// returns the accumulators and the MatMul's cycles.
func (c *crossCase) runFast() ([]int32, int, error) {
	cfg, err := npu.LoadConfig("mobile-npu")
	if err != nil {
		return nil, 0, err
	}
	cfg.Array.Rows, cfg.Array.Cols, cfg.Array.Dataflow = c.rows, c.cols, c.df
	mm := &c.mm
	accBytes := 4 * mm.M * mm.N
	var p npu.Program
	place := func(d []byte) uint64 {
		addr := uint64(len(p.DRAM)+63) / 64 * 64
		p.DRAM = append(p.DRAM, make([]byte, int(addr)-len(p.DRAM))...)
		p.DRAM = append(p.DRAM, d...)
		return addr
	}
	aAddr, bAddr := place(mm.A), place(mm.B)
	init := make([]byte, accBytes)
	for i, v := range c.initial {
		binary.LittleEndian.PutUint32(init[4*i:], uint32(v))
	}
	initAddr := place(init)
	out := uint64(len(p.DRAM)+63) / 64 * 64
	p.DRAMBytes = out + uint64(accBytes)
	p.Outputs = []npu.Region{{Name: "acc", Addr: out, Bytes: accBytes}}
	p.Layers = []string{"matmul"}
	load := func(dram uint64, s npu.SRAM, n int) int {
		p.Commands = append(p.Commands, npu.Command{Op: &npu.DMA{DRAM: dram, SRAM: s, RunBytes: n, Rows: 1, Planes: 1}})
		return len(p.Commands) - 1
	}
	deps := []int{load(aAddr, npu.ActivationSRAM, mm.M*mm.K), load(bAddr, npu.WeightSRAM, mm.K*mm.N), load(initAddr, npu.AccumulatorSRAM, accBytes)}
	a := npu.Im2col{RowStride: mm.M * mm.K, PixelStride: mm.K, TileH: 1, TileW: mm.M, ImageH: 1, ImageW: mm.M, OutW: mm.M,
		FilterH: 1, FilterW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Channels: mm.K}
	p.Commands = append(p.Commands, npu.Command{Deps: deps, Op: &npu.MatMul{M: mm.M, K: mm.K, N: mm.N,
		A: a, AOperand: mm.AOperand, BColStride: 1, BRowStride: mm.N, BOperand: mm.BOperand,
		Acc: npu.AccRegion{RowStride: mm.N}, Accumulate: mm.Accumulate, Mode: mm.Mode}})
	matmul := len(p.Commands) - 1
	p.Commands = append(p.Commands, npu.Command{Deps: []int{matmul}, Op: &npu.DMA{Store: true, DRAM: out, SRAM: npu.AccumulatorSRAM, RunBytes: accBytes, Rows: 1, Planes: 1}})
	res, err := platform.Run(cfg, &p)
	if err != nil {
		return nil, 0, err
	}
	acc := make([]int32, mm.M*mm.N)
	for i := range acc {
		acc[i] = int32(binary.LittleEndian.Uint32(res.Outputs[0][4*i:]))
	}
	st := res.Stats.Commands[matmul]
	if st.Name != "matmul" {
		return nil, 0, fmt.Errorf("command %d is %s, not the matmul", matmul, st.Name)
	}
	return acc, int(st.End - st.Start), nil
}

// runRTL runs the case on the register-level array.
func (c *crossCase) runRTL() ([]int32, int, error) {
	a := MakeArrayBuilder().WithSize(c.rows, c.cols).WithDataflow(c.df).Build("npu.array")
	mm := c.mm
	mm.Acc = slices.Clone(c.initial)
	cycles, err := a.Run(&mm)
	return mm.Acc, cycles, err
}

// TestCrossValidation runs random MatMuls on the register-level array and on
// the fast model (platform.Run) and holds their accumulators and cycle counts
// equal: arrays from 2x2 to 16x16, rows and columns independent, both
// dataflows, every accumulator mode, overwriting and accumulating commands,
// operands that saturate 16- and 24-bit accumulators.
func TestCrossValidation(t *testing.T) {
	seeds := uint64(720)
	if testing.Short() {
		seeds = 120
	}
	saturated := map[string]int{} // per saturating mode: cases with a saturated output
	for seed := range seeds {
		c := randomCrossCase(seed)
		fast, fastCycles, err := c.runFast()
		if err != nil {
			t.Fatalf("seed %d (%v): fast model: %v", seed, c, err)
		}
		got, cycles, err := c.runRTL()
		if err != nil {
			t.Fatalf("seed %d (%v): rtl: %v", seed, c, err)
		}
		if want := npu.MatMulCycles(&npu.MatMul{M: c.mm.M, K: c.mm.K, N: c.mm.N}, c.rows, c.cols, c.df); cycles != fastCycles || cycles != want {
			t.Errorf("seed %d (%v): rtl took %d cycles, fast model %d, npu.MatMulCycles %d", seed, c, cycles, fastCycles, want)
		}
		if i := firstDiff(got, fast); i >= 0 {
			t.Errorf("seed %d (%v): acc[%d][%d] rtl %d, fast model %d", seed, c, i/c.mm.N, i%c.mm.N, got[i], fast[i])
		}
		if c.mm.Mode.Overflow == npu.Saturate {
			hi := int32(1<<(c.mm.Mode.Bits-1) - 1)
			if slices.ContainsFunc(got, func(v int32) bool { return v == hi || v == -hi-1 }) {
				saturated[fmt.Sprintf("acc%d-%s", c.mm.Mode.Bits, c.df)]++
			}
		}
	}
	// The saturating modes must really have saturated, or the test would
	// not tell the accumulation orders apart.
	for _, mode := range []string{"acc16-ws", "acc16-os", "acc24-ws", "acc24-os"} {
		if n := saturated[mode]; n < int(seeds)/len(crossModes)/2/5 {
			t.Errorf("%s: only %d cases saturated, want at least a fifth of them", mode, n)
		}
	}
}

// firstDiff returns the first index where a and b differ, or -1.
func firstDiff(a, b []int32) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}
