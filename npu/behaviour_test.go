package npu_test

import (
	"encoding/json"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	. "github.com/npusim/npusim/npu" //nolint:revive // the tests read as if inside package npu
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/quant"
)

// streamProgram double-buffers tiles of tileBytes through the activation
// scratchpad and runs an M x 32 x N matmul on each: with big tiles and a small
// matmul it is DMA-bound, with small tiles and a big matmul compute-bound.
func streamProgram(tiles, tileBytes, m, n int) *Program {
	var b progBuilder
	src := b.data(make([]byte, tiles*tileBytes))
	weights := b.load(b.data(make([]byte, 32*n)), WeightSRAM, 0, 32*n)
	loads, mms := make([]int, tiles), make([]int, tiles)
	buf := func(i int) int { return (i % 2) * tileBytes }
	emitLoad := func(i int) {
		deps := []int{}
		if i >= 2 {
			deps = append(deps, mms[i-2]) // the buffer is free once tile i-2 is consumed
		}
		loads[i] = b.load(src+uint64(i*tileBytes), ActivationSRAM, buf(i), tileBytes, deps...)
	}
	emitLoad(0)
	for i := range tiles {
		if i+1 < tiles {
			emitLoad(i + 1)
		}
		mms[i] = b.add(Command{Deps: []int{loads[i], weights}, Op: &MatMul{M: m, K: 32, N: n, A: matrixOperand(buf(i), m, 32, 0),
			BColStride: 32, BRowStride: 1, Acc: AccRegion{RowStride: n}, Mode: acc32}})
	}
	return b.program()
}

func TestBottlenecks(t *testing.T) {
	slow := mustPreset("mobile-npu")
	fast := mustPreset("mobile-npu")
	fast.DMA.BytesPerCycle *= 2
	fast.DRAM.BandwidthGBps *= 2
	run := func(cfg *Config, p *Program) *Stats {
		res, err := platform.Run(cfg, p)
		if err != nil {
			t.Fatal(err)
		}
		return res.Stats
	}
	dmaBound := streamProgram(16, 64<<10, 16, 32)     // 2560-cycle loads, 110-cycle matmuls
	computeBound := streamProgram(16, 2<<10, 64, 256) // ~180-cycle loads, 1264-cycle matmuls

	s := run(slow, dmaBound)
	if s.StallDMA <= 10*s.StallCompute || s.Utilization(UnitDMA) < 0.9 {
		t.Errorf("DMA-bound: stalls on DMA %d, on compute %d, DMA utilisation %.2f; want DMA stalls to dominate and the DMA busy", s.StallDMA, s.StallCompute, s.Utilization(UnitDMA))
	}
	if f := run(fast, dmaBound); float64(f.Cycles) > 0.6*float64(s.Cycles) {
		t.Errorf("DMA-bound: doubling DMA bandwidth went from %d to %d cycles, want nearly half", s.Cycles, f.Cycles)
	}

	c := run(slow, computeBound)
	if c.StallCompute <= 10*c.StallDMA || c.Utilization(UnitMatrix) < 0.9 {
		t.Errorf("compute-bound: stalls on compute %d, on DMA %d, matrix utilisation %.2f; want compute stalls to dominate and the array busy", c.StallCompute, c.StallDMA, c.Utilization(UnitMatrix))
	}
	if f := run(fast, computeBound); float64(f.Cycles) < 0.97*float64(c.Cycles) {
		t.Errorf("compute-bound: doubling DMA bandwidth went from %d to %d cycles, want almost no change", c.Cycles, f.Cycles)
	}
}

func TestEnergyLedger(t *testing.T) {
	cfg := mustPreset("mobile-npu")
	rng := rand.New(rand.NewPCG(1, 2))
	res, err := platform.Run(cfg, fcProgram(randomFC(rng, 50, 80, 40, []quant.Variant{quant.VariantDoubleRounding}, true)))
	if err != nil {
		t.Fatal(err)
	}
	s := res.Stats
	var commands, layers Energy
	for _, c := range s.Commands {
		commands.Add(c.Energy)
	}
	for _, l := range s.Layers {
		layers.Add(l.Energy)
	}
	commands[CompStatic] = cfg.StaticPJ(s.Cycles)
	for comp := range NumComponents {
		if !near(commands[comp], s.Energy[comp]) || !near(layers[comp], s.Energy[comp]) {
			t.Errorf("%v: commands sum to %v pJ, layers to %v, total says %v", comp, commands[comp], layers[comp], s.Energy[comp])
		}
	}
	var parts float64
	for _, e := range s.Energy {
		parts += e
	}
	if !near(parts, s.Energy.Total()) || s.Energy[CompArray] != float64(50*80*40)*0.05 {
		t.Errorf("total %v, parts %v, array %v (want 160000 MACs x 0.05 pJ)", s.Energy.Total(), parts, s.Energy[CompArray])
	}
	// 1 GHz, 50 mW: static energy is 50 pJ per cycle
	if !near(s.Energy[CompStatic], 50*float64(s.Cycles)) {
		t.Errorf("static %v pJ over %d cycles, want 50 pJ per cycle", s.Energy[CompStatic], s.Cycles)
	}

	idle, err := platform.Run(cfg, &Program{Layers: []string{"idle"}})
	if err != nil {
		t.Fatal(err)
	}
	if e := idle.Stats.Energy; e.Total() != e[CompStatic] {
		t.Errorf("a program with no work costs %v pJ, of which static %v", e.Total(), e[CompStatic])
	}
}

// near reports whether a lies within 1e-6 of b, relative to b when b exceeds 1.
func near(a, b float64) bool { return a-b < 1e-6*max(1, b) && b-a < 1e-6*max(1, b) }

// TestRequantModesCostWhatTheHardwareSays runs the same requantization in
// 16-bit and in 32-bit double-rounding mode.
func TestRequantModesCostWhatTheHardwareSays(t *testing.T) {
	cfg := mustPreset("mobile-npu")
	energy := map[quant.Variant]Energy{}
	cycles := map[quant.Variant]uint64{}
	for _, v := range []quant.Variant{quant.VariantDoubleRounding, quant.VariantMult16} {
		rng := rand.New(rand.NewPCG(3, 3))
		c := randomFC(rng, 64, 64, 64, []quant.Variant{v}, true)
		res, err := platform.Run(cfg, fcProgram(c))
		if err != nil {
			t.Fatal(err)
		}
		rq := res.Stats.Commands[4]
		energy[v], cycles[v] = rq.Energy, rq.End-rq.Start
	}
	d, m := quant.VariantDoubleRounding, quant.VariantMult16
	if energy[m][CompRequant] != 64*64*0.07 || energy[d][CompRequant] != 64*64*0.25 || cycles[m] >= cycles[d] {
		t.Errorf("requant energy %v vs %v pJ, cycles %d vs %d; want 4096 x 0.07 and 4096 x 0.25, mult16 faster", energy[m][CompRequant], energy[d][CompRequant], cycles[m], cycles[d])
	}
}

func TestDeterminism(t *testing.T) {
	cfg := mustPreset("mobile-npu")
	rng := rand.New(rand.NewPCG(4, 4))
	c := randomFC(rng, 90, 150, 60, cfg.RequantVariants(), false)
	var first []byte
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for i, procs := range []int{1, 2, 1, 2} {
		runtime.GOMAXPROCS(procs)
		res, err := platform.Run(cfg, fcProgram(c))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(struct {
			Out   [][]byte
			Stats *Stats
		}{res.Outputs, res.Stats})
		if i == 0 {
			first = got
		} else if !slices.Equal(got, first) {
			t.Fatalf("run %d at GOMAXPROCS %d differs from the first run", i, procs)
		}
	}
}

func TestBadConfigs(t *testing.T) {
	preset, err := LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	base := preset.Source
	cases := []struct{ old, new, want string }{
		{"rows: 32", "rows: 0", "hw config bad.yaml: array.rows: must be from 1 to 1024, got 0"},
		{"accumulator_kib: 64", "accumulator_kib: 0", "sram.accumulator_kib: must be > 0 and <= 1048576, got 0"},
		{"weight_kib: 256", "weight_kib: 1", "sram.weight_kib: 1024 bytes cannot hold one weight tile and its requantization records: 1536 bytes"},
		{"bandwidth_gbps: 25.6", "bandwidth_gbps: -25.6", "dram.bandwidth_gbps: must be from 0.001 to 10000, got -25.6"},
		{"variant: truncate,", "variant: round-to-odd,", `unknown requantization variant "round-to-odd"`},
		{"dataflow: ws", "dataflow: is", "array.dataflow: must be ws or os, got is"},
		{"burst_bytes: 64", "burst_bytes: 48", "dma.burst_bytes: must be a power of two from 1 to 4096, got 48"},
		{"rows: 32", "rows: 32\n  colums: 4", "array.colums: unknown field (line 9"},
		{"{bits: 24, overflow: wrap", "{bits: 20, overflow: wrap", "array.accumulators[3].bits: must be 16, 24 or 32, got 20"},
		{"{bits: 24, overflow: wrap", "{bits: 24, overflow: clip", `array.accumulators[3].overflow: must be saturate or wrap, got "clip" (line 20)`},
		{"{bits: 24, overflow: wrap", "{bits: 24, overflow: ''", `array.accumulators[3].overflow: must be saturate or wrap, got ""`},
		{"static_mw: 50", "static_mw: .nan", "energy.static_mw: must be from 0 to 1000000, got NaN"},
		{"lanes: 64", "lanes: 0", "requant.modes[6].lanes: must be from 1 to 4096, got 0"},
		{"clock_mhz: 1000", "clock_mhz: fast", `clock_mhz: must be a number, got the text "fast" (line 6)`},
		{"multipliers: per-channel", "multipliers: per-layer", `requant.multipliers: must be per-channel or per-tensor, got "per-layer"`},
		{"multiplier_bits: 32", "multiplier_bits: 24", "vector.integer.multiplier_bits: must be 16 or 32, got 24"},
		{"multiplier_bits: 32", "multiplier_bits: 16", "vector.integer.mul32_pj: a 16-bit datapath has no 32x32 multiplier, got 0.22"},
		{"multiplier_bits: 32\n    lanes: 32", "multiplier_bits: 32\n    lanes: 0", "vector.integer.lanes: must be from 1 to 4096, got 0"},
		{"mul16_pj: 0.07", "mul16_pj: -1", "vector.integer.mul16_pj: must be from 0 to 1000000, got -1"},
		{"clock_mhz: 2208", "clock_mhz: 0", "host.clock_mhz: must be from 1 to 10000, got 0"},
		{"macs_per_cycle: 3.44", "macs_per_cycle: 0", "host.depthwise.macs_per_cycle: must be from 0.001 to 4096, got 0"},
		{"handoff_us: 1900", "handoff_us: -1", "host.handoff_us: must be from 0 to 1000000, got -1"},
		{"handoff_uj: 1227", "handoff_uj: 1227\n  cores: 4", "host.cores: unknown field (line"},
	}
	for _, c := range cases {
		text := strings.Replace(string(base), c.old, c.new, 1)
		if text == string(base) {
			t.Fatalf("%q not found in the preset", c.old)
		}
		_, err := ParseConfig("bad.yaml", []byte(text))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s -> %s: error %v, want one line containing %q", c.old, c.new, err, c.want)
		}
	}
	for _, name := range Presets() {
		if _, err := LoadConfig(name); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
	if _, err := LoadConfig("phone-npu"); err == nil || !strings.Contains(err.Error(), "no such preset") {
		t.Errorf("unknown preset: %v", err)
	}
}

func TestBadPrograms(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	c := randomFC(rng, 20, 30, 10, []quant.Variant{quant.VariantDoubleRounding}, true)
	cases := []struct {
		name   string
		hw     string
		mutate func(p *Program)
		want   string
	}{
		{"SRAM overflow", "mobile-npu", func(p *Program) { p.Commands[0].Op.(*DMA).Addr = 512<<10 - 10 },
			"command 0 (dma.load): touches activation SRAM [524278, 524878), outside its 524288 bytes"},
		{"DRAM overflow", "mobile-npu", func(p *Program) { p.Commands[5].Op.(*DMA).DRAM = p.DRAMBytes },
			"command 5 (dma.store): DRAM"},
		{"missing dependency", "mobile-npu", func(p *Program) { p.Commands[4].Deps = nil },
			"hazard: command 4 (requant) touches weight SRAM [300, 460) while command 2 (dma.load) in flight touches weight SRAM [300, 460); a dependency is missing"},
		{"forward dependency", "mobile-npu", func(p *Program) { p.Commands[1].Deps = []int{4} }, "dependency 4 is not an earlier command"},
		{"variant the hardware lacks", "edge-tpu-like", func(*Program) {}, "the requantization unit of edge-tpu-like does not implement double-rounding (it has [fp32])"},
		{"accumulator the hardware lacks", "low-cost", func(*Program) {}, "low-cost does not implement 32-bit wrap accumulators (it has [acc24-saturate])"},
		{"window outside the tile", "mobile-npu", func(p *Program) { p.Commands[3].Op.(*MatMul).A.TileW = 5 }, "im2col reads input columns 0..19, but the tile holds 0..4"},
	}
	for _, tc := range cases {
		p := fcProgram(c)
		tc.mutate(p)
		_, err := platform.Run(mustPreset(tc.hw), p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
