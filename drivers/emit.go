package drivers

import "github.com/npusim/npusim/npu"

// emitter is the last stage: it appends operations to the program as
// commands, each with the layer it belongs to and the dependencies its
// scratchpad footprint requires.
type emitter struct {
	prog  *npu.Program
	deps  dependencyTracker
	layer int
}

// dependencyTracker derives a command's dependencies from the scratchpad
// ranges it and the commands before it read and write.
type dependencyTracker interface {
	// order returns the dependencies of command i and records its accesses.
	order(i int, op npu.Operation) []int
}

// beginLayer starts a layer of the program.
func (e *emitter) beginLayer(name string) {
	e.prog.Layers = append(e.prog.Layers, name)
	e.layer = len(e.prog.Layers) - 1
}

// emit appends an operation as a command of the current layer.
func (e *emitter) emit(op npu.Operation) {
	i := len(e.prog.Commands)
	e.prog.Commands = append(e.prog.Commands, npu.Command{Op: op, Deps: e.deps.order(i, op), Layer: e.layer})
}

// emitProgram runs the schedule and lowering of every planned layer and
// emits the commands.
func emitProgram(mp *modelPlan, deps dependencyTracker) *npu.Program {
	e := &emitter{prog: &npu.Program{}, deps: deps}
	for _, layer := range mp.layers {
		e.beginLayer(layer.name)
		for _, p := range layer.plans {
			for _, s := range p.schedule() {
				for _, op := range p.lower(s) {
					e.emit(op)
				}
			}
		}
	}
	e.prog.DRAM, e.prog.DRAMBytes, e.prog.Outputs = mp.dram.image, mp.dram.bytes, mp.outputs
	return e.prog
}

// allPairsTracker orders a command after every earlier command of another
// unit that wrote a range it touches (read after write, write after write)
// or read a range it writes (write after read). Commands of one unit execute
// in order, and every DMA is on one unit, so DRAM needs no tracking.
type allPairsTracker struct {
	recs []access
}

type access struct {
	span npu.Span
	cmd  int
	unit npu.Unit
}

func (d *allPairsTracker) order(i int, op npu.Operation) []int {
	unit := op.Unit()
	var deps []int
	seen := map[int]bool{}
	spans := op.Footprint()
	for _, s := range spans {
		for _, r := range d.recs {
			if r.unit != unit && !seen[r.cmd] && r.span.Overlaps(s) {
				seen[r.cmd] = true
				deps = append(deps, r.cmd)
			}
		}
	}
	for _, s := range spans {
		if s.Write { // a later conflicting command orders after this one, so covered records go
			kept := d.recs[:0]
			for _, r := range d.recs {
				if r.span.SRAM != s.SRAM || r.span.Lo < s.Lo || r.span.Hi > s.Hi {
					kept = append(kept, r)
				}
			}
			d.recs = kept
		}
	}
	for _, s := range spans {
		d.recs = append(d.recs, access{s, i, unit})
	}
	sortInts(deps)
	return deps
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
