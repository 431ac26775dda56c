package drivers

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads"
)

// Activation residency. A layer's output stays in the activation
// scratchpad, as one region holding the whole tensor, from the layer that
// produces it to the last layer that reads it, when every layer in between
// still fits its own buffers below the regions kept there. Layers then read
// their inputs and write their outputs in place: a resident input's load
// lowers to nothing and its im2col window points into the region, a
// resident output is requantized straight into it and never stored.
//
// The placement runs before the plan stage proper, op by op in program
// order. For op k it tries to keep k's output, in the highest free range of
// the scratchpad (first fit from the top, so that layers lay their buffers
// out from address 0 up to the lowest region kept across them), then plans
// op k against the regions live across it. When the output finds no room,
// or op k does not fit, one tensor goes to DRAM and the step repeats. The
// spill policy: the candidate whose DRAM traffic costs least (a tensor
// already kept: one store plus one read by each of its remaining readers;
// op k's own output: one write plus one read per reader), ties going to the
// tensor read furthest in the future (Belady's rule for register spills),
// then the larger, then the lower index. A tensor already kept is spilled by
// a store at the start of op k; op k's own output is simply never kept. A
// residual branch's tensor is a candidate like any other: it stays until
// the ADD when everything fits, else it is usually the one spilled, being
// the one read furthest away.
//
// Tensors that must be in DRAM are never kept: the model's inputs (the
// application writes them there) and outputs (it reads them there), and
// every operand of a layer that cannot take an operand in the scratchpad
// (see residentOperands: table passes, softmax, concatenation, reshapes;
// a layer run on the host CPU reads and writes DRAM and belongs there too).

// residency is where a tensor lives while the program runs.
type residency struct {
	// sram is the tensor's address in the activation scratchpad while it
	// is kept there, -1 if it never is.
	sram int
	// from and until bound the ops during which it is kept: op from
	// produces it; op until and later read it from DRAM.
	from, until int
	// spilled says a store at the start of op until copies it to DRAM.
	spilled bool
}

// notKept is the residency of a tensor that lives in DRAM.
var notKept = residency{sram: -1}

// lifetime is the op that produces a tensor (-1 for a model input) and the
// ops that read it, ascending.
type lifetime struct {
	producer int
	readers  []int
}

// last is the last op that reads the tensor, or its producer.
func (l lifetime) last() int {
	if len(l.readers) == 0 {
		return l.producer
	}
	return l.readers[len(l.readers)-1]
}

// readsFrom counts the readers at op k or later.
func (l lifetime) readsFrom(k int) int {
	i, _ := slices.BinarySearch(l.readers, k)
	return len(l.readers) - i
}

// nextRead is the first reader at op k or later.
func (l lifetime) nextRead(k int) int {
	i, _ := slices.BinarySearch(l.readers, k)
	if i == len(l.readers) {
		return l.producer
	}
	return l.readers[i]
}

// lifetimes finds every tensor's producer and readers.
func lifetimes(m *workloads.Model) []lifetime {
	lives := make([]lifetime, len(m.Tensors))
	for i := range lives {
		lives[i].producer = -1
	}
	for k, op := range m.Ops {
		lives[op.Output].producer = k
		for _, i := range op.Inputs {
			if r := lives[i].readers; len(r) == 0 || r[len(r)-1] != k {
				lives[i].readers = append(lives[i].readers, k)
			}
		}
	}
	return lives
}

// residentOperands reports whether an op, computed with arithmetic a, can
// read its activation inputs from, and write its output to, regions of the
// activation scratchpad: an op of a kind whose plans take kept operands,
// which runs on the NPU, natively or emulated. The host CPU reads and writes
// DRAM, the only memory it shares with the NPU.
func (pl *planner) residentOperands(op *workloads.Op, a arithmetic) bool {
	switch op.Kind {
	case workloads.Conv2D, workloads.FullyConnected, workloads.DepthwiseConv2D,
		workloads.AveragePool2D, workloads.MaxPool2D, workloads.Add, workloads.Mul:
		return pl.native(op, a) || a.exact.pinned && !a.exact.cpu
	}
	return false
}

// pinRoutes decides, for a policy that takes exact routes, which ops run on
// the host CPU, as its plan stage would with every activation in DRAM, and
// pins every op to its kind of route: an op on the CPU reads and writes
// DRAM, so the placement keeps none of its operands; an op emulated on the
// NPU stays there, whatever the placement keeps. It returns the routes that
// decision recorded (their reasons compare all the candidates), or nil when
// the policy takes no exact routes or an op could not be planned.
func (pl *planner) pinRoutes(res *resolution) []LayerRoute {
	if !slices.ContainsFunc(res.layers, func(a arithmetic) bool { return a.exact != nil }) {
		return nil
	}
	trial := pl.trial(0)
	for k := range pl.m.Ops {
		trial.op = k
		if _, err := trial.planUnit(trial.makeUnit(k, nil, false), res); err != nil {
			return nil
		}
	}
	for k := range pl.m.Ops {
		a := &res.layers[k]
		if a.exact == nil {
			continue
		}
		pinned := exactRouting{emulate: a.exact.emulate, cpu: a.exact.cpu, pinned: true}
		if trial.exact.routes[k].Kind == RouteCPU {
			pinned.emulate = false
		} else {
			pinned.cpu = false
		}
		a.exact = &pinned
	}
	return trial.exact.routes
}

// native reports whether op runs as the hardware computes it: always under
// a policy that takes no exact routes, else when the hardware lacks nothing
// its exact arithmetic asks (route.go).
func (pl *planner) native(op *workloads.Op, a arithmetic) bool {
	if a.exact == nil {
		return true
	}
	n, err := pl.needsOf(op, a)
	return err == nil && n.none()
}

// nativeArith is the arithmetic a native op (see native) runs with: an
// exact policy's, with the array's accumulator mode where the hardware
// lacks the policy's and the op's sums cannot overflow it (planExact's
// native route).
func (pl *planner) nativeArith(op *workloads.Op, a arithmetic) arithmetic {
	if a.exact == nil {
		return a
	}
	if n, err := pl.needsOf(op, a); err == nil {
		a.accumulate = n.accMode
	}
	return a
}

// keepable marks the tensors that may stay in the activation scratchpad:
// produced and read only by ops that take resident operands, neither a
// model input nor output, and no larger than the scratchpad.
func (pl *planner) keepable(res *resolution) []bool {
	m, capacity := pl.m, pl.hw.Bytes(npu.ActivationSRAM)
	ok := make([]bool, len(m.Tensors))
	for k, op := range m.Ops {
		fits := m.Tensors[op.Output].Len() <= capacity
		producedHere := pl.lives[op.Output].producer == k
		ok[op.Output] = pl.residentOperands(op, res.layers[k]) && fits && producedHere
	}
	for _, i := range m.Outputs {
		ok[i] = false
	}
	for k, op := range m.Ops {
		if !pl.residentOperands(op, res.layers[k]) {
			for _, i := range op.Inputs {
				ok[i] = false
			}
		}
	}
	return ok
}

// unit is what the placement and the plan stage handle at once: one op, or
// a chain of ops fused into bands (fusion.go: each link exact, or with a
// 16-bit intermediate, vendorfusion.go), either followed by the ADD its
// last convolution absorbs (vendorfusion.go). Its output is its last op's,
// and all the tensors it reads are live during its first op.
type unit struct {
	k, n  int
	links []linkKind // between the chain's ops: none for a single op
	fold  bool
	out   int
}

// linkKind is how two ops of a chain share a tensor: its bytes per value.
type linkKind int

// The link kinds.
const (
	exactLink linkKind = 1 // fusion.go
	wideLink  linkKind = 2 // a 16-bit intermediate (vendorfusion.go)
)

// maxLinks bounds a chain: three stages (an expansion, its depthwise
// layer and the projection after it).
const maxLinks = 2

// makeUnit is the unit starting at op k.
func (pl *planner) makeUnit(k int, links []linkKind, fold bool) unit {
	n := len(links) + 1
	if fold {
		n++
	}
	return unit{k: k, n: n, links: links, fold: fold, out: pl.m.Ops[k+n-1].Output}
}

// chainLinks are the links of the longest chain that may start at op k: a
// 16-bit expansion first where the policy asks for it, else exact links.
func (pl *planner) chainLinks(k int, res *resolution) []linkKind {
	var links []linkKind
	for j := k; len(links) < maxLinks && j+1 < len(pl.m.Ops); j++ {
		switch {
		case !pl.native(pl.m.Ops[j], res.layers[j]) || !pl.native(pl.m.Ops[j+1], res.layers[j+1]):
			return links
		case j == k && res.layers[j].wideExpand && expandFusable(pl.m, pl.lives, j, res.layers[j+1]):
			links = append(links, wideLink)
		case fusable(pl.m, pl.lives, j):
			links = append(links, exactLink)
		default:
			return links
		}
	}
	return links
}

// unitCandidates lists the units that may start at op k, the most fused
// first: the longest chain, then shorter ones, down to the op alone, each
// with the ADD after it folded where it can be, then without.
func (pl *planner) unitCandidates(k int, res *resolution) []unit {
	links := pl.chainLinks(k, res)
	var us []unit
	for l := len(links); l >= 0; l-- {
		last := k + l
		if res.layers[last].foldResidual && foldable(pl.m, pl.lives, last) && pl.native(pl.m.Ops[last], res.layers[last]) {
			us = append(us, pl.makeUnit(k, links[:l], true))
		}
		us = append(us, pl.makeUnit(k, links[:l], false))
	}
	return us
}

// initResidency finds every tensor's lifetime and places them all in DRAM.
func (pl *planner) initResidency() {
	pl.lives = lifetimes(pl.m)
	pl.res = make([]residency, len(pl.m.Tensors))
	for i := range pl.res {
		pl.res[i] = notKept
	}
}

// placeTensors decides every tensor's residency (see the top of this file)
// and the units: at each op, the most fused candidate that fits after
// spilling what it must.
func (pl *planner) placeTensors(res *resolution) {
	keep := pl.keepable(res)
	for k := 0; k < len(pl.m.Ops); {
		cands := pl.unitCandidates(k, res)
		for i, u := range cands {
			saved := slices.Clone(pl.res)
			if pl.placeUnit(u, res, keep[u.out]) || i == len(cands)-1 {
				pl.units = append(pl.units, u)
				k += u.n
				break
			}
			copy(pl.res, saved)
		}
	}
}

// placeUnit keeps the unit's output if it can, spills until the unit fits,
// then spills while that lowers the DRAM traffic the unit and the spills
// cost. It reports whether the unit fits.
func (pl *planner) placeUnit(u unit, res *resolution, keep bool) bool {
	for {
		if keep && pl.res[u.out].sram < 0 {
			pl.keep(u.k, u.out)
		}
		if (!keep || pl.res[u.out].sram >= 0) && pl.fits(u, res) {
			break
		}
		v, ok := pl.victim(u, keep)
		if !ok { // nothing left to spill: planning reports why the unit does not fit
			return false
		}
		keep = pl.evict(u, v) && keep
	}
	for pl.improve(u, res, keep) {
	}
	return true
}

// keep tries to place tensor t, produced by the unit at op k, in the
// scratchpad.
func (pl *planner) keep(k, t int) bool {
	addr, ok := pl.allocate(k, t)
	if ok {
		pl.res[t] = residency{sram: addr, from: k, until: pl.lives[t].last() + 1}
	}
	return ok
}

// evict sends tensor v to DRAM at the unit: its own output is not kept (it
// returns false then), any other is spilled by a store at the unit's start.
func (pl *planner) evict(u unit, v int) bool {
	if v == u.out {
		pl.res[v] = notKept
		return false
	}
	pl.res[v].until, pl.res[v].spilled = u.k, true
	return true
}

// improve makes the one change that lowers the unit's cost most, if any
// does: spilling a tensor kept across it, not keeping its output, or, when
// the output wants room it could not find, spilling a tensor to make it.
func (pl *planner) improve(u unit, res *resolution, keep bool) bool {
	base, ok := pl.cost(u, res)
	if !ok {
		return false
	}
	saved := slices.Clone(pl.res)
	best, bestCost, bestRoom := -1, base, false
	for _, v := range pl.liveAt(u.k) {
		for _, room := range []bool{false, true} {
			if room && (!keep || v == u.out || pl.res[u.out].sram >= 0) {
				continue
			}
			pl.evict(u, v)
			if !room || pl.keep(u.k, u.out) {
				if c, ok := pl.cost(u, res); ok && c < bestCost {
					best, bestCost, bestRoom = v, c, room
				}
			}
			copy(pl.res, saved)
		}
	}
	if best < 0 {
		return false
	}
	pl.evict(u, best)
	if bestRoom {
		pl.keep(u.k, u.out)
	}
	return true
}

// cost is the DRAM traffic, in bytes, that the residency decided at the
// unit gives: the unit's own loads and stores, the spills at its start with
// their later reads, and the reads of its output from DRAM when it is not
// kept; ok is false if the unit does not fit.
func (pl *planner) cost(u unit, res *resolution) (int, bool) {
	layers, err := pl.trial(u.k).planUnit(u, res)
	if err != nil {
		return 0, false
	}
	bytes := 0
	for _, l := range layers {
		bytes += pl.dramTraffic(l.plans)
	}
	for i, r := range pl.res {
		if r.sram >= 0 && r.spilled && r.until == u.k {
			bytes += pl.m.Tensors[i].Len() * (1 + pl.lives[i].readsFrom(u.k+1))
		}
	}
	if pl.res[u.out].sram < 0 {
		bytes += pl.m.Tensors[u.out].Len() * len(pl.lives[u.out].readers)
	}
	return bytes, true
}

// dramTraffic is the bytes the plans' DMA commands move.
func (pl *planner) dramTraffic(plans []layerPlan) int {
	bytes := 0
	for _, p := range plans {
		pl.steps = p.appendSchedule(pl.steps[:0])
		for _, s := range pl.steps {
			if s.kind == compute || s.kind == requantize || s.kind == activate {
				continue
			}
			for _, o := range p.lower(s) {
				if d, ok := o.(*npu.DMA); ok {
					bytes += d.RunBytes * d.Rows * d.Planes
				}
			}
		}
	}
	return bytes
}

// liveAt lists the tensors kept in the scratchpad during op k, by index.
func (pl *planner) liveAt(k int) []int {
	var live []int
	for i, r := range pl.res {
		if r.sram >= 0 && r.from <= k && k < r.until {
			live = append(live, i)
		}
	}
	return live
}

// allocate finds the highest aligned range of the activation scratchpad,
// below the ceiling (ceiling.go), for tensor t that no tensor kept during
// op k occupies.
func (pl *planner) allocate(k, t int) (int, bool) {
	n := pl.m.Tensors[t].Len()
	live := pl.liveAt(k)
	addr := (pl.ceiling() - n) / sramAlign * sramAlign
	for {
		clash := slices.IndexFunc(live, func(i int) bool {
			r := pl.res[i]
			return i != t && r.sram < addr+n && addr < r.sram+pl.m.Tensors[i].Len()
		})
		if clash < 0 {
			return addr, true
		}
		below := pl.res[live[clash]].sram - n
		if below < 0 {
			return 0, false
		}
		addr = below / sramAlign * sramAlign
	}
}

// spillCandidate is a tensor the policy may send to DRAM at op k.
type spillCandidate struct {
	tensor, cost, next, bytes int
}

// victim chooses the tensor to send to DRAM at the unit (see the spill
// policy at the top of this file): a tensor kept across it, or its output
// if it wants to be kept.
func (pl *planner) victim(u unit, keepOut bool) (int, bool) {
	var cands []spillCandidate
	for _, i := range pl.liveAt(u.k) {
		if i == u.out {
			continue
		}
		n, l := pl.m.Tensors[i].Len(), pl.lives[i]
		cands = append(cands, spillCandidate{i, n * (1 + l.readsFrom(u.k)), l.nextRead(u.k), n})
	}
	if keepOut {
		n, l := pl.m.Tensors[u.out].Len(), pl.lives[u.out]
		cands = append(cands, spillCandidate{u.out, n * (1 + len(l.readers)), l.nextRead(u.k + u.n), n})
	}
	if len(cands) == 0 {
		return 0, false
	}
	best := slices.MinFunc(cands, func(a, b spillCandidate) int {
		return cmp.Or(cmp.Compare(a.cost, b.cost), cmp.Compare(b.next, a.next),
			cmp.Compare(b.bytes, a.bytes), cmp.Compare(a.tensor, b.tensor))
	})
	return best.tensor, true
}

// fits reports whether the unit can be planned against the current
// residency.
func (pl *planner) fits(u unit, res *resolution) bool {
	_, err := pl.trial(u.k).planUnit(u, res)
	return err == nil
}

// trial is a scratch planner for the unit at op k against the current
// residency, whose DRAM map and notes are thrown away.
func (pl *planner) trial(k int) *planner {
	return &planner{hw: pl.hw, m: pl.m, tensorAddr: slices.Clone(pl.tensorAddr), res: pl.res, lives: pl.lives, op: k}
}

// inDRAM is the scratchpad address of an operand a plan finds in DRAM.
// Any other value places the operand's row 0 in the activation scratchpad:
// a kept tensor's address, or, for the band buffer of a fused chain, an
// address (perhaps negative) from which the rows the band holds follow.
const inDRAM = math.MinInt32

// kept reports whether a plan finds an operand in the activation
// scratchpad.
func kept(addr int) bool { return addr != inDRAM }

// residentAt returns tensor i's activation-scratchpad address during the op
// being planned, or inDRAM if that op finds it in DRAM.
func (pl *planner) residentAt(i int) int {
	if pl.res == nil {
		return inDRAM
	}
	r := pl.res[i]
	if r.sram >= 0 && r.from <= pl.op && pl.op < r.until {
		return r.sram
	}
	return inDRAM
}

// caps are the scratchpad bytes the op being planned may lay its buffers
// out in: below the lowest region kept across it.
func (pl *planner) caps() capacities {
	c := capacitiesOf(pl.hw)
	for _, i := range pl.liveAt(pl.op) {
		c.hi[npu.ActivationSRAM] = min(c.hi[npu.ActivationSRAM], pl.res[i].sram)
	}
	return c
}

// spillPlan stores a kept tensor to DRAM at the start of the op that needs
// its room: the program's one spill step.
type spillPlan struct {
	sram  int
	dram  uint64
	bytes int
}

// spillsAt returns the spill stores at the start of op k, by tensor index.
func (pl *planner) spillsAt(k int) []layerPlan {
	var plans []layerPlan
	for i, r := range pl.res {
		if r.sram >= 0 && r.spilled && r.until == k {
			plans = append(plans, &spillPlan{sram: r.sram, dram: pl.tensorAddr[i], bytes: pl.m.Tensors[i].Len()})
		}
	}
	return plans
}

// appendSchedule appends one store.
func (p *spillPlan) appendSchedule(s []step) []step {
	return append(s, mkStep(store, all, all, all, all))
}

// lower stores the whole region.
func (p *spillPlan) lower(step) []npu.Operation {
	return ops(storeBytes(npu.ActivationSRAM, p.sram, p.dram, p.bytes))
}

// noteResidency records what the placement decided, when it kept or fused
// anything.
func (pl *planner) noteResidency() {
	kept, spilled := 0, 0
	for _, r := range pl.res {
		if r.sram >= 0 {
			kept++
		}
		if r.spilled {
			spilled++
		}
	}
	var links [wideLink + 1]int
	folds := 0
	for _, u := range pl.units {
		for _, l := range u.links {
			links[l]++
		}
		if u.fold {
			folds++
		}
	}
	if kept+links[exactLink]+links[wideLink]+folds == 0 {
		return
	}
	pl.notes = append(pl.notes, fmt.Sprintf("activations: %d tensors kept in the activation scratchpad, "+
		"%d of them spilled to DRAM to make room; fused: %d layers into the next (exact), "+
		"%d expansions at 16 bits into their depthwise layer, %d residual ADDs folded",
		kept, spilled, links[exactLink], links[wideLink], folds))
}

// describeFusion says, for each op of a unit, how it was fused.
func (pl *planner) describeFusion(u unit, fusions []string) {
	add := func(j int, what string) { fusions[u.k+j] += sep(fusions[u.k+j]) + what }
	name := func(j int) string { return pl.m.Ops[u.k+j].Name }
	for j, l := range u.links {
		if l == wideLink {
			add(j, "vendor: kept at 16 bits, band by band, for "+name(j+1))
			add(j+1, "vendor: reads "+name(j)+" at 16 bits")
		} else {
			add(j, "exact: computed band by band for "+name(j+1))
			add(j+1, "exact: reads "+name(j)+" band by band")
		}
	}
	if u.fold {
		add(u.n-2, "vendor: requantizes into "+name(u.n-1)+", the residual added before its one rounding")
		add(u.n-1, "vendor: folded into "+name(u.n-2))
	}
}

// sep separates a second description from a first, if any.
func sep(s string) string {
	if s == "" {
		return ""
	}
	return "; "
}

// unavoidable is the DRAM traffic no schedule with the units' layer
// boundaries avoids: each tensor larger than the activation scratchpad that
// passes from one unit to others is written once and read by each.
func (pl *planner) unavoidable() uint64 {
	unitOf := make([]int, len(pl.m.Ops))
	for i, u := range pl.units {
		for j := range u.n {
			unitOf[u.k+j] = i
		}
	}
	var bytes uint64
	for t, l := range pl.lives {
		n := pl.m.Tensors[t].Len()
		if l.producer < 0 || isOutput(pl.m, t) || n <= pl.hw.Bytes(npu.ActivationSRAM) {
			continue
		}
		readers := map[int]bool{}
		for _, r := range l.readers {
			if unitOf[r] != unitOf[l.producer] {
				readers[unitOf[r]] = true
			}
		}
		if len(readers) > 0 {
			bytes += uint64(n * (1 + len(readers)))
		}
	}
	return bytes
}

// explainRoutes gives each route the plan stage took as pinRoutes decided
// it the reason pinRoutes recorded, which compares every candidate (the
// pinned plan stage only weighed the kind of route it was pinned to).
func (pl *planner) explainRoutes(pinned []LayerRoute) {
	if len(pinned) != len(pl.exact.routes) {
		return
	}
	for k, r := range pl.exact.routes {
		if p := pinned[k]; p.Kind == r.Kind && p.Sequence == r.Sequence {
			pl.exact.routes[k].Why = p.Why
		}
	}
}
