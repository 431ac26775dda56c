package drivers

import (
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/npu"
)

// TestEmitProgram: the emit stage lowers every step of every layer's
// schedule in order, tags each command with its layer, and gives each at
// most one dependency per other unit, on earlier commands.
func TestEmitProgram(t *testing.T) {
	mp := planFor(t, convModel(t, 16, 16, 8, 32, 3), "reference", "tiny")
	prog, err := emitProgram(mp, loadHW(t, "tiny"), &intervalTracker{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(prog.Layers, []string{"input", "conv", "output"}) {
		t.Errorf("layers %v", prog.Layers)
	}
	conv := mp.layerPlans(t, "conv")[0]
	want := 0
	for _, s := range conv.appendSchedule(nil) {
		want += len(conv.lower(s))
	}
	if len(prog.Commands) != want || want != 82 { // records and weights, 8 input loads, 8 tiles x 4 blocks x (matmul, requantization), 8 stores
		t.Errorf("%d commands, want %d = 82", len(prog.Commands), want)
	}
	for i, c := range prog.Commands {
		if c.Layer != 1 || len(c.Deps) > unitCount-1 || !slices.IsSorted(c.Deps) || len(c.Deps) > 0 && c.Deps[len(c.Deps)-1] >= i {
			t.Fatalf("command %d (%s): layer %d, dependencies %v", i, c.Name(), c.Layer, c.Deps)
		}
	}
	if !slices.Equal(prog.DRAM, mp.dram.image) || prog.DRAMBytes != mp.dram.bytes || len(prog.Outputs) != 1 {
		t.Error("the program's DRAM image, size or outputs are not the plan's")
	}
}

// fixedPlan is a plan of one step whose lowering is given.
type fixedPlan []npu.Operation

func (p fixedPlan) appendSchedule(s []step) []step { return append(s, mkStep(compute, 0, 0, all, 0)) }
func (p fixedPlan) lower(step) []npu.Operation     { return p }

// TestEmitChecksEveryCommand: the emitter checks each command as
// Program.Validate does, and a bad one is an error naming it.
func TestEmitChecksEveryCommand(t *testing.T) {
	hw := loadHW(t, "tiny")
	load := &npu.DMA{SRAM: npu.ActivationSRAM, RunBytes: 64, Rows: 1, Planes: 1}
	outside := &npu.DMA{SRAM: npu.ActivationSRAM, Addr: hw.Bytes(npu.ActivationSRAM) - 8, RunBytes: 64, Rows: 1, Planes: 1}
	for _, c := range []struct {
		ops  fixedPlan
		want string
	}{
		{fixedPlan{load}, ""},
		{fixedPlan{load, &npu.MatMul{}}, "command 1 (matmul): bad dimensions M=0 K=0 N=0"},
		{fixedPlan{outside}, "command 0 (dma.load): touches"},
	} {
		mp := &modelPlan{dram: dramMap{bytes: 1 << 20}, layers: []plannedLayer{{name: "l", plans: []layerPlan{c.ops}}}}
		prog, err := emitProgram(mp, hw, &intervalTracker{})
		switch {
		case c.want == "" && (err != nil || len(prog.Commands) != len(c.ops)):
			t.Errorf("%d valid commands: %v", len(c.ops), err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
		if err == nil {
			if verr := prog.Validate(hw); verr != nil {
				t.Errorf("emitted a program Validate refuses: %v", verr)
			}
		}
	}
}
