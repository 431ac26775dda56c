package npu

import (
	"fmt"

	"github.com/sarchlab/akita/v3/mem/idealmemcontroller"
	"github.com/sarchlab/akita/v3/mem/mem"
	"github.com/sarchlab/akita/v3/sim"
)

// Result is what a run returns: the output regions read back from DRAM, in
// the order of Program.Outputs, and the statistics.
type Result struct {
	Outputs [][]byte
	Stats   *Stats
}

// unitQueueDepth is how many commands a unit holds: one executing, one
// waiting, so that the command processor can issue ahead.
const unitQueueDepth = 2

// system is one NPU instance wired for a single run: its engine, components
// and scratchpads.
type system struct {
	cfg     *Config
	program *Program
	engine  sim.Engine
	freq    sim.Freq
	sram    Scratchpads
	stats   *Stats
	err     error // the first hazard or fault a component met

	cp    *commandProcessor
	dma   *dmaEngine
	units [numUnits]sim.Port // each unit's command port (DMA included)
	mem   *idealmemcontroller.Comp
}

// Run executes a program on a fresh NPU built from cfg: a new serial engine,
// components, scratchpads and a DRAM holding the program's image. It returns
// the output regions and the statistics, or an error if the program is
// invalid for the hardware, has a data hazard its dependencies do not cover,
// or cannot finish.
func Run(cfg *Config, p *Program) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("hw config %s: %w", cfg.Name, err)
	}
	if err := p.Validate(cfg); err != nil {
		return nil, err
	}
	s := build(cfg, p)
	if err := s.engine.Run(); err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	if err := s.cp.finished(); err != nil {
		return nil, err
	}
	outputs := make([][]byte, len(p.Outputs))
	for i, r := range p.Outputs {
		data, err := s.mem.Storage.Read(r.Addr, uint64(r.Bytes))
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", r.Name, err)
		}
		outputs[i] = data
	}
	s.stats.summarize(cfg, p.Layers)
	return &Result{Outputs: outputs, Stats: s.stats}, nil
}

// dramUnitBytes is the allocation unit of the simulated DRAM's storage.
const dramUnitBytes = 64 << 10

func build(cfg *Config, p *Program) *system {
	s := &system{cfg: cfg, program: p, engine: sim.NewSerialEngine(), freq: sim.Freq(cfg.ClockMHz) * sim.MHz}
	for k := range numSRAMs {
		s.sram[k] = newScratchpad(k, cfg.Bytes(k))
	}
	s.stats = &Stats{Config: cfg.Name, ClockMHz: cfg.ClockMHz, Commands: make([]CommandStats, len(p.Commands))}
	for i := range p.Commands {
		c := &p.Commands[i]
		s.stats.Commands[i] = CommandStats{Name: c.Name(), Unit: c.Unit(), Layer: c.Layer}
	}

	capacity := (max(p.DRAMBytes, 1) + dramUnitBytes - 1) / dramUnitBytes * dramUnitBytes
	storage := mem.NewStorageWithUnitSize(capacity, dramUnitBytes)
	if err := storage.Write(0, p.DRAM); err != nil {
		panic(err) // the image fits: Validate checked it against DRAMBytes
	}
	s.mem = idealmemcontroller.MakeBuilder().
		WithEngine(s.engine).
		WithFreq(s.freq).
		WithLatency(cfg.DRAMLatencyCycles()).
		WithWidth(1).
		WithTopBufSize(cfg.DMA.Outstanding).
		WithStorage(storage).
		Build("NPU.DRAM")

	s.cp = newCommandProcessor("NPU.CommandProcessor", s)
	s.dma = newDMAEngine("NPU.DMA", s)
	s.units[UnitDMA] = s.dma.cmdPort
	for _, u := range []Unit{UnitMatrix, UnitRequant, UnitVector} {
		s.units[u] = newComputeUnit(u, s).port
	}

	conn := sim.NewDirectConnection("NPU.Interconnect", s.engine, s.freq)
	conn.PlugIn(s.cp.port, len(p.Commands)+1)
	for _, port := range s.units {
		conn.PlugIn(port, 4)
	}
	memConn := sim.NewDirectConnection("NPU.MemoryBus", s.engine, s.freq)
	memConn.PlugIn(s.dma.memPort, cfg.DMA.Outstanding)
	memConn.PlugIn(s.mem.GetPortByName("Top"), cfg.DMA.Outstanding)

	s.cp.TickLater(0)
	return s
}

// cycle converts an engine time to an NPU cycle.
func (s *system) cycle(now sim.VTimeInSec) uint64 { return s.freq.Cycle(now) }

// fail records the first fault; components stop issuing once one occurred.
func (s *system) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// commandMsg carries command index from the command processor to a unit.
type commandMsg struct {
	sim.MsgMeta
	index int
}

// Meta implements sim.Msg.
func (m *commandMsg) Meta() *sim.MsgMeta { return &m.MsgMeta }

// doneMsg tells the command processor that command index completed.
type doneMsg struct {
	sim.MsgMeta
	index int
}

// Meta implements sim.Msg.
func (m *doneMsg) Meta() *sim.MsgMeta { return &m.MsgMeta }
