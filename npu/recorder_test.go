package npu

import (
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/sarchlab/akita/v3/sim"
)

func loadPreset(t *testing.T, name string) *Config {
	t.Helper()
	cfg, err := LoadConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestRecorderKeepsTheStats feeds a recorder the reports of a two-command
// run on mobile-npu (1 GHz, 50 mW static) and checks every figure: a 128-byte
// load in layer 0 from cycle 2 to 30, then a 2x32 mult16 requantization in
// layer 1 from 33 to 40 that waited 31 cycles for the load.
func TestRecorderKeepsTheStats(t *testing.T) {
	cfg := loadPreset(t, "mobile-npu")
	rq := &Requant{M: 2, N: 32, Acc: AccRegion{RowStride: 32}, Variant: quant.VariantMult16, Hi: 127, OutRowStride: 32}
	p := &Program{Layers: []string{"in", "conv"}, Commands: []Command{
		{Op: &DMA{SRAM: ActivationSRAM, RunBytes: 128, Rows: 1, Planes: 1}},
		{Op: rq, Deps: []int{0}, Layer: 1},
	}}
	var load Counters
	load.DRAMRead, load.SRAMWrite[ActivationSRAM] = 128, 128
	r := NewRecorder(cfg, p)
	for _, item := range []any{
		&CommandIssued{Seq: 0, Command: &p.Commands[0], Cycle: 1, Waited: 1},
		&CommandStarted{Seq: 0, Command: &p.Commands[0], Cycle: 2},
		&CommandCompleted{Seq: 0, Command: &p.Commands[0], Cycle: 30, Counters: load},
		&CommandIssued{Seq: 1, Command: &p.Commands[1], Cycle: 32, Waited: 31, WaitedOn: UnitDMA},
		&CommandStarted{Seq: 1, Command: &p.Commands[1], Cycle: 33},
		&CommandCompleted{Seq: 1, Command: &p.Commands[1], Cycle: 40, Counters: rq.Counters(cfg)},
	} {
		r.Func(sim.HookCtx{Item: item})
	}
	s, err := r.Stats()
	if err != nil {
		t.Fatal(err)
	}
	c0, c1 := s.Commands[0], s.Commands[1]
	if c0.Name != "dma.load" || c0.Issue != 1 || c0.Start != 2 || c0.End != 30 ||
		c0.Energy[CompDRAM] != 128*8*6 || c0.Energy[CompActivationSRAM] != 128*0.3 {
		t.Errorf("load %+v", c0)
	}
	// 64 outputs at 0.07 pJ; 256 accumulator, 512 record and 64 output bytes at 0.3 pJ
	if c1.Unit != UnitRequant || c1.Layer != 1 || c1.Waited != 31 || c1.Energy[CompRequant] != 64*0.07 ||
		c1.Energy[CompAccumulatorSRAM] != 256*0.3 || c1.Energy[CompWeightSRAM] != 512*0.3 ||
		c1.Energy[CompActivationSRAM] != 64*0.3 {
		t.Errorf("requant %+v", c1)
	}
	if s.Cycles != 40 || s.Busy[UnitDMA] != 28 || s.Busy[UnitRequant] != 7 || s.StallDMA != 32 || s.StallCompute != 0 {
		t.Errorf("run: %d cycles, busy %v, stalls %d on DMA and %d on compute", s.Cycles, s.Busy, s.StallDMA, s.StallCompute)
	}
	layerCycles := []uint64{s.Layers[0].Cycles, s.Layers[1].Cycles}
	if !slices.Equal(layerCycles, []uint64{30, 10}) ||
		s.Layers[0].Energy[CompStatic] != 1500 || s.Energy[CompStatic] != 2000 {
		t.Errorf("layers of %v cycles, static %v and %v pJ of %v; want 30 and 10 cycles, 50 pJ a cycle",
			layerCycles, s.Layers[0].Energy[CompStatic], s.Layers[1].Energy[CompStatic], s.Energy[CompStatic])
	}
}

// TestPricingNeverDiscardsAnError: counters that name a mode the hardware
// lacks fail the run instead of costing nothing.
func TestPricingNeverDiscardsAnError(t *testing.T) {
	rq := &Requant{M: 1, N: 4, Variant: quant.VariantDoubleRounding, Hi: 127}
	mm := &MatMul{M: 1, K: 1, N: 1, Mode: Accumulation{Bits: 32, Overflow: Wrap}}
	tests := []struct {
		hw       string
		op       Compute
		counters func(*Counters)
		want     string
	}{
		{"edge-tpu-like", rq, func(*Counters) {},
			"command 0 (requant): pricing requantized outputs: " +
				"the requantization unit of edge-tpu-like does not implement double-rounding (it has [fp32])"},
		{"mobile-npu", rq, func(c *Counters) { c.RequantOutputs = map[string]uint64{"round-to-odd": 4} },
			`command 0 (requant): pricing requantized outputs: unknown requantization variant "round-to-odd"`},
		{"low-cost", mm, func(*Counters) {},
			"command 0 (matmul): low-cost does not implement 32-bit wrap accumulators (it has [acc24-saturate])"},
	}
	for _, tc := range tests {
		cfg := loadPreset(t, tc.hw)
		p := &Program{Commands: []Command{{Op: tc.op}}}
		counters := tc.op.Counters(cfg)
		tc.counters(&counters)
		r := NewRecorder(cfg, p)
		r.Func(sim.HookCtx{Item: &CommandCompleted{Seq: 0, Command: &p.Commands[0], Cycle: 9, Counters: counters}})
		if _, err := r.Stats(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.hw, err, tc.want)
		}
	}
}

// TestDMARuns walks a 2-plane, 2-row box.
func TestDMARuns(t *testing.T) {
	d := &DMA{DRAM: 1000, Addr: 10, RunBytes: 4, Rows: 2, Planes: 2,
		DRAMRowStride: 100, DRAMPlaneStride: 1000, SRAMRowStride: 8, SRAMPlaneStride: 16}
	var dram []uint64
	var sram []int
	for dr, sr := range d.Runs() {
		dram, sram = append(dram, dr), append(sram, sr)
	}
	if !slices.Equal(dram, []uint64{1000, 1100, 2000, 2100}) || !slices.Equal(sram, []int{10, 18, 26, 34}) {
		t.Errorf("runs at DRAM %v and SRAM %v", dram, sram)
	}
}
