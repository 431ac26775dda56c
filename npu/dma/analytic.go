package dma

import (
	"math"
	"sort"

	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// This file is the analytic model: it times a command's requests from the
// rules the request-level model follows, without sending them, and
// completes the command with one event. docs/timing.md derives the
// recurrence; a test holds both models to the same cycles on the zoo.

// hops is the cycles a request and its response add on the direct
// connections between the engine and the DRAM controller: a message sent
// in cycle t is acted on in cycle t+1.
const hops = 2

// noTick marks the absence of an extra tick.
const noTick = math.MaxUint64

// plan is the analytic timing of a command's requests. Request i is sent
// in cycle issue[i]; due[i] is the first cycle the channel and the
// outstanding limit allow, woken[i] says it went a cycle later, when the
// engine woke up, because it did not tick at due[i]; free[i] is the
// channel's state before it. The command completes in cycle end.
type plan struct {
	start uint64
	issue []uint64
	due   []uint64
	woken []bool
	free  []float64
	end   uint64
}

// completeEvent fires when the analytic model's command completes.
type completeEvent struct {
	*sim.EventBase
	job *job
}

// tickAnalytic starts a waiting command when the engine is idle; while a
// command executes, a tick (a command arriving for the queue) may send a
// request earlier than planned, as it would in the request-level model.
// It never asks for a tick in the next cycle: the plan accounts for the
// request-level model's own ticks, and the completion event ends the
// command.
func (d *Comp) tickAnalytic(now sim.VTimeInSec) bool {
	if d.job != nil {
		d.tickedAt(d.Freq.Cycle(now))
	} else if msg := d.toCP.Retrieve(now); msg != nil {
		d.start(msg.(*npu.CommandReq), now)
	}
	return false
}

// planJob times the current command's requests, counts its traffic and
// schedules its completion.
func (d *Comp) planJob(now sim.VTimeInSec) {
	j := d.job
	n := len(j.requests)
	j.plan = plan{start: d.Freq.Cycle(now), issue: make([]uint64, n), due: make([]uint64, n),
		woken: make([]bool, n), free: make([]float64, n)}
	d.schedule(j, 0, noTick)
	for _, r := range j.requests {
		traffic := uint64(d.channel.traffic(r.dram, r.bytes))
		if j.cmd.Store {
			j.counters.SRAMRead[j.cmd.SRAM] += uint64(r.bytes)
			j.counters.DRAMWrite += traffic
		} else {
			j.counters.DRAMRead += traffic
			j.counters.SRAMWrite[j.cmd.SRAM] += uint64(r.bytes)
		}
	}
	d.scheduleCompletion(j)
}

func (d *Comp) scheduleCompletion(j *job) {
	t := sim.VTimeInSec(float64(j.plan.end) / float64(d.Freq))
	d.Engine.Schedule(completeEvent{sim.NewEventBase(t, d), j})
}

// schedule times requests from on, given those before them, extra being a
// cycle in which the engine ticks for a reason of its own. Request i goes
// in the first cycle in which the engine ticks with the channel free and
// fewer than the outstanding limit in flight:
//
//   - the outstanding limit holds it until A, the cycle the engine sees the
//     answer to request i-outstanding; the engine ticks then, and if the
//     channel is free by A the request goes at A;
//   - otherwise the channel holds it until B = ceil(free); the request goes
//     at B if the engine ticks at B (the command's first cycles, the cycle
//     after the previous request, a cycle in which or after which an answer
//     is seen, or extra), else at B+1, when its wake-up makes it tick.
func (d *Comp) schedule(j *job, from int, extra uint64) {
	p := &j.plan
	lat := d.latency + hops
	seen := 0 // the first request whose answer may come at B-1 or later
	for i := from; i < len(j.requests); i++ {
		p.free[i] = d.channel.free
		due := max(uint64(math.Ceil(d.channel.free)), p.start)
		c := due
		if i >= d.outstanding && p.issue[i-d.outstanding]+lat >= due {
			c, p.woken[i] = p.issue[i-d.outstanding]+lat, false
		} else {
			for seen < i && p.issue[seen]+lat+1 < due {
				seen++
			}
			ticks := due == extra || (seen < i && p.issue[seen]+lat <= due)
			if i == 0 {
				ticks = ticks || due <= p.start+1
			} else {
				ticks = ticks || due == p.issue[i-1]+1
			}
			p.woken[i] = !ticks
			if !ticks {
				c++
			}
		}
		p.issue[i], p.due[i] = c, due
		r := j.requests[i]
		d.channel.reserve(float64(c), d.channel.traffic(r.dram, r.bytes))
	}
	p.end = p.issue[len(p.issue)-1] + lat
}

// tickedAt accounts for a tick in cycle x while a command executes: the
// first request not yet sent by x, if it was to go at x+1 only because the
// engine was asleep at x, goes at x instead, and the requests after it are
// timed again.
func (d *Comp) tickedAt(x uint64) {
	j := d.job
	p := &j.plan
	i := sort.Search(len(p.issue), func(i int) bool { return p.issue[i] > x })
	if i == len(p.issue) || !p.woken[i] || p.due[i] != x {
		return
	}
	end := p.end
	d.channel.free = p.free[i]
	d.schedule(j, i, x)
	if p.end != end {
		d.scheduleCompletion(j)
	}
}

// complete moves the command's bytes and reports it done, then starts the
// next command if one waits. An event left behind by a command whose
// requests were timed again is ignored.
func (d *Comp) complete(e completeEvent) error {
	j, now := d.job, e.Time()
	if e.job != j || d.Freq.Cycle(now) != j.plan.end {
		return nil
	}
	if !d.noValues {
		if err := j.cmd.Move(d.storage, d.sp); err != nil {
			return err
		}
	}
	d.finish(now)
	if msg := d.toCP.Retrieve(now); msg != nil {
		d.start(msg.(*npu.CommandReq), now)
	}
	return nil
}
