package compute

import (
	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// Comp is a compute unit: the matrix, requantization or vector unit.
type Comp struct {
	*sim.TickingComponent
	toCP   sim.Port
	outbox sim.BufferedSender // completions the connection has not taken yet
	cfg    *npu.Config
	sp     *npu.Scratchpads

	current  *npu.CommandReq // the command executing, nil when idle
	noValues bool            // time commands without computing their values
}

// completeEvent fires when the unit's current command finishes.
type completeEvent struct {
	*sim.EventBase
}

// Handle completes the current command or ticks.
func (u *Comp) Handle(e sim.Event) error {
	if _, ok := e.(completeEvent); ok {
		u.complete(e.Time())
		return nil
	}
	return u.TickingComponent.Handle(e)
}

// Tick reports finished commands and starts the next one.
func (u *Comp) Tick(now sim.VTimeInSec) bool {
	progress := u.send(now)
	if u.current != nil {
		return progress
	}
	msg := u.toCP.Retrieve(now)
	if msg == nil {
		return progress
	}
	u.current = msg.(*npu.CommandReq)
	cycles := u.current.Command.Op.(npu.Compute).Cycles(u.cfg)
	if u.NumHooks() > 0 {
		u.InvokeHook(sim.HookCtx{Domain: u, Pos: npu.HookPosCommandStarted,
			Item: &npu.CommandStarted{Seq: u.current.Seq, Command: u.current.Command, Cycle: u.Freq.Cycle(now)}})
	}
	u.Engine.Schedule(completeEvent{sim.NewEventBase(u.Freq.NCyclesLater(cycles, now), u)})
	return progress // the completion event, not a tick, ends the command
}

// complete computes the current command's values, reports it and frees the
// unit for the next.
func (u *Comp) complete(now sim.VTimeInSec) {
	req := u.current
	op := req.Command.Op.(npu.Compute)
	if !u.noValues {
		op.Execute(u.sp, u.cfg)
	}
	if u.NumHooks() > 0 {
		e := &npu.CommandCompleted{Seq: req.Seq, Command: req.Command, Cycle: u.Freq.Cycle(now), Counters: op.Counters(u.cfg)}
		u.InvokeHook(sim.HookCtx{Domain: u, Pos: npu.HookPosCommandCompleted, Item: e})
	}
	u.current = nil
	u.outbox.Send(req.Done())
	u.send(now)
	if u.toCP.Peek() != nil {
		u.TickLater(now) // take the next command (a later one wakes the unit)
	}
}

// send hands the connection every completion it will take.
func (u *Comp) send(now sim.VTimeInSec) bool {
	progress := false
	for u.outbox.Tick(now) {
		progress = true
	}
	return progress
}
