package drivers

import (
	"slices"
	"sort"

	"github.com/npusim/npusim/internal/parallel"
	"github.com/npusim/npusim/npu"
)

// emitter is the last stage: it appends operations to the program as
// commands, each with the layer it belongs to and the dependencies its
// scratchpad footprint requires, including on the writers of a captured
// piece it overwrites, and checks each command as npu.Program.Validate
// would, while the operation is at hand.
type emitter struct {
	prog *npu.Program
	hw   *npu.Config
	deps dependencyTracker
	// layers is the number of the program's layers; err the first invalid
	// command's error.
	layers int
	err    error
	layer  int
	fence  fence
	spans  []npu.Span // the footprint of the command being emitted
	// captures marks the scratchpads that hold a captured piece: only
	// there do writes and captures need tracking.
	captures [sramCount]bool
	// writes maps, per scratchpad and unit, each byte to the latest
	// command of the unit that wrote it: where captures find their writers.
	writes [sramCount][unitCount]paintMap
	// captured maps, per scratchpad and unit, each byte of a captured piece
	// to the piece's writer on that unit, until a command writes the byte:
	// that command waits for the writer, since the capture copies the
	// piece only when its writers complete (npu.Capture).
	captured [sramCount][unitCount]paintMap
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
	e.spans = op.AppendFootprint(e.spans[:0])
	spans := e.spans
	deps := e.fence.order(i, op, e.afterCaptures(spans, e.deps.order(i, op.Unit(), spans)))
	e.prog.Commands = append(e.prog.Commands, npu.Command{Op: op, Deps: deps, Layer: e.layer})
	if e.err == nil {
		e.err = e.prog.Commands[i].Check(e.hw, i, e.layers, e.prog.DRAMBytes, spans)
	}
	for _, s := range spans {
		if s.Write && e.captures[s.SRAM] {
			e.writes[s.SRAM][op.Unit()].paint(s.Lo, s.Hi, i)
		}
	}
}

// afterCaptures adds to deps, for each span the command writes, the
// writers of the captured pieces it would overwrite, and forgets those
// bytes: later writers of them follow this command. It keeps one
// dependency per unit, the latest (a unit completes its commands in
// order).
func (e *emitter) afterCaptures(spans []npu.Span, deps []int) []int {
	var latest [npu.NumUnits]int
	for u := range latest {
		latest[u] = none
	}
	for _, s := range spans {
		if !s.Write || !e.captures[s.SRAM] {
			continue
		}
		for u := range unitCount {
			m := &e.captured[s.SRAM][u]
			if c := m.latest(s.Lo, s.Hi); c != none {
				latest[u] = max(latest[u], c)
				m.paint(s.Lo, s.Hi, none)
			}
		}
	}
	added := false
	for _, c := range latest {
		if c != none && !slices.Contains(deps, c) {
			deps, added = append(deps, c), true
		}
	}
	if !added {
		return deps
	}
	for _, d := range deps { // the latest dependency of each unit
		u := e.prog.Commands[d].Unit()
		latest[u] = max(latest[u], d)
	}
	kept := deps[:0:0]
	for _, c := range latest {
		if c != none {
			kept = append(kept, c)
		}
	}
	slices.Sort(kept)
	return kept
}

// writers lists, for each unit, the latest command since command first
// that wrote a byte of span s, a captured piece: the commands whose
// completion makes the span's bytes final (a unit completes its commands
// in order). A later command that writes the span waits for them.
func (e *emitter) writers(s npu.Span, first int) []int {
	var ws []int
	for u := range unitCount {
		if c := e.writes[s.SRAM][u].latest(s.Lo, s.Hi); c >= first {
			ws = append(ws, c)
			e.captured[s.SRAM][u].paint(s.Lo, s.Hi, c)
		}
	}
	slices.Sort(ws)
	return ws
}

// emitPlan emits the operations of a plan of layer li. The bands of a
// fused chain count to the layer of their stage (li for the first), and a
// band that finishes rows of a tensor an exact link shares adds them to
// its capture.
func (e *emitter) emitPlan(p layerPlan, li int, ops []npu.Operation, outputs []npu.Region) {
	band, isBand := p.(*bandPlan)
	e.layer = li
	if isBand {
		e.layer = li + band.stage
	}
	first := len(e.prog.Commands)
	for _, op := range ops {
		e.emit(op)
	}
	if isBand && band.out >= 0 && band.piece.Run > 0 {
		c := outputs[band.out].Capture
		piece := band.piece
		piece.Writers = e.writers(npu.Span{SRAM: c.SRAM, Lo: piece.Addr, Hi: piece.Addr + piece.Run}, first)
		c.Pieces = append(c.Pieces, piece)
	}
}

// capture gives each piece of a captured output its writers among the
// commands since command first.
func (e *emitter) capture(r *npu.Region, first int) {
	for k := range r.Capture.Pieces {
		p := &r.Capture.Pieces[k]
		span := npu.Span{SRAM: r.Capture.SRAM, Lo: p.Addr, Hi: p.Addr + (p.Rows-1)*p.SRAMStride + p.Run}
		p.Writers = e.writers(span, first)
	}
}

// emitProgram runs the schedule and lowering of every planned layer, then
// emits the operations as commands, in program order, and checks the
// program for hw: each command as it is emitted, then its outputs.
// Lowering everything first sizes the program's command slice once, at its
// length: a small accelerator's program runs to hundreds of thousands of
// commands (MobileNet v2 on tiny: 829,118), and growing or assembling the
// slice cost an eighth of its compile.
func emitProgram(mp *modelPlan, hw *npu.Config, deps dependencyTracker) (*npu.Program, error) {
	lowered, total := lowerPlans(mp)
	e := &emitter{prog: &npu.Program{DRAMBytes: mp.dram.bytes}, hw: hw, deps: deps, layers: len(mp.layers)}
	for _, r := range mp.outputs {
		if r.Capture != nil { // its pieces, and the pieces bands add to it
			e.captures[r.Capture.SRAM] = true
		}
	}
	if total > 0 {
		e.prog.Commands = make([]npu.Command, 0, total)
	}
	plan := 0
	for li, layer := range mp.layers {
		e.beginLayer(layer.name)
		first := len(e.prog.Commands)
		for _, p := range layer.plans {
			e.emitPlan(p, li, lowered[plan], mp.outputs)
			plan++
		}
		e.layer = li
		for _, out := range layer.captures {
			e.capture(&mp.outputs[out], first)
		}
	}
	e.prog.DRAM, e.prog.Outputs = mp.dram.image, mp.outputs
	if e.err != nil {
		return nil, e.err
	}
	return e.prog, e.prog.ValidateOutputs(hw)
}

// lowerPlans lowers every step of every plan of the model and returns,
// per plan in program order, its operations, and their total number. A
// plan's lowering reads only the plan, so the plans are lowered on every
// CPU (parallel.For); each plan's operations are the same whichever
// goroutine lowers it.
func lowerPlans(mp *modelPlan) (lowered [][]npu.Operation, total int) {
	var plans []layerPlan
	for _, layer := range mp.layers {
		plans = append(plans, layer.plans...)
	}
	lowered = make([][]npu.Operation, len(plans))
	parallel.For(len(plans), func(k int) {
		lowered[k] = lowerSteps(plans[k], plans[k].appendSchedule(nil))
	})
	for _, o := range lowered {
		total += len(o)
	}
	return lowered, total
}

// lowerSteps lowers the steps of plan p. The operations' slice doubles as
// it grows (append grows a long slice by a quarter, copying it many times
// over).
func lowerSteps(p layerPlan, steps []step) []npu.Operation {
	var ops []npu.Operation
	for _, s := range steps {
		lowered := p.lower(s)
		if need := len(ops) + len(lowered); need > cap(ops) {
			ops = slices.Grow(ops, max(need, 2*cap(ops))-len(ops))
		}
		ops = append(ops, lowered...)
	}
	return ops
}

// paintMap maps the bytes of a scratchpad to a command index: sorted,
// disjoint pieces; bytes outside every piece map to none.
type paintMap struct {
	pieces []painted
}

// painted is a byte range [lo, hi) mapped to a command.
type painted struct {
	lo, hi, cmd int
}

// first is the index of the first piece that ends after addr.
func (m *paintMap) first(addr int) int {
	return sort.Search(len(m.pieces), func(i int) bool { return m.pieces[i].hi > addr })
}

// latest is the largest command mapped from a byte of [lo, hi), or none.
func (m *paintMap) latest(lo, hi int) int {
	c := none
	for k := m.first(lo); k < len(m.pieces) && m.pieces[k].lo < hi; k++ {
		c = max(c, m.pieces[k].cmd)
	}
	return c
}

// paint maps [lo, hi) to cmd (to nothing if cmd is none).
func (m *paintMap) paint(lo, hi, cmd int) {
	if hi <= lo {
		return
	}
	first := m.first(lo)
	end := first
	for end < len(m.pieces) && m.pieces[end].lo < hi {
		end++
	}
	var repl [3]painted
	n := 0
	if first < end && m.pieces[first].lo < lo { // the part of the first piece before the range stays
		repl[n] = painted{m.pieces[first].lo, lo, m.pieces[first].cmd}
		n++
	}
	if cmd != none {
		repl[n] = painted{lo, hi, cmd}
		n++
	}
	if first < end && m.pieces[end-1].hi > hi { // the part of the last piece after the range stays
		repl[n] = painted{hi, m.pieces[end-1].hi, m.pieces[end-1].cmd}
		n++
	}
	if first == end && n == 0 {
		return
	}
	m.pieces = slices.Replace(m.pieces, first, end, repl[:n]...)
}
