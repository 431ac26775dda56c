package npu

import (
	"encoding/binary"
	"fmt"
)

// Scratchpad is one on-chip SRAM: a byte array of fixed capacity. Units
// access it directly (commands count their accesses for the energy ledger:
// Counters); every command's footprint is checked against the capacity
// before a program runs.
//
// Its backing store holds the scratchpad's bytes from address 0 up to its
// extent, the highest address a program can touch, which may be far below
// the configured capacity (a configuration may declare a GiB of SRAM; a
// program touches what its tiles need): see NewScratchpadsFor.
type Scratchpad struct {
	Kind     SRAM
	capacity int
	data     []byte
	// words is data seen as int32s on little-endian hosts, for the
	// kernels that read and write accumulators in place; nil elsewhere.
	words []int32
	// work holds the buffers the set's fast kernels reuse.
	work *workspace
}

func newScratchpad(kind SRAM, capacity, extent int, work *workspace) *Scratchpad {
	data, words := wordBacked(min(extent, capacity))
	return &Scratchpad{Kind: kind, capacity: capacity, data: data, words: words, work: work}
}

// Capacity is the scratchpad's size in bytes.
func (s *Scratchpad) Capacity() int { return s.capacity }

// Bytes returns the scratchpad's contents up to its extent, for inspection
// (tests, traces).
func (s *Scratchpad) Bytes() []byte { return s.data }

// Write copies b into the scratchpad from byte addr: how the DMA engine
// fills it.
func (s *Scratchpad) Write(addr int, b []byte) { copy(s.data[addr:addr+len(b)], b) }

// Read returns the n bytes from addr, for reading only: how the DMA engine
// stores them.
func (s *Scratchpad) Read(addr, n int) []byte { return s.data[addr : addr+n : addr+n] }

func (s *Scratchpad) int32At(addr int) int32 {
	return int32(binary.LittleEndian.Uint32(s.data[addr:]))
}

func (s *Scratchpad) putInt32(addr int, v int32) {
	binary.LittleEndian.PutUint32(s.data[addr:], uint32(v))
}

// Span is a byte range [Lo, Hi) of one scratchpad that a command reads or
// (Write) writes.
type Span struct {
	SRAM   SRAM
	Lo, Hi int
	Write  bool
}

// Overlaps reports a conflict: the same scratchpad, intersecting ranges, and
// at least one of the two writes. An empty range touches no bytes.
func (s Span) Overlaps(o Span) bool {
	return s.SRAM == o.SRAM && s.Lo < s.Hi && o.Lo < o.Hi && s.Lo < o.Hi && o.Lo < s.Hi && (s.Write || o.Write)
}

// String describes the range.
func (s Span) String() string {
	return fmt.Sprintf("%v SRAM [%d, %d)", s.SRAM, s.Lo, s.Hi)
}

// Scratchpads are the NPU's three scratchpads, indexed by SRAM. They are
// storage, not components: the units reach them over wide private datapaths
// whose access time is part of each command's cycle count (docs/timing.md),
// so the platform hands the same Scratchpads to every unit that uses them,
// as akita shares a mem.Storage.
type Scratchpads [numSRAMs]*Scratchpad

// NewScratchpads returns empty scratchpads of the capacities cfg gives,
// each backed up to its capacity.
func NewScratchpads(cfg *Config) *Scratchpads {
	var sp Scratchpads
	work := &workspace{}
	for k := range numSRAMs {
		sp[k] = newScratchpad(k, cfg.Bytes(k), cfg.Bytes(k), work)
	}
	return &sp
}

// NewScratchpadsFor returns empty scratchpads of the capacities cfg gives
// for a program that passed Program.Validate: each is backed only up to the
// end of the highest range a command of the program touches, so that memory
// follows the program's largest tile, not the configured SRAM. The units
// index the backing store directly, as before; a program that passed
// validation never reaches past it.
func NewScratchpadsFor(cfg *Config, p *Program) *Scratchpads {
	var extent [numSRAMs]int
	var spans []Span
	for i := range p.Commands {
		spans = p.Commands[i].Op.AppendFootprint(spans[:0])
		for _, s := range spans {
			extent[s.SRAM] = max(extent[s.SRAM], s.Hi)
		}
	}
	var sp Scratchpads
	work := &workspace{}
	for k := range numSRAMs {
		sp[k] = newScratchpad(k, cfg.Bytes(k), extent[k], work)
	}
	return &sp
}
