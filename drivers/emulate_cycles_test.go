package drivers

import (
	"math"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/quant"
)

// TestSequenceCostsAreTheSumOfItsCommands runs the double-rounding
// sequence of a 32 x 32 block alone on the platform, for a 32-bit and a
// 16-bit vector datapath: the vector unit is busy exactly the sum of the
// commands' cycle counts (docs/timing.md), the run ends one cycle after
// each command (the completion's hop back to the command processor) plus
// the first issue, and the vector energy is the commands' lane operations
// priced by the preset.
func TestSequenceCostsAreTheSumOfItsCommands(t *testing.T) {
	cases := []struct {
		bits                 int
		commands, sum, cycle int
		ops, mul16, mul32    uint64
	}{
		// 32 lanes and 3 stages: a block command takes 1024/32 + 3 = 35
		// cycles, a row command 32/32 + 3 = 4. Both sequences have 9 row
		// commands (3 record fields, 6 shift amounts and masks); 32-bit: 20
		// block commands (bias, shift, 32x32 product, 4 to round it, 2 to
		// saturate, 6 to divide, 4 to clamp and narrow), 16-bit: 32 (the
		// product from four 16x16 ones and 10 more operations, 13 more).
		{bits: 32, commands: 29, sum: 9*4 + 20*35, cycle: 9*4 + 20*35 + 29 + 1, ops: 19*1024 + 9*32, mul32: 1024},
		{bits: 16, commands: 41, sum: 9*4 + 32*35, cycle: 9*4 + 32*35 + 41 + 1, ops: 28*1024 + 9*32, mul16: 4 * 1024},
	}
	for _, c := range cases {
		b := newSeqBench(t, c.bits, 32, 32)
		j := b.job(quant.VariantDoubleRounding)
		j.out = 8192
		prog := &npu.Program{Layers: []string{"requantize"}, DRAMBytes: 64}
		sum := 0
		for _, op := range vectorRequant(j, c.bits, b.s) {
			prog.Commands = append(prog.Commands, npu.Command{Op: op})
			sum += op.(npu.Compute).Cycles(b.cfg)
		}
		res, err := platform.Run(b.cfg, prog)
		if err != nil {
			t.Fatal(err)
		}
		st := res.Stats
		if len(prog.Commands) != c.commands || sum != c.sum || st.Busy[npu.UnitVector] != uint64(sum) || st.Cycles != uint64(c.cycle) {
			t.Errorf("%d-bit: %d commands, %d cycles summed, vector busy %d, run %d cycles; want %d, %d, %d, %d",
				c.bits, len(prog.Commands), sum, st.Busy[npu.UnitVector], st.Cycles, c.commands, c.sum, c.sum, c.cycle)
		}
		k := st.Counters.VectorInt
		if k.Ops != c.ops || k.Mul16 != c.mul16 || k.Mul32 != c.mul32 {
			t.Errorf("%d-bit: counted %+v, want %d ops, %d mul16, %d mul32", c.bits, k, c.ops, c.mul16, c.mul32)
		}
		v := b.cfg.Vector.Integer
		sram := float64(st.Counters.SRAMRead[npu.AccumulatorSRAM]+st.Counters.SRAMWrite[npu.AccumulatorSRAM]) * 0.3
		want := float64(k.Ops)*v.OpPJ + float64(k.Mul16)*v.Mul16PJ + float64(k.Mul32)*v.Mul32PJ
		if got := st.Energy[npu.CompVector]; math.Abs(got-want) > 1e-9*want {
			t.Errorf("%d-bit: vector energy %.4f pJ, want %.4f", c.bits, got, want)
		}
		if got := st.Energy[npu.CompAccumulatorSRAM]; math.Abs(got-sram) > 1e-9*sram {
			t.Errorf("%d-bit: accumulator SRAM energy %.4f pJ, want %.4f", c.bits, got, sram)
		}
	}
}
