package drivers

import (
	"slices"

	"github.com/npusim/npusim/npu"
)

// unitCount is the number of units that execute commands.
const unitCount = int(npu.UnitVector) + 1

// none is the command index of no command.
const none = -1

// intervalTracker derives dependencies from footprints. A command must
// follow, for each other unit, the latest command of that unit that
// conflicts with it (wrote a byte it touches, or read a byte it writes):
// each unit executes its commands in order, one at a time, and reports them
// done in order (the command processor issues in order; npu/cp.go,
// npu/unit.go), so waiting for the latest conflicting command of a unit
// waits for every earlier one. Commands of the command's own unit need no
// dependency at all.
//
// It keeps, per scratchpad, unit and kind of access, an interval map from
// byte ranges to the latest command of the unit that read (or wrote) them.
// A write also clears what the maps of the other units, and its own unit's
// reads, knew of the range: any later command that conflicts with an
// earlier access there also conflicts with the write, and the write itself
// waited for those accesses (or follows them on its unit), so waiting for
// the write, or issuing after it on its unit, implies them. Each command
// costs a few binary searches plus the pieces its footprint covers, and a
// piece, once cleared or painted over, is gone: the work is linear in the
// commands emitted.
//
// The dependencies differ from an all-pairs tracker's (at most one per
// other unit instead of every conflicting command) but every command issues
// when it would have: see TestIntervalTrackerIssuesAsAllPairs.
type intervalTracker struct {
	reads, writes [sramCount][unitCount]paintMap
	arena         depArena // where the dependency lists are kept
}

// order returns command i's dependencies, sorted, and records its accesses.
func (d *intervalTracker) order(i int, unit npu.Unit, spans []npu.Span) []int {
	var latest [unitCount]int
	for u := range latest {
		latest[u] = none
	}
	for _, s := range spans {
		for u := range unitCount {
			if npu.Unit(u) == unit {
				continue
			}
			latest[u] = max(latest[u], d.writes[s.SRAM][u].latest(s.Lo, s.Hi))
			if s.Write {
				latest[u] = max(latest[u], d.reads[s.SRAM][u].latest(s.Lo, s.Hi))
			}
		}
	}
	for _, write := range []bool{false, true} {
		for _, s := range spans {
			if s.Write == write {
				d.record(s, i, unit)
			}
		}
	}
	var found [unitCount]int
	deps := found[:0]
	for _, c := range latest {
		if c != none {
			deps = append(deps, c)
		}
	}
	slices.Sort(deps)
	return d.arena.keep(deps)
}

// record notes command cmd's access to span s.
func (d *intervalTracker) record(s npu.Span, cmd int, unit npu.Unit) {
	if !s.Write {
		d.reads[s.SRAM][unit].paint(s.Lo, s.Hi, cmd)
		return
	}
	for u := range unitCount {
		d.reads[s.SRAM][u].paint(s.Lo, s.Hi, none)
		if npu.Unit(u) != unit {
			d.writes[s.SRAM][u].paint(s.Lo, s.Hi, none)
		}
	}
	d.writes[s.SRAM][unit].paint(s.Lo, s.Hi, cmd)
}

// paintMap maps the bytes of a scratchpad to a command index: sorted,
// disjoint pieces; bytes outside every piece map to none.
type paintMap struct {
	pieces []painted
}

// painted is a byte range [lo, hi) mapped to a command.
type painted struct {
	lo, hi, cmd int
}

// first is the index of the first piece that ends after addr: a binary
// search written out, since it runs a few dozen times per command.
func (m *paintMap) first(addr int) int {
	lo, hi := 0, len(m.pieces)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if m.pieces[mid].hi <= addr {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// latest is the largest command mapped from a byte of [lo, hi), or none.
func (m *paintMap) latest(lo, hi int) int {
	c := none
	for k := m.first(lo); k < len(m.pieces) && m.pieces[k].lo < hi; k++ {
		c = max(c, m.pieces[k].cmd)
	}
	return c
}

// paint maps [lo, hi) to cmd (to nothing if cmd is none).
func (m *paintMap) paint(lo, hi, cmd int) {
	if hi <= lo {
		return
	}
	first := m.first(lo)
	end := first
	for end < len(m.pieces) && m.pieces[end].lo < hi {
		end++
	}
	var repl [3]painted
	n := 0
	if first < end && m.pieces[first].lo < lo { // the part of the first piece before the range stays
		repl[n] = painted{m.pieces[first].lo, lo, m.pieces[first].cmd}
		n++
	}
	if cmd != none {
		repl[n] = painted{lo, hi, cmd}
		n++
	}
	if first < end && m.pieces[end-1].hi > hi { // the part of the last piece after the range stays
		repl[n] = painted{hi, m.pieces[end-1].hi, m.pieces[end-1].cmd}
		n++
	}
	if first == end && n == 0 {
		return
	}
	m.pieces = slices.Replace(m.pieces, first, end, repl[:n]...)
}
