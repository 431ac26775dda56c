package drivers

import "github.com/npusim/npusim/npu"

// The ceiling of kept tensors. The placement keeps tensors from the top of
// the activation scratchpad down (residency.go), so a scratchpad far larger
// than the model would put them at addresses near its end, and a run would
// have to back the whole capacity with memory (npu.NewScratchpadsFor backs
// a scratchpad up to the highest address the program touches). Kept tensors
// therefore start below a ceiling: the capacity, or, when that is larger,
// the most the model can use, which is
//
//	2 x (every tensor of the model at once, each aligned)
//	  + 8 x (the largest op's operands and output)   the layer's buffers
//	  + 1 MiB
//
// Every tensor can be kept at once with room to spare below the ceiling
// (the factor 2 absorbs the holes of the first fit), and every layer finds
// below them at least 8 times its own tensors, more than its double-buffered
// input, output and skip tiles and their margins need at whole-tensor tiles.
// Above that bound more capacity changes no decision: TestCeilingChangesNoResult
// finds no spill, and the same run, at 64 MiB and at 1 GiB.
const ceilingSlack = 1 << 20

// ceiling is the address below which the placement keeps tensors.
func (pl *planner) ceiling() int {
	all, largest := 0, 0
	align := func(n int) int { return (n + sramAlign - 1) / sramAlign * sramAlign }
	for _, t := range pl.m.Tensors {
		all += align(t.Len())
	}
	for _, op := range pl.m.Ops {
		n := align(pl.m.Tensors[op.Output].Len())
		for _, i := range op.Inputs {
			n += align(pl.m.Tensors[i].Len())
		}
		largest = max(largest, n)
	}
	return min(pl.hw.Bytes(npu.ActivationSRAM), 2*all+8*largest+ceilingSlack)
}
