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
	Engine      sim.Engine
	CP          *cp.Comp
	DMA         *dma.Comp
	Matrix      *compute.Comp
	Requant     *compute.Comp
	Vector      *compute.Comp
	DRAM        *idealmemcontroller.Comp
	Scratchpads *npu.Scratchpads
}

// Builder builds NPUs.
type Builder struct {
	engine      sim.Engine
	cfg         *npu.Config
	image       []byte
	dramBytes   uint64
	hooks       []sim.Hook
	scratchpads *npu.Scratchpads
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

// WithHook adds a hook to attach to the command processor and every unit.
func (b Builder) WithHook(h sim.Hook) Builder {
	b.hooks = append(slices.Clip(b.hooks), h)
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
	p.DRAM = b.buildDRAM(sim.BuildName(name, "DRAM"), freq)
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
	bus := sim.NewDirectConnection(sim.BuildName(name, "MemoryBus"), b.engine, freq)
	bus.PlugIn(p.DMA.GetPortByName("ToMem"), b.cfg.DMA.Outstanding)
	bus.PlugIn(p.DRAM.GetPortByName("Top"), b.cfg.DMA.Outstanding)

	for _, h := range b.hooks {
		p.CP.AcceptHook(h)
		p.DMA.AcceptHook(h)
		p.Matrix.AcceptHook(h)
		p.Requant.AcceptHook(h)
		p.Vector.AcceptHook(h)
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
	p.DMA = dma.MakeBuilder().WithEngine(b.engine).WithFreq(freq).WithQueueDepth(queueDepth).
		WithOutstanding(cfg.DMA.Outstanding).WithBurstBytes(cfg.DMA.BurstBytes).
		WithBytesPerCycle(cfg.TransferBytesPerCycle()).
		WithMemory(&mem.SingleLowModuleFinder{LowModule: p.DRAM.GetPortByName("Top")}).
		WithScratchpads(p.Scratchpads).
		Build(sim.BuildName(name, "DMA"))
	units := compute.MakeBuilder().WithEngine(b.engine).WithFreq(freq).WithQueueDepth(queueDepth).
		WithConfig(cfg).WithScratchpads(p.Scratchpads)
	p.Matrix = units.Build(sim.BuildName(name, "MatrixUnit"))
	p.Requant = units.Build(sim.BuildName(name, "RequantUnit"))
	p.Vector = units.Build(sim.BuildName(name, "VectorUnit"))
}

// unitPorts are the units' command ports, indexed by npu.Unit.
func (p *Platform) unitPorts() [npu.NumUnits]sim.Port {
	return [npu.NumUnits]sim.Port{
		npu.UnitDMA:     p.DMA.GetPortByName("ToCP"),
		npu.UnitMatrix:  p.Matrix.GetPortByName("ToCP"),
		npu.UnitRequant: p.Requant.GetPortByName("ToCP"),
		npu.UnitVector:  p.Vector.GetPortByName("ToCP"),
	}
}
