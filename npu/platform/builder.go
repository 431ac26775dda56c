package platform

import (
	"slices"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/compute"
	"github.com/npusim/npusim/npu/cp"
	"github.com/npusim/npusim/npu/dma"
	"github.com/sarchlab/akita/v3/mem/idealmemcontroller"
	"github.com/sarchlab/akita/v3/mem/mem"
	"github.com/sarchlab/akita/v3/sim"
)

// queueDepth is how many commands a unit holds: one executing, one waiting,
// so that the command processor can issue ahead (docs/timing.md).
const queueDepth = 2

// dramUnitBytes is the allocation unit of the simulated DRAM's storage.
const dramUnitBytes = 64 << 10

// Platform is one NPU: its engine, components and storage.
type Platform struct {
	Engine  sim.Engine
	CP      *cp.Comp
	DMA     *dma.Comp
	Matrix  *compute.Comp
	Requant *compute.Comp
	Vector  *compute.Comp
	// Host is the host CPU, which runs the layers a driver gives back to
	// it (npu.Host commands).
	Host *HostCPU
	// DRAM is the DRAM controller of the request-level DMA model (nil with
	// the analytic model, which needs none).
	DRAM *idealmemcontroller.Comp
	// Memory holds the DRAM's bytes: the controller's storage, or with the
	// analytic DMA model a flat image (nil if the NPU computes no values).
	Memory      npu.Memory
	Scratchpads *npu.Scratchpads
}

// Builder builds NPUs.
type Builder struct {
	engine    sim.Engine
	cfg       *npu.Config
	image     []byte
	dramBytes uint64
	hooks     []sim.Hook
	// requestLevel times DMA commands request by request through akita's
	// ideal memory controller; noValues skips every value computation.
	requestLevel, noValues bool
	kernels                []npu.HostKernel
	scratchpads            *npu.Scratchpads
}

// scratchpadWatcher is a hook that reads the NPU's scratchpads (an
// npu.Capturer): Build hands them to it.
type scratchpadWatcher interface {
	Watch(sp *npu.Scratchpads)
}

// MakeBuilder returns a builder; it needs an engine and a config.
func MakeBuilder() Builder { return Builder{} }

// WithEngine sets the engine every component runs on.
func (b Builder) WithEngine(engine sim.Engine) Builder {
	b.engine = engine
	return b
}

// WithConfig sets the hardware.
func (b Builder) WithConfig(cfg *npu.Config) Builder {
	b.cfg = cfg
	return b
}

// WithDRAM sets the DRAM's size in bytes and the image it holds from
// address 0 (at most that size).
func (b Builder) WithDRAM(bytes uint64, image []byte) Builder {
	b.dramBytes, b.image = bytes, image
	return b
}

// WithScratchpads sets the scratchpads the NPU's units share (by default,
// npu.NewScratchpads of the config: backed at their full capacity).
func (b Builder) WithScratchpads(sp *npu.Scratchpads) Builder {
	b.scratchpads = sp
	return b
}

// WithHostKernels sets the table of kernels the host CPU runs for
// npu.Host commands, indexed by npu.Host.Kernel.
func (b Builder) WithHostKernels(k []npu.HostKernel) Builder {
	b.kernels = k
	return b
}

// WithHook adds a hook to attach to the command processor and every unit.
func (b Builder) WithHook(h sim.Hook) Builder {
	b.hooks = append(slices.Clip(b.hooks), h)
	return b
}

// WithRequestLevelDMA makes the DMA engine time its commands request by
// request, each an akita read or write request to the DRAM controller (an
// ideal memory controller) over a direct connection, about four events per
// request. By default the engine uses the analytic model, which gives the
// same cycles and counters with one event per command (docs/timing.md);
// the request-level model is what it is proven against, and the base for
// calibrating other memories.
func (b Builder) WithRequestLevelDMA() Builder {
	b.requestLevel = true
	return b
}

// WithoutValues builds an NPU that times a program without computing its
// values: the units skip the kernels and the DMA engine moves no bytes
// (the platform has no DRAM image then). Cycles, counters and
// energy do not depend on the values (see RunTiming). The request-level DMA
// model moves bytes regardless.
func (b Builder) WithoutValues() Builder {
	b.noValues = true
	return b
}

// Build returns an NPU whose components are named under name
// ("NPU.CommandProcessor", "NPU.DMA", ...).
func (b Builder) Build(name string) *Platform {
	freq := sim.Freq(b.cfg.ClockMHz) * sim.MHz
	p := &Platform{Engine: b.engine, Scratchpads: b.scratchpads}
	if p.Scratchpads == nil {
		p.Scratchpads = npu.NewScratchpads(b.cfg)
	}
	switch {
	case b.requestLevel:
		p.DRAM = b.buildDRAM(sim.BuildName(name, "DRAM"), freq)
		p.Memory = p.DRAM.Storage
	case !b.noValues:
		p.Memory = npu.NewSparseMemory(b.dramBytes, b.image)
	}
	b.buildUnits(p, name, freq)
	cpBuilder := cp.MakeBuilder().WithEngine(b.engine).WithFreq(freq).WithUnitQueueDepth(queueDepth)
	for u, port := range p.unitPorts() {
		cpBuilder = cpBuilder.WithUnitPort(npu.Unit(u), port)
	}
	p.CP = cpBuilder.Build(sim.BuildName(name, "CommandProcessor"))

	conn := sim.NewDirectConnection(sim.BuildName(name, "Interconnect"), b.engine, freq)
	conn.PlugIn(p.CP.GetPortByName("ToUnits"), cpBuilder.PortBufferSize())
	for _, port := range p.unitPorts() {
		conn.PlugIn(port, queueDepth)
	}
	if b.requestLevel {
		bus := sim.NewDirectConnection(sim.BuildName(name, "MemoryBus"), b.engine, freq)
		bus.PlugIn(p.DMA.GetPortByName("ToMem"), b.cfg.DMA.Outstanding)
		bus.PlugIn(p.DRAM.GetPortByName("Top"), b.cfg.DMA.Outstanding)
	}

	for _, h := range b.hooks {
		if w, ok := h.(scratchpadWatcher); ok {
			w.Watch(p.Scratchpads)
		}
		p.CP.AcceptHook(h)
		p.DMA.AcceptHook(h)
		p.Matrix.AcceptHook(h)
		p.Requant.AcceptHook(h)
		p.Vector.AcceptHook(h)
		p.Host.AcceptHook(h)
	}
	return p
}

// buildDRAM returns the DRAM controller holding the image. The builder's
// caller has checked that the image fits (npu.Program.Validate).
func (b Builder) buildDRAM(name string, freq sim.Freq) *idealmemcontroller.Comp {
	capacity := (max(b.dramBytes, 1) + dramUnitBytes - 1) / dramUnitBytes * dramUnitBytes
	storage := mem.NewStorageWithUnitSize(capacity, dramUnitBytes)
	if err := storage.Write(0, b.image); err != nil {
		panic(err)
	}
	return idealmemcontroller.MakeBuilder().
		WithEngine(b.engine).
		WithFreq(freq).
		WithLatency(b.cfg.DRAMLatencyCycles()).
		WithWidth(1).
		WithTopBufSize(b.cfg.DMA.Outstanding).
		WithStorage(storage).
		Build(name)
}

// buildUnits builds the DMA engine and the compute units.
func (b Builder) buildUnits(p *Platform, name string, freq sim.Freq) {
	cfg := b.cfg
	engine := dma.MakeBuilder().WithEngine(b.engine).WithFreq(freq).WithQueueDepth(queueDepth).
		WithOutstanding(cfg.DMA.Outstanding).WithBurstBytes(cfg.DMA.BurstBytes).
		WithBytesPerCycle(cfg.TransferBytesPerCycle()).WithScratchpads(p.Scratchpads)
	if b.requestLevel {
		engine = engine.WithMemory(&mem.SingleLowModuleFinder{LowModule: p.DRAM.GetPortByName("Top")})
	} else {
		engine = engine.WithStorage(p.Memory).WithLatency(cfg.DRAMLatencyCycles())
	}
	units := compute.MakeBuilder().WithEngine(b.engine).WithFreq(freq).WithQueueDepth(queueDepth).
		WithConfig(cfg).WithScratchpads(p.Scratchpads)
	if b.noValues {
		engine, units = engine.WithoutValues(), units.WithoutValues()
	}
	p.DMA = engine.Build(sim.BuildName(name, "DMA"))
	p.Matrix = units.Build(sim.BuildName(name, "MatrixUnit"))
	p.Requant = units.Build(sim.BuildName(name, "RequantUnit"))
	p.Vector = units.Build(sim.BuildName(name, "VectorUnit"))
	p.Host = newHostCPU(sim.BuildName(name, "HostCPU"), b.engine, freq, cfg, p.Memory, b.kernels)
}

// unitPorts are the units' command ports, indexed by npu.Unit.
func (p *Platform) unitPorts() [npu.NumUnits]sim.Port {
	return [npu.NumUnits]sim.Port{
		npu.UnitDMA:     p.DMA.GetPortByName("ToCP"),
		npu.UnitMatrix:  p.Matrix.GetPortByName("ToCP"),
		npu.UnitRequant: p.Requant.GetPortByName("ToCP"),
		npu.UnitVector:  p.Vector.GetPortByName("ToCP"),
		npu.UnitHost:    p.Host.GetPortByName("ToCP"),
	}
}
