package drivers

import (
	"fmt"
	"strings"

	"github.com/npusim/npusim/npu"
)

// sramAlign is the alignment of every scratchpad region.
const sramAlign = 64

// sramCount is the number of scratchpads.
const sramCount = int(npu.AccumulatorSRAM) + 1

// region is a named buffer of one scratchpad.
type region struct {
	name  string
	sram  npu.SRAM
	addr  int
	bytes int
}

// reserve is scratchpad space a layout counts toward its fit without
// placing anything in it.
type reserve struct {
	name  string
	sram  npu.SRAM
	bytes int
}

// layout is where one layer's buffers lie in the scratchpads: named regions
// placed one after the other (each aligned to sramAlign) in the order the
// planner asks for them, and named reserves. A layout fits when, in every
// scratchpad, its regions end within the capacity and its regions and
// reserves together do not exceed it. The planner chooses a layer's tiles
// by building the layout of each candidate and asking whether it fits, and
// the lowering takes its addresses from the chosen one: the fit test and
// the allocation are one computation.
type layout struct {
	capacity [sramCount]int
	lo       [sramCount]int // where each scratchpad's first region may start
	regions  []region
	reserves []reserve
	end      [sramCount]int // where the last region of each scratchpad ends
}

// capacities are the ranges [lo, hi) of each scratchpad a layer may lay its
// buffers out in: the whole scratchpad, less in the activation scratchpad
// what the tensors kept there across the layer occupy (residency.go), and
// less what the other layers of a fused chain hold (fusion.go).
type capacities struct {
	lo, hi [sramCount]int
}

// capacitiesOf is the whole of each of the hardware's scratchpads.
func capacitiesOf(hw *npu.Config) capacities {
	var c capacities
	for s := range sramCount {
		c.hi[s] = hw.Bytes(npu.SRAM(s))
	}
	return c
}

// newLayout starts a layout whose regions go from c.lo up to c.hi.
func newLayout(c capacities) *layout { return &layout{capacity: c.hi, lo: c.lo, end: c.lo} }

// place appends a region of n bytes to a scratchpad and returns its address.
func (l *layout) place(s npu.SRAM, name string, n int) int {
	addr := (l.end[s] + sramAlign - 1) / sramAlign * sramAlign
	l.end[s] = addr + n
	l.regions = append(l.regions, region{name, s, addr, n})
	return addr
}

// reserve counts n bytes of a scratchpad toward the fit (n <= 0 adds none).
func (l *layout) reserve(s npu.SRAM, name string, n int) {
	if n > 0 {
		l.reserves = append(l.reserves, reserve{name, s, n})
	}
}

// needs is the space the layout takes in a scratchpad: the end of its last
// region, or its regions and reserves together if that is more.
func (l *layout) needs(s npu.SRAM) int {
	counted := 0
	for _, r := range l.regions {
		if r.sram == s {
			counted += r.bytes
		}
	}
	for _, r := range l.reserves {
		if r.sram == s {
			counted += r.bytes
		}
	}
	return max(l.end[s], l.lo[s]+counted)
}

// fitsIn reports whether the layout fits one scratchpad.
func (l *layout) fitsIn(s npu.SRAM) bool { return l.needs(s) <= l.capacity[s] }

// check returns nil if the layout fits every scratchpad, else an error
// naming the first scratchpad it overflows and what it holds there.
func (l *layout) check() error {
	for s := range npu.SRAM(sramCount) {
		if !l.fitsIn(s) {
			return fmt.Errorf("%v SRAM: needs %d bytes of its %d (%s)", s, l.needs(s), l.capacity[s], l.contents(s))
		}
	}
	return nil
}

// contents lists a scratchpad's regions and reserves with their sizes.
func (l *layout) contents(s npu.SRAM) string {
	var parts []string
	for _, r := range l.regions {
		if r.sram == s {
			parts = append(parts, fmt.Sprintf("%s %d at %d", r.name, r.bytes, r.addr))
		}
	}
	for _, r := range l.reserves {
		if r.sram == s {
			parts = append(parts, fmt.Sprintf("%s %d reserved", r.name, r.bytes))
		}
	}
	return strings.Join(parts, ", ")
}

// String describes the layout, one scratchpad per line.
func (l *layout) String() string {
	var b strings.Builder
	for s := range npu.SRAM(sramCount) {
		if c := l.contents(s); c != "" {
			fmt.Fprintf(&b, "%v (%d of %d bytes): %s\n", s, l.needs(s), l.capacity[s], c)
		}
	}
	return b.String()
}
