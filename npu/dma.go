package npu

import (
	"math"

	"github.com/sarchlab/akita/v3/mem/mem"
	"github.com/sarchlab/akita/v3/sim"
)

// maxRequestBytes caps one DRAM request: a contiguous run is split at 4 KiB
// DRAM boundaries (a page), so each request is one akita event however long
// the run, while long runs still pipeline.
const maxRequestBytes = 4096

// dmaEngine executes DMA commands one at a time. It splits a command's box
// into requests of contiguous bytes and sends them over akita's memory
// protocol to the DRAM controller, paced by the sustained transfer rate (the
// lesser of the DMA width and the DRAM bandwidth, counting whole bursts) and
// limited to a number of outstanding requests. A load writes each response's
// data into the scratchpad when it arrives; a store reads the scratchpad when
// it sends.
type dmaEngine struct {
	*sim.TickingComponent
	cmdPort, memPort sim.Port
	sys              *system

	job     *dmaJob
	pending []*doneMsg
	// channelFree is the cycle (fractional) from which the channel can start
	// the next request's transfer.
	channelFree float64
	wakeAt      uint64 // a scheduled wake-up cycle, 0 if none
}

// dmaRequest is one contiguous piece of a DMA command.
type dmaRequest struct {
	dram  uint64
	sram  int
	bytes int
}

type dmaJob struct {
	index    int
	cmd      *DMA
	requests []dmaRequest
	next     int
	inflight map[string]dmaRequest
	done     int
	counters Counters
}

// wakeEvent restarts the DMA when the channel frees up.
type wakeEvent struct {
	*sim.EventBase
}

func newDMAEngine(name string, s *system) *dmaEngine {
	d := &dmaEngine{sys: s}
	d.TickingComponent = sim.NewTickingComponent(name, s.engine, s.freq, d)
	d.cmdPort = sim.NewLimitNumMsgPort(d, unitQueueDepth, name+".CmdPort")
	d.memPort = sim.NewLimitNumMsgPort(d, s.cfg.DMA.Outstanding, name+".MemPort")
	d.AddPort("Cmd", d.cmdPort)
	d.AddPort("Mem", d.memPort)
	return d
}

// Handle wakes the engine or ticks.
func (d *dmaEngine) Handle(e sim.Event) error {
	if _, ok := e.(wakeEvent); ok {
		d.wakeAt = 0
		d.TickLater(e.Time())
		return nil
	}
	return d.TickingComponent.Handle(e)
}

// Tick receives responses, finishes and starts commands, and issues requests.
func (d *dmaEngine) Tick(now sim.VTimeInSec) bool {
	progress := sendPending(d.cmdPort, d.sys.cp.port, &d.pending, now)
	progress = d.receive(now) || progress
	if d.job != nil && d.job.done == len(d.job.requests) {
		d.finish(now)
		progress = true
	}
	if d.job == nil && d.sys.err == nil {
		if msg := d.cmdPort.Retrieve(now); msg != nil {
			d.start(msg.(*commandMsg).index, now)
			progress = true
		}
	}
	return d.issue(now) || progress
}

func (d *dmaEngine) start(index int, now sim.VTimeInSec) {
	cmd := d.sys.program.Commands[index].Op.(*DMA)
	j := &dmaJob{index: index, cmd: cmd, inflight: map[string]dmaRequest{}}
	for p := range cmd.Planes {
		for r := range cmd.Rows {
			dram := cmd.DRAM + uint64(p*cmd.DRAMPlaneStride+r*cmd.DRAMRowStride)
			sram := cmd.Addr + p*cmd.SRAMPlaneStride + r*cmd.SRAMRowStride
			for off := 0; off < cmd.RunBytes; {
				n := min(cmd.RunBytes-off, maxRequestBytes-int((dram+uint64(off))%maxRequestBytes))
				j.requests = append(j.requests, dmaRequest{dram: dram + uint64(off), sram: sram + off, bytes: n})
				off += n
			}
		}
	}
	d.job = j
	d.sys.stats.Commands[index].Start = d.sys.cycle(now)
}

// issue sends requests while the channel is free and the outstanding limit
// allows; if only the channel holds it back, it schedules a wake-up.
func (d *dmaEngine) issue(now sim.VTimeInSec) bool {
	j := d.job
	if j == nil {
		return false
	}
	cfg := d.sys.cfg
	cycle := float64(d.sys.cycle(now))
	progress := false
	for j.next < len(j.requests) && len(j.inflight) < cfg.DMA.Outstanding {
		if d.channelFree > cycle {
			d.wakeUp(now, uint64(math.Ceil(d.channelFree)))
			return progress
		}
		r := j.requests[j.next]
		var req mem.AccessReq
		sp := d.sys.sram[j.cmd.SRAM]
		if j.cmd.Store {
			data := make([]byte, r.bytes)
			copy(data, sp.data[r.sram:r.sram+r.bytes])
			req = mem.WriteReqBuilder{}.WithSendTime(now).WithSrc(d.memPort).WithDst(d.sys.mem.GetPortByName("Top")).
				WithAddress(r.dram).WithData(data).Build()
		} else {
			req = mem.ReadReqBuilder{}.WithSendTime(now).WithSrc(d.memPort).WithDst(d.sys.mem.GetPortByName("Top")).
				WithAddress(r.dram).WithByteSize(uint64(r.bytes)).Build()
		}
		if d.memPort.Send(req) != nil {
			return progress // NotifyPortFree will wake the engine
		}
		bursts := d.burstBytes(r)
		d.channelFree = max(d.channelFree, cycle) + float64(bursts)/cfg.TransferBytesPerCycle()
		j.inflight[req.Meta().ID] = r
		j.next++
		if j.cmd.Store {
			j.counters.SRAMRead[j.cmd.SRAM] += uint64(r.bytes)
			j.counters.DRAMWrite += uint64(bursts)
		} else {
			j.counters.DRAMRead += uint64(bursts)
		}
		progress = true
	}
	return progress
}

// burstBytes is the DRAM traffic of a request: every burst it touches.
func (d *dmaEngine) burstBytes(r dmaRequest) int {
	b := uint64(d.sys.cfg.DMA.BurstBytes)
	first, last := r.dram/b, (r.dram+uint64(r.bytes)-1)/b
	return int((last - first + 1) * b)
}

func (d *dmaEngine) wakeUp(now sim.VTimeInSec, cycle uint64) {
	if d.wakeAt == cycle {
		return
	}
	d.wakeAt = cycle
	t := sim.VTimeInSec(float64(cycle) / float64(d.sys.freq))
	d.sys.engine.Schedule(wakeEvent{sim.NewEventBase(max(t, now), d)})
}

// receive takes memory responses; load data goes into the scratchpad.
func (d *dmaEngine) receive(now sim.VTimeInSec) bool {
	progress := false
	for msg := d.memPort.Retrieve(now); msg != nil; msg = d.memPort.Retrieve(now) {
		rsp := msg.(mem.AccessRsp)
		j := d.job
		r := j.inflight[rsp.GetRspTo()]
		delete(j.inflight, rsp.GetRspTo())
		if data, ok := msg.(*mem.DataReadyRsp); ok {
			copy(d.sys.sram[j.cmd.SRAM].data[r.sram:], data.Data)
			j.counters.SRAMWrite[j.cmd.SRAM] += uint64(r.bytes)
		}
		j.done++
		progress = true
	}
	return progress
}

func (d *dmaEngine) finish(now sim.VTimeInSec) {
	j := d.job
	st := &d.sys.stats.Commands[j.index]
	st.End = d.sys.cycle(now)
	st.Counters = j.counters
	st.Energy = d.sys.cfg.price(&j.counters, 0)
	msg := &doneMsg{index: j.index}
	msg.Src, msg.Dst, msg.SendTime = d.cmdPort, d.sys.cp.port, now
	d.pending = append(d.pending, msg)
	sendPending(d.cmdPort, d.sys.cp.port, &d.pending, now)
	d.job = nil
}
