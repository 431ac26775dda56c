package drivers_test

import (
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads/zoo"
)

// TestCeilingChangesNoResult: on mobile-npu with a 1 GiB activation
// scratchpad, every tensor the compiler may keep stays on chip without a
// spill, the program touches a few MiB of the scratchpad rather than its
// end, and the run is the run with 64 MiB: capacity above the ceiling
// changes nothing.
func TestCeilingChangesNoResult(t *testing.T) {
	for _, name := range []string{"digits-cnn", "mobilenet-v2"} {
		w, err := zoo.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		var cycles [2]uint64
		var traffic [2]drivers.DRAMTraffic
		for i, kib := range []int{1 << 20, 64 << 10} {
			hw := *mustHW(t, "mobile-npu")
			hw.SRAM.ActivationKiB = kib
			c, err := drivers.Compile(w.Model, mustPolicy(t, "reference"), &hw)
			if err != nil {
				t.Fatal(err)
			}
			if notes := strings.Join(c.Notes, "; "); !strings.Contains(notes, "0 of them spilled") {
				t.Errorf("%s at %d KiB: %q, want no spill", name, kib, notes)
			}
			extent := 0
			for k := range c.Program.Commands {
				for _, s := range c.Program.Commands[k].Footprint() {
					if s.SRAM == npu.ActivationSRAM {
						extent = max(extent, s.Hi)
					}
				}
			}
			if extent > 64<<20 {
				t.Errorf("%s at %d KiB touches the activation scratchpad up to %d bytes", name, kib, extent)
			}
			run := mustRun(t, c, w.Inputs[0])
			cycles[i], traffic[i] = run.Stats.Cycles, c.Traffic(run.Stats)
		}
		if cycles[0] != cycles[1] || traffic[0] != traffic[1] {
			t.Errorf("%s: 1 GiB: %d cycles, %+v; 64 MiB: %d cycles, %+v", name, cycles[0], traffic[0], cycles[1], traffic[1])
		}
	}
}
