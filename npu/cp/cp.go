package cp

import (
	"fmt"
	"slices"

	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// Comp is a command processor. It runs one program, handed to it by Launch.
type Comp struct {
	*sim.TickingComponent
	toUnits    sim.Port
	units      [npu.NumUnits]sim.Port
	queueDepth int

	program  []npu.Command
	next     int // the head of the stream: the next command to issue
	done     []bool
	inflight [npu.NumUnits]int
	running  []int // issued, not yet completed
	// headSince is the cycle the head command became the head; releasedBy
	// the unit whose completion last let the queue move.
	headSince  uint64
	releasedBy npu.Unit
	hazard     error
	// mine and theirs are buffers for the footprints checkHazards compares.
	mine, theirs []npu.Span
}

// Launch hands the command processor the program to run, from the engine's
// current time on.
func (c *Comp) Launch(program []npu.Command) {
	c.program, c.done = program, make([]bool, len(program))
	c.TickLater(c.Engine.CurrentTime())
}

// Tick retires completed commands, then issues as many as it can. It never
// asks for a tick in the next cycle: only a completion arriving (which
// wakes it through NotifyRecv) or the connection taking a request it
// refused (NotifyPortFree) can let it issue more.
func (c *Comp) Tick(now sim.VTimeInSec) bool {
	c.retire(now)
	if c.hazard == nil {
		c.issue(now)
	}
	return false
}

func (c *Comp) retire(now sim.VTimeInSec) {
	for msg := c.toUnits.Retrieve(now); msg != nil; msg = c.toUnits.Retrieve(now) {
		i := msg.(*npu.CommandDone).Seq
		u := c.program[i].Unit()
		c.done[i] = true
		c.inflight[u]--
		c.releasedBy = u
		k := slices.Index(c.running, i)
		c.running = slices.Delete(c.running, k, k+1)
	}
}

// issue sends head commands to their units while their dependencies are
// done and their units have room.
func (c *Comp) issue(now sim.VTimeInSec) {
	for c.next < len(c.program) {
		cmd := &c.program[c.next]
		u := cmd.Unit()
		if !c.ready(cmd) || c.inflight[u] >= c.queueDepth {
			return
		}
		if c.hazard = c.checkHazards(c.next); c.hazard != nil {
			return
		}
		req := &npu.CommandReq{Seq: c.next, Command: cmd}
		req.Src, req.Dst, req.SendTime = c.toUnits, c.units[u], now
		if c.toUnits.Send(req) != nil {
			return // NotifyPortFree will wake the command processor
		}
		c.issued(req, now)
		c.inflight[u]++
		c.running = append(c.running, c.next)
		c.next++
	}
}

// issued reports an issue to the hooks, charging the cycles the command
// waited at the head of the queue to the unit that released it.
func (c *Comp) issued(req *npu.CommandReq, now sim.VTimeInSec) {
	cycle := c.Freq.Cycle(now)
	waited := cycle - c.headSince
	c.headSince = cycle
	if c.NumHooks() == 0 {
		return
	}
	e := &npu.CommandIssued{Seq: req.Seq, Command: req.Command, Cycle: cycle, Waited: waited}
	if waited > 0 {
		e.WaitedOn = c.releasedBy
	}
	c.InvokeHook(sim.HookCtx{Domain: c, Pos: npu.HookPosCommandIssued, Item: e})
}

func (c *Comp) ready(cmd *npu.Command) bool {
	for _, d := range cmd.Deps {
		if !c.done[d] {
			return false
		}
	}
	return true
}

// checkHazards reports a command whose scratchpad ranges conflict with a
// command in flight on another unit (commands of one unit run in order).
func (c *Comp) checkHazards(i int) error {
	c.mine = c.program[i].Op.AppendFootprint(c.mine[:0])
	for _, r := range c.running {
		if c.program[r].Unit() == c.program[i].Unit() {
			continue
		}
		c.theirs = c.program[r].Op.AppendFootprint(c.theirs[:0])
		if a, b, ok := conflict(c.mine, c.theirs); ok {
			return fmt.Errorf("hazard: command %d (%s) touches %v while command %d (%s) in flight touches %v; "+
				"a dependency is missing", i, c.program[i].Name(), a, r, c.program[r].Name(), b)
		}
	}
	return nil
}

// conflict finds the first of two footprints' ranges that overlap.
func conflict(mine, theirs []npu.Span) (a, b npu.Span, ok bool) {
	for _, a := range mine {
		for _, b := range theirs {
			if a.Overlaps(b) {
				return a, b, true
			}
		}
	}
	return npu.Span{}, npu.Span{}, false
}

// Err tells, once the engine has stopped, why the program did not finish:
// the hazard that stopped the command processor, or the first command that
// never completed (a deadlock). It is nil when every command completed.
func (c *Comp) Err() error {
	if c.hazard != nil {
		return c.hazard
	}
	if i := slices.Index(c.done, false); i >= 0 {
		return fmt.Errorf("command %d (%s) never completed: the program deadlocked", i, c.program[i].Name())
	}
	return nil
}
