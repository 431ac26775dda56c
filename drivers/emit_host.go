package drivers

import (
	"slices"

	"github.com/npusim/npusim/npu"
)

// fence orders host CPU commands with the NPU's as NNAPI orders the
// partitions of a graph: a host command waits for the last command of
// every unit (the NPU's partition has finished and its outputs are in
// DRAM), and the command after it waits for it (the next partition starts
// when the CPU is done). Host commands touch no scratchpad, so the
// footprint tracker cannot order them.
type fence struct {
	last [npu.NumUnits]int // 1 + the last command of each unit, 0 if none
	host int               // 1 + the host command the next command waits for
}

// order adds the fence's dependencies of command i to deps.
func (f *fence) order(i int, op npu.Operation, deps []int) []int {
	if f.host > 0 {
		deps = append(deps, f.host-1)
		f.host = 0
	}
	if _, ok := op.(*npu.Host); ok {
		for _, l := range f.last {
			if l > 0 {
				deps = append(deps, l-1)
			}
		}
		f.host = i + 1
	}
	f.last[op.Unit()] = i + 1
	slices.Sort(deps)
	return slices.Compact(deps)
}
