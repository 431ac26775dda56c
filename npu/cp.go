package npu

import (
	"fmt"

	"github.com/sarchlab/akita/v3/sim"
)

// commandProcessor issues the program in order: the head command issues once
// every command it depends on has completed and its unit has room. Issued
// commands run concurrently on different units; before issuing, the command
// processor checks that the new command's scratchpad ranges do not conflict
// with any command still in flight, so a missing dependency is reported as a
// hazard instead of silently corrupting data.
type commandProcessor struct {
	*sim.TickingComponent
	port sim.Port
	sys  *system

	next     int
	done     []bool
	inflight [numUnits]int
	running  []int // issued, not yet completed
	// headSince is when the current head command became the head;
	// releasedBy the unit whose completion last let the queue move.
	headSince  uint64
	releasedBy Unit
}

func newCommandProcessor(name string, s *system) *commandProcessor {
	cp := &commandProcessor{sys: s, done: make([]bool, len(s.program.Commands))}
	cp.TickingComponent = sim.NewTickingComponent(name, s.engine, s.freq, cp)
	cp.port = sim.NewLimitNumMsgPort(cp, len(s.program.Commands)+1, name+".Port")
	cp.AddPort("Port", cp.port)
	return cp
}

// Tick retires completed commands, then issues as many as it can.
func (cp *commandProcessor) Tick(now sim.VTimeInSec) bool {
	progress := cp.retire(now)
	if cp.sys.err != nil {
		return false
	}
	return cp.issue(now) || progress
}

func (cp *commandProcessor) retire(now sim.VTimeInSec) bool {
	progress := false
	for msg := cp.port.Retrieve(now); msg != nil; msg = cp.port.Retrieve(now) {
		i := msg.(*doneMsg).index
		u := cp.sys.program.Commands[i].Unit()
		cp.done[i] = true
		cp.inflight[u]--
		cp.releasedBy = u
		for k, r := range cp.running {
			if r == i {
				cp.running = append(cp.running[:k], cp.running[k+1:]...)
				break
			}
		}
		progress = true
	}
	return progress
}

func (cp *commandProcessor) issue(now sim.VTimeInSec) bool {
	progress := false
	cmds := cp.sys.program.Commands
	for cp.next < len(cmds) {
		c := &cmds[cp.next]
		u := c.Unit()
		if !cp.ready(c) || cp.inflight[u] >= unitQueueDepth {
			return progress
		}
		if err := cp.checkHazards(cp.next); err != nil {
			cp.sys.fail(err)
			return progress
		}
		msg := &commandMsg{index: cp.next}
		msg.Src, msg.Dst, msg.SendTime = cp.port, cp.sys.units[u], now
		if cp.port.Send(msg) != nil {
			return progress
		}
		st := &cp.sys.stats.Commands[cp.next]
		st.Issue = cp.sys.cycle(now)
		st.Waited = st.Issue - cp.headSince
		if st.Waited > 0 {
			st.WaitedOn = cp.releasedBy
		}
		cp.headSince = st.Issue
		cp.inflight[u]++
		cp.running = append(cp.running, cp.next)
		cp.next++
		progress = true
	}
	return progress
}

func (cp *commandProcessor) ready(c *Command) bool {
	for _, d := range c.Deps {
		if !cp.done[d] {
			return false
		}
	}
	return true
}

// checkHazards reports a command whose scratchpad ranges conflict with a
// command in flight on another unit (commands of one unit run in order).
func (cp *commandProcessor) checkHazards(i int) error {
	cmds := cp.sys.program.Commands
	mine := cmds[i].Footprint()
	for _, r := range cp.running {
		if cmds[r].Unit() == cmds[i].Unit() {
			continue
		}
		for _, a := range mine {
			for _, b := range cmds[r].Footprint() {
				if a.Overlaps(b) {
					return fmt.Errorf("hazard: command %d (%s) touches %v while command %d (%s) in flight touches %v; a dependency is missing",
						i, cmds[i].Name(), a, r, cmds[r].Name(), b)
				}
			}
		}
	}
	return nil
}

// finished reports a program that stopped before every command completed.
func (cp *commandProcessor) finished() error {
	for i, d := range cp.done {
		if !d {
			return fmt.Errorf("command %d (%s) never completed: the program deadlocked", i, cp.sys.program.Commands[i].Name())
		}
	}
	return nil
}
