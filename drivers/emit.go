package drivers

import "github.com/npusim/npusim/npu"

// emitter is the last stage: it appends operations to the program as
// commands, each with the layer it belongs to and the dependencies its
// scratchpad footprint requires.
type emitter struct {
	prog  *npu.Program
	deps  dependencyTracker
	layer int
	fence fence
}

// dependencyTracker derives a command's dependencies from the scratchpad
// ranges it and the commands before it read and write.
type dependencyTracker interface {
	// order returns the dependencies of command i, which runs on unit and
	// accesses spans, and records its accesses.
	order(i int, unit npu.Unit, spans []npu.Span) []int
}

// beginLayer starts a layer of the program.
func (e *emitter) beginLayer(name string) {
	e.prog.Layers = append(e.prog.Layers, name)
	e.layer = len(e.prog.Layers) - 1
}

// emit appends an operation as a command of the current layer.
func (e *emitter) emit(op npu.Operation) {
	i := len(e.prog.Commands)
	deps := e.fence.order(i, op, e.deps.order(i, op.Unit(), op.Footprint()))
	e.prog.Commands = append(e.prog.Commands, npu.Command{Op: op, Deps: deps, Layer: e.layer})
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
