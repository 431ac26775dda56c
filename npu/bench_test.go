package npu_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	. "github.com/npusim/npusim/npu" //nolint:revive // the tests read as if inside package npu
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/quant"
)

// tiledFCProgram computes a large fully connected layer in mt x nt output
// tiles with double-buffered A tiles, B tiles and accumulators, the way a
// compiler would: every tile's load overlaps the previous tile's compute.
func tiledFCProgram(c fcCase, mt, nt int) *Program {
	m, k, n := c.in.Shape[0], c.in.Shape[1], c.w.Shape[0]
	var b progBuilder
	aAddr, bAddr, rAddr := b.data(c.in.Bytes()), b.data(c.w.Bytes()), b.data(records(c.in, c.w, c.want, c.bias, c.v))
	out := b.output("out", m*n)
	lo, hi := c.act.Range(c.want.Type, c.want.Params.Scale, c.want.Params.ZeroPoint)
	aBuf := func(i int) int { return (i % 2) * mt * k }
	outBuf := func(i int) int { return 2*mt*k + (i%2)*mt*nt }
	bBuf := func(i int) int { return (i % 2) * (nt*k + nt*RecordBytes) }
	accBuf := func(i int) int { return (i % 2) * mt * nt * 4 }
	var lastA [2]int
	var lastB, lastAcc, lastOut [2]int
	for i := range lastB {
		lastA[i], lastB[i], lastAcc[i], lastOut[i] = -1, -1, -1, -1
	}
	deps := func(ds ...int) []int {
		return slices.DeleteFunc(ds, func(d int) bool { return d < 0 })
	}
	tile := 0
	for ai, m0 := 0, 0; m0 < m; ai, m0 = ai+1, m0+mt {
		rows := min(mt, m-m0)
		la := b.add(Command{Deps: deps(lastA[ai%2]), Op: &DMA{DRAM: aAddr + uint64(m0*k), SRAM: ActivationSRAM, Addr: aBuf(ai), RunBytes: rows * k, Rows: 1, Planes: 1}})
		var lastUse int
		for n0 := 0; n0 < n; n0 += nt {
			cols := min(nt, n-n0)
			s := tile % 2
			lb := b.add(Command{Deps: deps(lastB[s]), Op: &DMA{DRAM: bAddr + uint64(n0*k), SRAM: WeightSRAM, Addr: bBuf(tile), RunBytes: cols * k, Rows: 1, Planes: 1}})
			lr := b.add(Command{Deps: deps(lastB[s]), Op: &DMA{DRAM: rAddr + uint64(n0*RecordBytes), SRAM: WeightSRAM, Addr: bBuf(tile) + nt*k, RunBytes: cols * RecordBytes, Rows: 1, Planes: 1}})
			mm := b.add(Command{Deps: deps(la, lb, lastAcc[s]), Op: &MatMul{M: rows, K: k, N: cols, A: matrixOperand(aBuf(ai), rows, k, 0), AOperand: operand(c.in),
				B: bBuf(tile), BColStride: k, BRowStride: 1, BOperand: operand(c.w), Acc: AccRegion{Base: accBuf(tile), RowStride: cols}, Mode: acc32}})
			rq := b.add(Command{Deps: deps(mm, lr, lastOut[s]), Op: &Requant{M: rows, N: cols, Acc: AccRegion{Base: accBuf(tile), RowStride: cols}, Records: bBuf(tile) + nt*k,
				Variant: c.v, ZeroPoint: c.want.Params.ZeroPoint, Lo: lo, Hi: hi, Out: outBuf(tile), OutRowStride: cols}})
			st := b.add(Command{Deps: []int{rq}, Op: &DMA{Store: true, DRAM: out + uint64(m0*n+n0), SRAM: ActivationSRAM, Addr: outBuf(tile),
				RunBytes: cols, Rows: rows, Planes: 1, DRAMRowStride: n, SRAMRowStride: cols}})
			lastB[s], lastAcc[s], lastOut[s] = rq, rq, st
			lastUse = mm
			tile++
		}
		lastA[ai%2] = lastUse
	}
	return b.program()
}

func TestTiledGEMM(t *testing.T) {
	cfg := mustPreset("mobile-npu")
	rng := rand.New(rand.NewPCG(6, 6))
	c := randomFC(rng, 300, 500, 200, cfg.RequantVariants(), false)
	res, err := platform.Run(cfg, tiledFCProgram(c, 128, 64))
	if err != nil {
		t.Fatal(err)
	}
	if got := quant.DecodeBytes(c.want.Type, res.Outputs[0]); !slices.Equal(got, c.want.Data) {
		t.Fatal("tiled GEMM output differs from the reference")
	}
	if u := res.Stats.Utilization(UnitMatrix); u < 0.5 {
		t.Errorf("matrix unit busy %.2f of the time; double buffering should keep it above half", u)
	}
}

// BenchmarkGEMM1024 simulates a 1024x1024x1024 int8 GEMM on mobile-npu,
// values and timing.
func BenchmarkGEMM1024(b *testing.B) {
	cfg := mustPreset("mobile-npu")
	rng := rand.New(rand.NewPCG(7, 7))
	c := randomFC(rng, 1024, 1024, 1024, []quant.Variant{quant.VariantDoubleRounding}, true)
	p := tiledFCProgram(c, 128, 64)
	var cycles uint64
	for b.Loop() {
		res, err := platform.Run(cfg, p)
		if err != nil {
			b.Fatal(err)
		}
		cycles = res.Stats.Cycles
	}
	perRun := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(1<<30)/perRun, "simMACs/s")
	b.ReportMetric(perRun*1e9/float64(cycles), "ns/simcycle")
	b.ReportMetric(float64(cycles), "simcycles")
}

// BenchmarkDMA streams 16 MiB through the activation scratchpad.
func BenchmarkDMA(b *testing.B) {
	cfg := mustPreset("mobile-npu")
	p := streamProgram(256, 64<<10, 16, 32)
	for b.Loop() {
		if _, err := platform.Run(cfg, p); err != nil {
			b.Fatal(err)
		}
	}
	perRun := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(256*64<<10)/perRun, "simbytes/s")
}
