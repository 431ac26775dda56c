package drivers

import (
	"fmt"
	"strings"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
)

// This file is the plan stage of an exact policy: per op, what the hardware
// lacks, the candidate routes that provide it, and the choice of the
// cheapest by the estimated cycles of its plan.

// exactRouting is what an exact policy allows: emulations on the NPU, the
// host CPU, or both.
type exactRouting struct {
	emulate, cpu bool
	// pinned says the placement fixed which of the two the op takes
	// (residency.go: pinRoutes): the host CPU reads and writes DRAM, so an
	// op's operands stay in the activation scratchpad only if it stays on
	// the NPU.
	pinned bool
}

// exactRecord is what the plan stage of an exact policy records: every
// op's route, the layers given to the host CPU (a host kernel each) and
// whether the last layer that emitted commands ran on the CPU.
type exactRecord struct {
	routes  []LayerRoute
	host    []HostLayer
	lastCPU bool
}

// HostLayer is a layer the host CPU runs: the index of its op in the
// compiled (rewritten) model and the requantization variant the CPU
// computes it with, or the engine whose kernel computes it (engine.go).
// Compiled.HostLayers lists them by kernel ID (npu.Host.Kernel).
type HostLayer struct {
	Op      int              `json:"op"`
	Variant quant.Variant    `json:"variant"`
	Engine  reference.Engine `json:"engine,omitempty"`
}

// route records an op's route.
func (pl *planner) route(op *workloads.Op, r LayerRoute) {
	r.Layer = op.Name
	pl.exact.routes = append(pl.exact.routes, r)
	if op.Kind != workloads.Reshape {
		pl.exact.lastCPU = r.Kind == RouteCPU
	}
}

// need is what an op's exact arithmetic asks of the hardware that it lacks.
type need struct {
	// requant: the variant is missing, or per-channel multipliers meet a
	// per-tensor requantizer; groups says channel groups could serve them.
	requant, groups bool
	// fold: a weight zero point meets an array without one.
	fold bool
	wzp  int32
	// chunks: the accumulator could overflow, so the reduction splits
	// into these chunks (nil when it cannot); accMode is the array's mode.
	split   bool
	chunks  []int
	accMode npu.Accumulation
	mults   []quant.Multiplier
	// engine: the policy's engine computes the op in arithmetic no NPU
	// command has; only the host CPU runs it (engine.go).
	engine bool
	why    []string
}

// none reports an op the hardware runs exactly as it is.
func (n *need) none() bool { return !n.requant && !n.fold && !n.split && !n.engine }

// planExact plans an op of an exact policy: natively if the hardware has
// its arithmetic, else by the cheapest exact route.
func (pl *planner) planExact(op *workloads.Op, a arithmetic) ([]layerPlan, error) {
	n, err := pl.needsOf(op, a)
	if err != nil {
		return nil, err
	}
	a.accumulate = n.accMode
	if n.none() {
		pl.route(op, LayerRoute{Kind: RouteNative, Why: strings.Join(n.why, "; ")})
		return pl.planKind(op, a)
	}
	cands := pl.candidates(op, a, n)
	best := -1
	for i := range cands {
		if cands[i].err == nil && (best < 0 || cands[i].cycles < cands[best].cycles) {
			best = i
		}
	}
	if best < 0 {
		return nil, pl.noRoute(op, n, cands)
	}
	return pl.take(op, a, n, cands, best)
}

// candidate is one route for an op: its emulation (nil for the CPU), its
// estimated cycles, or why it cannot run.
type candidate struct {
	emu    *emulation
	cpu    bool
	cycles int
	err    error
}

// name is the candidate's sequence ("" for the CPU).
func (c *candidate) name() string {
	if c.cpu {
		return "cpu"
	}
	return c.emu.sequence()
}

// candidates plans every route the policy allows and the hardware can
// take, each from the same DRAM and notes, and estimates its cycles.
func (pl *planner) candidates(op *workloads.Op, a arithmetic, n *need) []candidate {
	var cands []candidate
	if a.exact.emulate && !n.engine {
		for _, emu := range pl.emulations(a, n) {
			cands = append(cands, candidate{emu: emu})
		}
	}
	if a.exact.cpu {
		cands = append(cands, candidate{cpu: true})
	}
	saved, notes := pl.dram, len(pl.notes)
	for i := range cands {
		c := &cands[i]
		plans, err := pl.planCandidate(op, a, c)
		if err == nil {
			c.cycles = estimateCycles(plans, pl.hw)
		}
		c.err = err
		pl.dram, pl.notes = saved, pl.notes[:notes]
	}
	return cands
}

// planCandidate plans one candidate route.
func (pl *planner) planCandidate(op *workloads.Op, a arithmetic, c *candidate) ([]layerPlan, error) {
	if c.cpu {
		if pl.hw.Host == nil {
			return nil, fmt.Errorf("%s has no host CPU", pl.hw.Name)
		}
		p, _ := pl.planHost(op, a, 0, !pl.exact.lastCPU)
		return []layerPlan{p}, nil
	}
	if err := c.emu.feasible(a, pl.hw); err != nil {
		return nil, err
	}
	a.emu = c.emu
	return pl.planKind(op, a)
}

// take plans the chosen candidate for good and records the route.
func (pl *planner) take(op *workloads.Op, a arithmetic, n *need, cands []candidate, best int) ([]layerPlan, error) {
	c := &cands[best]
	why := strings.Join(append(n.why, compare(cands, best)), "; ")
	if c.cpu {
		p, hostLayer := pl.planHost(op, a, len(pl.exact.host), !pl.exact.lastCPU)
		pl.exact.host = append(pl.exact.host, hostLayer)
		pl.route(op, LayerRoute{Kind: RouteCPU, Why: why})
		return []layerPlan{p}, nil
	}
	a.emu = c.emu
	plans, err := pl.planKind(op, a)
	pl.route(op, LayerRoute{Kind: RouteEmulated, Sequence: c.emu.sequence(), Why: why})
	return plans, err
}

// compare says how the chosen candidate's estimate compares with the
// others'.
func compare(cands []candidate, best int) string {
	parts := []string{fmt.Sprintf("chosen: %s, about %d cycles", cands[best].name(), cands[best].cycles)}
	for i := range cands {
		switch c := &cands[i]; {
		case i == best:
		case c.err != nil:
			parts = append(parts, fmt.Sprintf("%s: %v", c.name(), c.err))
		default:
			parts = append(parts, fmt.Sprintf("%s: about %d cycles", c.name(), c.cycles))
		}
	}
	return strings.Join(parts, ", ")
}

// noRoute is the error of an op no allowed route can run exactly.
func (pl *planner) noRoute(op *workloads.Op, n *need, cands []candidate) error {
	var why []string
	for i := range cands {
		why = append(why, fmt.Sprintf("%s: %v", cands[i].name(), cands[i].err))
	}
	if len(cands) == 0 {
		why = append(why, "the policy's fallback allows no route")
	}
	return unsupported("%s cannot run %v exactly (%s), and no exact route is available: %s",
		pl.hw.Name, op.Kind, strings.Join(n.why, "; "), strings.Join(why, "; "))
}

// estimateCycles is a plan's cycles on its busiest unit: the sum of its
// commands' cycles there (DMA at the sustained transfer rate), assuming
// the units overlap perfectly.
func estimateCycles(plans []layerPlan, hw *npu.Config) int {
	var busy [npu.NumUnits]int
	var steps []step
	for _, p := range plans {
		steps = p.appendSchedule(steps[:0])
		for _, s := range steps {
			for _, op := range p.lower(s) {
				busy[op.Unit()] += opCycles(op, hw)
			}
		}
	}
	most := 0
	for _, b := range busy {
		most = max(most, b)
	}
	return most
}

// opCycles is one operation's cycles on its unit.
func opCycles(op npu.Operation, hw *npu.Config) int {
	switch o := op.(type) {
	case npu.Compute:
		return o.Cycles(hw)
	case *npu.Host:
		return o.Cycles(hw)
	case *npu.DMA:
		return int(float64(o.Bytes())/hw.TransferBytesPerCycle()) + 1
	}
	return 0
}
