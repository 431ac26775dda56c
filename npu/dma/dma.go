package dma

import (
	"math"

	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/mem/mem"
	"github.com/sarchlab/akita/v3/sim"
)

// maxRequestBytes caps one DRAM request: a contiguous run is split at 4 KiB
// DRAM boundaries (a page), so each request is one akita event however long
// the run, while long runs still pipeline.
const maxRequestBytes = 4096

// Comp is a DMA engine.
type Comp struct {
	*sim.TickingComponent
	toCP, toMem sim.Port
	outbox      sim.BufferedSender  // completions the connection has not taken yet
	memory      mem.LowModuleFinder // the request-level model's DRAM controller
	storage     npu.Memory          // the analytic model's DRAM image
	latency     uint64              // the analytic model's DRAM latency, in cycles
	noValues    bool                // the analytic model moves no bytes
	analytic    bool                // the analytic model, not the request-level one
	sp          *npu.Scratchpads
	outstanding int

	channel channel
	job     *job   // the command executing, nil when idle
	wakeAt  uint64 // the cycle of a scheduled wake-up, 0 if none
}

// request is one contiguous piece of a DMA command.
type request struct {
	dram  uint64
	sram  int
	bytes int
}

// job is a DMA command in execution: its requests, how many were sent and
// answered, and the traffic counted so far.
type job struct {
	req      *npu.CommandReq
	cmd      *npu.DMA
	requests []request
	next     int
	inflight map[string]request // by memory request ID
	done     int
	counters npu.Counters
	plan     plan // the analytic model's timing of the requests
}

// wakeEvent restarts the engine when the channel frees up.
type wakeEvent struct {
	*sim.EventBase
}

// Handle wakes the engine, completes a command or ticks.
func (d *Comp) Handle(e sim.Event) error {
	switch e := e.(type) {
	case wakeEvent:
		d.wakeAt = 0
		d.TickLater(e.Time())
		return nil
	case completeEvent:
		return d.complete(e)
	}
	return d.TickingComponent.Handle(e)
}

// Tick reports finished commands, receives responses, finishes and starts
// commands, and issues requests.
func (d *Comp) Tick(now sim.VTimeInSec) bool {
	progress := d.send(now)
	if d.analytic {
		return d.tickAnalytic(now) || progress
	}
	progress = d.receive(now) || progress
	if d.job != nil && d.job.done == len(d.job.requests) {
		d.finish(now)
		progress = true
	}
	if d.job == nil {
		if msg := d.toCP.Retrieve(now); msg != nil {
			d.start(msg.(*npu.CommandReq), now)
			progress = true
		}
	}
	return d.issue(now) || progress
}

// start cuts a command's runs into requests; the analytic model times
// them at once.
func (d *Comp) start(req *npu.CommandReq, now sim.VTimeInSec) {
	cmd := req.Command.Op.(*npu.DMA)
	j := &job{req: req, cmd: cmd}
	for dram, sram := range cmd.Runs() {
		for off := 0; off < cmd.RunBytes; {
			n := min(cmd.RunBytes-off, maxRequestBytes-int((dram+uint64(off))%maxRequestBytes))
			j.requests = append(j.requests, request{dram: dram + uint64(off), sram: sram + off, bytes: n})
			off += n
		}
	}
	d.job = j
	if d.NumHooks() > 0 {
		d.InvokeHook(sim.HookCtx{Domain: d, Pos: npu.HookPosCommandStarted,
			Item: &npu.CommandStarted{Seq: req.Seq, Command: req.Command, Cycle: d.Freq.Cycle(now)}})
	}
	if d.analytic {
		d.planJob(now)
		return
	}
	j.inflight = map[string]request{}
}

// issue sends requests while the channel is free and the outstanding limit
// allows; if only the channel holds it back, it schedules a wake-up.
func (d *Comp) issue(now sim.VTimeInSec) bool {
	j := d.job
	if j == nil {
		return false
	}
	cycle := float64(d.Freq.Cycle(now))
	progress := false
	for j.next < len(j.requests) && len(j.inflight) < d.outstanding {
		if d.channel.busy(cycle) {
			d.wakeUp(now, uint64(math.Ceil(d.channel.free)))
			return progress
		}
		r := j.requests[j.next]
		req := d.memoryRequest(r, now)
		if d.toMem.Send(req) != nil {
			return progress // NotifyPortFree will wake the engine
		}
		traffic := d.channel.traffic(r.dram, r.bytes)
		d.channel.reserve(cycle, traffic)
		j.inflight[req.Meta().ID] = r
		j.next++
		if j.cmd.Store {
			j.counters.SRAMRead[j.cmd.SRAM] += uint64(r.bytes)
			j.counters.DRAMWrite += uint64(traffic)
		} else {
			j.counters.DRAMRead += uint64(traffic)
		}
		progress = true
	}
	return progress
}

// memoryRequest builds the read (load) or write (store, with the bytes the
// scratchpad holds now) of one request.
func (d *Comp) memoryRequest(r request, now sim.VTimeInSec) mem.AccessReq {
	dst := d.memory.Find(r.dram)
	if d.job.cmd.Store {
		data := make([]byte, r.bytes)
		copy(data, d.sp[d.job.cmd.SRAM].Read(r.sram, r.bytes))
		return mem.WriteReqBuilder{}.WithSendTime(now).WithSrc(d.toMem).WithDst(dst).
			WithAddress(r.dram).WithData(data).Build()
	}
	return mem.ReadReqBuilder{}.WithSendTime(now).WithSrc(d.toMem).WithDst(dst).
		WithAddress(r.dram).WithByteSize(uint64(r.bytes)).Build()
}

func (d *Comp) wakeUp(now sim.VTimeInSec, cycle uint64) {
	if d.wakeAt == cycle {
		return
	}
	d.wakeAt = cycle
	t := sim.VTimeInSec(float64(cycle) / float64(d.Freq))
	d.Engine.Schedule(wakeEvent{sim.NewEventBase(max(t, now), d)})
}

// receive takes memory responses; load data goes into the scratchpad.
func (d *Comp) receive(now sim.VTimeInSec) bool {
	progress := false
	for msg := d.toMem.Retrieve(now); msg != nil; msg = d.toMem.Retrieve(now) {
		rsp := msg.(mem.AccessRsp)
		j := d.job
		r := j.inflight[rsp.GetRspTo()]
		delete(j.inflight, rsp.GetRspTo())
		if data, ok := msg.(*mem.DataReadyRsp); ok {
			d.sp[j.cmd.SRAM].Write(r.sram, data.Data)
			j.counters.SRAMWrite[j.cmd.SRAM] += uint64(r.bytes)
		}
		j.done++
		progress = true
	}
	return progress
}

// finish reports the command done.
func (d *Comp) finish(now sim.VTimeInSec) {
	j := d.job
	if d.NumHooks() > 0 {
		d.InvokeHook(sim.HookCtx{Domain: d, Pos: npu.HookPosCommandCompleted,
			Item: &npu.CommandCompleted{Seq: j.req.Seq, Command: j.req.Command, Cycle: d.Freq.Cycle(now), Counters: j.counters}})
	}
	d.outbox.Send(j.req.Done())
	d.send(now)
	d.job = nil
}

// send hands the connection every completion it will take.
func (d *Comp) send(now sim.VTimeInSec) bool {
	progress := false
	for d.outbox.Tick(now) {
		progress = true
	}
	return progress
}
