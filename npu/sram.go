package npu

import (
	"encoding/binary"
	"fmt"
)

// Scratchpad is one on-chip SRAM: a byte array of fixed capacity. Units
// access it directly (commands count their accesses for the energy ledger:
// Counters); every command's footprint is checked against the capacity
// before a program runs.
type Scratchpad struct {
	Kind SRAM
	data []byte
}

func newScratchpad(kind SRAM, bytes int) *Scratchpad {
	return &Scratchpad{Kind: kind, data: make([]byte, bytes)}
}

// Capacity is the scratchpad's size in bytes.
func (s *Scratchpad) Capacity() int { return len(s.data) }

// Bytes returns the scratchpad's contents, for inspection (tests, traces).
func (s *Scratchpad) Bytes() []byte { return s.data }

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
// at least one of the two writes.
func (s Span) Overlaps(o Span) bool {
	return s.SRAM == o.SRAM && s.Lo < o.Hi && o.Lo < s.Hi && (s.Write || o.Write)
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

// NewScratchpads returns empty scratchpads of the capacities cfg gives.
func NewScratchpads(cfg *Config) *Scratchpads {
	var sp Scratchpads
	for k := range numSRAMs {
		sp[k] = newScratchpad(k, cfg.Bytes(k))
	}
	return &sp
}
