package dma

import (
	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/mem/mem"
	"github.com/sarchlab/akita/v3/sim"
)

// Builder builds DMA engines.
type Builder struct {
	engine        sim.Engine
	freq          sim.Freq
	queueDepth    int
	outstanding   int
	burstBytes    int
	bytesPerCycle float64
	memory        mem.LowModuleFinder
	storage       npu.Memory
	latency       int
	noValues      bool
	sp            *npu.Scratchpads
}

// MakeBuilder returns a builder with a 1 GHz clock, a queue depth of two,
// 16 outstanding requests, 64-byte bursts and 32 bytes per cycle. The
// engine it builds uses the analytic model, which needs WithStorage (unless
// WithoutValues) and WithLatency, or with WithMemory the request-level one.
func MakeBuilder() Builder {
	return Builder{freq: 1 * sim.GHz, queueDepth: 2, outstanding: 16, burstBytes: 64, bytesPerCycle: 32}
}

// WithEngine sets the engine the DMA engine runs on.
func (b Builder) WithEngine(engine sim.Engine) Builder {
	b.engine = engine
	return b
}

// WithFreq sets the DMA engine's clock.
func (b Builder) WithFreq(freq sim.Freq) Builder {
	b.freq = freq
	return b
}

// WithQueueDepth sets how many commands the "ToCP" port buffers.
func (b Builder) WithQueueDepth(n int) Builder {
	b.queueDepth = n
	return b
}

// WithOutstanding sets the most requests in flight at once; the "ToMem"
// port buffers as many responses.
func (b Builder) WithOutstanding(n int) Builder {
	b.outstanding = n
	return b
}

// WithBurstBytes sets the DRAM burst: the granule of DRAM traffic.
func (b Builder) WithBurstBytes(n int) Builder {
	b.burstBytes = n
	return b
}

// WithBytesPerCycle sets the sustained transfer rate: the lesser of the
// engine's width and the DRAM bandwidth, in bytes per cycle
// (npu.Config.TransferBytesPerCycle).
func (b Builder) WithBytesPerCycle(rate float64) Builder {
	b.bytesPerCycle = rate
	return b
}

// WithMemory makes the engine time its commands request by request: it
// sends each request to the DRAM controller that f finds for its address,
// over the "ToMem" port, and a command completes with its last answer.
// Without it, the engine uses the analytic model (WithStorage).
func (b Builder) WithMemory(f mem.LowModuleFinder) Builder {
	b.memory = f
	return b
}

// WithStorage sets the DRAM image of the analytic model, which times
// commands from the same channel, outstanding limit and DRAM latency
// (WithLatency) as the request-level model, to the same cycles, with one
// event per command: the bytes move between the scratchpad and storage
// (any npu.Memory, akita's mem.Storage included) when the command
// completes.
func (b Builder) WithStorage(storage npu.Memory) Builder {
	b.storage = storage
	return b
}

// WithoutValues makes the analytic model time commands without moving
// their bytes (the request-level model moves them regardless).
func (b Builder) WithoutValues() Builder {
	b.noValues = true
	return b
}

// WithLatency sets the analytic model's DRAM latency: the cycles from the
// cycle the DRAM controller takes a request to the cycle it answers.
func (b Builder) WithLatency(cycles int) Builder {
	b.latency = cycles
	return b
}

// WithScratchpads sets the scratchpads the engine loads and stores.
func (b Builder) WithScratchpads(sp *npu.Scratchpads) Builder {
	b.sp = sp
	return b
}

// Build returns a DMA engine with the given name and its ports "ToCP" and
// "ToMem".
func (b Builder) Build(name string) *Comp {
	d := &Comp{memory: b.memory, sp: b.sp, outstanding: b.outstanding,
		channel:  channel{rate: b.bytesPerCycle, burstBytes: uint64(b.burstBytes)},
		analytic: b.memory == nil, storage: b.storage, latency: uint64(b.latency), noValues: b.noValues}
	d.TickingComponent = sim.NewTickingComponent(name, b.engine, b.freq, d)
	d.toCP = sim.NewLimitNumMsgPort(d, b.queueDepth, name+".ToCP")
	d.toMem = sim.NewLimitNumMsgPort(d, b.outstanding, name+".ToMem")
	d.AddPort("ToCP", d.toCP)
	d.AddPort("ToMem", d.toMem)
	d.outbox = sim.NewBufferedSender(d.toCP, sim.NewBuffer(name+".Outbox", b.queueDepth))
	return d
}
