package npu

import (
	"github.com/sarchlab/akita/v3/sim"
)

// computeUnit is the matrix, requantization or vector unit: it takes one
// command at a time from its port, completes it after the command's cycle
// count, computes the values from the scratchpads at completion and reports
// back to the command processor.
type computeUnit struct {
	*sim.TickingComponent
	kind Unit
	port sim.Port
	sys  *system

	busy    bool
	current int
	pending []*doneMsg // completions not yet accepted by the connection
}

// completeEvent fires when the unit's current command finishes.
type completeEvent struct {
	*sim.EventBase
}

var unitComponentNames = [numUnits]string{"NPU.DMA", "NPU.MatrixUnit", "NPU.RequantUnit", "NPU.VectorUnit"}

func newComputeUnit(kind Unit, s *system) *computeUnit {
	name := unitComponentNames[kind]
	u := &computeUnit{kind: kind, sys: s}
	u.TickingComponent = sim.NewTickingComponent(name, s.engine, s.freq, u)
	u.port = sim.NewLimitNumMsgPort(u, unitQueueDepth, name+".Port")
	u.AddPort("Port", u.port)
	return u
}

// Handle completes the current command or ticks.
func (u *computeUnit) Handle(e sim.Event) error {
	if _, ok := e.(completeEvent); ok {
		u.complete(e.Time())
		return nil
	}
	return u.TickingComponent.Handle(e)
}

// Tick reports finished commands and starts the next one.
func (u *computeUnit) Tick(now sim.VTimeInSec) bool {
	progress := sendPending(u.port, u.sys.cp.port, &u.pending, now)
	if u.busy || u.sys.err != nil {
		return progress
	}
	msg := u.port.Retrieve(now)
	if msg == nil {
		return progress
	}
	u.current, u.busy = msg.(*commandMsg).index, true
	cycles := u.sys.program.Commands[u.current].Op.(Compute).Cycles(u.sys.cfg)
	u.sys.stats.Commands[u.current].Start = u.sys.cycle(now)
	u.sys.engine.Schedule(completeEvent{sim.NewEventBase(u.sys.freq.NCyclesLater(cycles, now), u)})
	return true
}

// complete computes the command's values and charges its energy.
func (u *computeUnit) complete(now sim.VTimeInSec) {
	s := u.sys
	op := s.program.Commands[u.current].Op.(Compute)
	op.Execute(&s.sram, s.cfg)
	st := &s.stats.Commands[u.current]
	st.End = s.cycle(now)
	st.Counters = op.Counters(s.cfg)
	st.Energy = s.cfg.price(&st.Counters, op.MACpJ(s.cfg))
	u.busy = false
	msg := &doneMsg{index: u.current}
	msg.Src, msg.Dst, msg.SendTime = u.port, s.cp.port, now
	u.pending = append(u.pending, msg)
	sendPending(u.port, s.cp.port, &u.pending, now)
	u.TickLater(now)
}

// sendPending sends queued completion messages until the connection refuses.
func sendPending(src, dst sim.Port, pending *[]*doneMsg, now sim.VTimeInSec) bool {
	progress := false
	for len(*pending) > 0 {
		m := (*pending)[0]
		m.SendTime = now
		if src.Send(m) != nil {
			return progress
		}
		*pending = (*pending)[1:]
		progress = true
	}
	return progress
}
