package drivers

import (
	"slices"
	"testing"
)

// TestEmitProgram: the emit stage lowers every step of every layer's
// schedule in order, tags each command with its layer, and gives each at
// most one dependency per other unit, on earlier commands.
func TestEmitProgram(t *testing.T) {
	mp := planFor(t, convModel(t, 16, 16, 8, 32, 3), "reference", "tiny")
	prog := emitProgram(mp, &intervalTracker{})
	if !slices.Equal(prog.Layers, []string{"input", "conv", "output"}) {
		t.Errorf("layers %v", prog.Layers)
	}
	conv := mp.layerPlans(t, "conv")[0]
	want := 0
	for _, s := range conv.schedule() {
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
