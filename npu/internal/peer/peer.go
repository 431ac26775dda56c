// Package peer provides simple stand-ins for the NPU's components, so that
// each component can be tested alone against a peer whose behaviour is
// obvious: an Issuer that plays the command processor towards one unit, and
// a Unit that plays any unit towards the command processor.
package peer

import (
	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// Arrival is a completion and the cycle it reached the issuer.
type Arrival struct {
	Seq   int
	Cycle uint64
}

// Issuer stands in for the command processor: it sends commands from its
// port "ToUnits" and notes the cycle each completion arrives.
type Issuer struct {
	*sim.ComponentBase
	port     sim.Port
	engine   sim.Engine
	freq     sim.Freq
	Arrivals []Arrival
}

// NewIssuer returns an issuer whose port buffers n completions.
func NewIssuer(name string, engine sim.Engine, freq sim.Freq, n int) *Issuer {
	i := &Issuer{ComponentBase: sim.NewComponentBase(name), engine: engine, freq: freq}
	i.port = sim.NewLimitNumMsgPort(i, n, name+".ToUnits")
	i.AddPort("ToUnits", i.port)
	return i
}

// Issue sends command seq to a unit's port now.
func (i *Issuer) Issue(seq int, cmd *npu.Command, dst sim.Port) *sim.SendError {
	req := &npu.CommandReq{Seq: seq, Command: cmd}
	req.Src, req.Dst, req.SendTime = i.port, dst, i.engine.CurrentTime()
	return i.port.Send(req)
}

// NotifyRecv takes a completion as soon as it arrives.
func (i *Issuer) NotifyRecv(now sim.VTimeInSec, port sim.Port) {
	done := port.Retrieve(now).(*npu.CommandDone)
	i.Arrivals = append(i.Arrivals, Arrival{Seq: done.Seq, Cycle: i.freq.Cycle(now)})
}

// NotifyPortFree implements sim.Component; the issuer never waits to send.
func (i *Issuer) NotifyPortFree(sim.VTimeInSec, sim.Port) {}

// Handle implements sim.Component; the issuer schedules no events.
func (i *Issuer) Handle(sim.Event) error { return nil }

// Unit stands in for any unit: it takes one command at a time from its port
// "ToCP" and reports it done Latency cycles later; with a negative Latency
// it never does. Commands holds every command received, in order.
type Unit struct {
	*sim.TickingComponent
	port     sim.Port
	Latency  int
	Commands []*npu.Command

	current *npu.CommandReq
	finish  uint64
}

// NewUnit returns a unit whose port buffers depth commands.
func NewUnit(name string, engine sim.Engine, freq sim.Freq, depth, latency int) *Unit {
	u := &Unit{Latency: latency}
	u.TickingComponent = sim.NewTickingComponent(name, engine, freq, u)
	u.port = sim.NewLimitNumMsgPort(u, depth, name+".ToCP")
	u.AddPort("ToCP", u.port)
	return u
}

// Tick takes the next command when idle and reports the current one when
// its latency has passed; it ticks every cycle while busy.
func (u *Unit) Tick(now sim.VTimeInSec) bool {
	cycle := u.Freq.Cycle(now)
	progress := false
	if u.current == nil {
		if msg := u.port.Retrieve(now); msg != nil {
			u.current = msg.(*npu.CommandReq)
			u.finish = cycle + uint64(u.Latency)
			u.Commands = append(u.Commands, u.current.Command)
			progress = true
		}
	}
	if u.current != nil && u.Latency >= 0 && cycle >= u.finish {
		done := u.current.Done()
		done.SendTime = now
		if u.port.Send(done) != nil {
			return progress
		}
		u.current = nil
		progress = true
	}
	return progress || (u.current != nil && u.Latency >= 0)
}
