package drivers

import (
	"slices"
	"sort"

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
// It keeps, per scratchpad, an access map: the scratchpad's bytes cut into
// pieces, each with the last command that wrote it and, per unit, the
// latest command of that unit that read it since. A write forgets what was
// known of its bytes: any later command that conflicts with an earlier
// access there also conflicts with the write, and the write itself waited
// for those accesses (or follows them on its unit), so waiting for the
// write, or issuing after it on its unit, implies them. Each command costs
// a search per span (a binary search at worst) plus the pieces its
// footprint covers, and a piece, once written over, is gone: the work is
// linear in the commands emitted.
//
// The dependencies differ from an all-pairs tracker's (at most one per
// other unit instead of every conflicting command) but every command issues
// when it would have: see TestIntervalTrackerIssuesAsAllPairs.
type intervalTracker struct {
	sram  [sramCount]accessMap
	arena depArena // where the dependency lists are kept
}

// order returns command i's dependencies, sorted, and records its accesses.
func (d *intervalTracker) order(i int, unit npu.Unit, spans []npu.Span) []int {
	var latest [unitCount]int
	for u := range latest {
		latest[u] = none
	}
	if distinctSRAMs(spans) {
		// Recording one span cannot change what another finds: each is
		// checked and recorded in one pass over its pieces.
		for _, s := range spans {
			m := &d.sram[s.SRAM]
			first, end := m.conflicts(s, unit, &latest)
			m.record(s, first, end, i, unit)
		}
	} else {
		for _, s := range spans {
			d.sram[s.SRAM].conflicts(s, unit, &latest)
		}
		for _, write := range []bool{false, true} {
			for _, s := range spans {
				if s.Write == write {
					m := &d.sram[s.SRAM]
					first, end := m.bounds(s)
					m.record(s, first, end, i, unit)
				}
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

// distinctSRAMs reports whether no two spans share a scratchpad.
func distinctSRAMs(spans []npu.Span) bool {
	var seen [sramCount]bool
	for _, s := range spans {
		if seen[s.SRAM] {
			return false
		}
		seen[s.SRAM] = true
	}
	return true
}

// accessMap cuts the bytes of a scratchpad into sorted, disjoint pieces,
// each with its last writer and latest readers; bytes outside every piece
// were never accessed.
type accessMap struct {
	pieces []accessed
	next   []accessed // the pieces replacing a range, reused between records
	// hint is the piece the last search found: a program accesses
	// neighbouring bytes in turn, so the next search starts there.
	hint int
}

// accessed is what is known of the bytes [lo, hi): the last command that
// wrote them (none if none) and its unit, and per unit the latest command
// of that unit that read them since (none if none). Its fields are 32-bit,
// which halves the pieces searched and shifted for every command: a
// scratchpad holds at most 1 GiB (npu.Config's limit), and a program of
// 2^31 commands would not fit in memory.
type accessed struct {
	lo, hi     int32
	writer     int32
	writerUnit npu.Unit
	readers    [unitCount]int32
}

// untouched is the access of bytes nobody read or wrote.
var untouched = func() accessed {
	a := accessed{writer: none}
	for u := range a.readers {
		a.readers[u] = none
	}
	return a
}()

// first is the index of the first piece that ends after addr: the hint
// or a piece next to it when it is one of those (for three searches in
// four compiling MobileNet v2 on tiny), else found by binary search.
func (m *accessMap) first(addr int32) int {
	for _, k := range [...]int{m.hint, m.hint + 1, m.hint - 1} {
		if m.endsAfter(k, addr) && !m.endsAfter(k-1, addr) {
			m.hint = k
			return k
		}
	}
	m.hint = sort.Search(len(m.pieces), func(i int) bool { return m.pieces[i].hi > addr })
	return m.hint
}

// endsAfter reports whether piece k ends after addr, taking a piece past
// the last one to end after every address and one before the first to end
// before all of them.
func (m *accessMap) endsAfter(k int, addr int32) bool {
	switch {
	case k < 0:
		return false
	case k >= len(m.pieces):
		return true
	}
	return m.pieces[k].hi > addr
}

// bounds returns the pieces [first, end) that overlap span s (none if the
// span is empty: it touches no bytes).
func (m *accessMap) bounds(s npu.Span) (first, end int) {
	first = m.first(int32(s.Lo))
	end = first
	for s.Lo < s.Hi && end < len(m.pieces) && m.pieces[end].lo < int32(s.Hi) {
		end++
	}
	return first, end
}

// conflicts raises latest[u], for each unit u other than unit, to the
// latest command of u that span s conflicts with, and returns the pieces
// [first, end) that overlap the span.
func (m *accessMap) conflicts(s npu.Span, unit npu.Unit, latest *[unitCount]int) (first, end int) {
	first, end = m.bounds(s)
	for k := first; k < end; k++ {
		p := &m.pieces[k]
		if p.writer != none && p.writerUnit != unit {
			latest[p.writerUnit] = max(latest[p.writerUnit], int(p.writer))
		}
		if !s.Write {
			continue
		}
		for u, r := range p.readers {
			if npu.Unit(u) != unit {
				latest[u] = max(latest[u], int(r))
			}
		}
	}
	return first, end
}

// record notes command cmd's access to span s, whose bytes pieces
// [first, end) overlap: a write replaces what was known of them, a read
// makes cmd their latest reader on unit.
func (m *accessMap) record(s npu.Span, first, end, cmd int, unit npu.Unit) {
	lo, hi, c := int32(s.Lo), int32(s.Hi), int32(cmd)
	if hi <= lo {
		return
	}
	if end == first+1 && m.pieces[first].lo == lo && m.pieces[first].hi == hi {
		// The span is one piece exactly, as it is for more than half the
		// spans of a program: the piece is updated in place.
		p := &m.pieces[first]
		if s.Write {
			*p = untouched
			p.lo, p.hi, p.writer, p.writerUnit = lo, hi, c, unit
		} else {
			p.readers[unit] = c
		}
		return
	}
	next := m.next[:0]
	if first < end && m.pieces[first].lo < lo { // the part of the first piece before the span stays
		p := m.pieces[first]
		p.hi = lo
		next = append(next, p)
	}
	if s.Write {
		w := untouched
		w.lo, w.hi, w.writer, w.writerUnit = lo, hi, c, unit
		next = append(next, w)
	} else {
		next = m.read(next, lo, hi, first, end, c, unit)
	}
	if first < end && m.pieces[end-1].hi > hi { // the part of the last piece after the span stays
		p := m.pieces[end-1]
		p.lo = hi
		next = append(next, p)
	}
	m.pieces = slices.Replace(m.pieces, first, end, next...)
	m.next = next
}

// read appends to next the pieces of the bytes [lo, hi), read by command
// cmd on unit: the parts of pieces [first, end) within them and the
// untouched gaps between those.
func (m *accessMap) read(next []accessed, lo, hi int32, first, end int, cmd int32, unit npu.Unit) []accessed {
	at := lo
	for _, p := range m.pieces[first:end] {
		if p.lo > at {
			next = appendRead(next, untouched, at, p.lo, cmd, unit)
		}
		next = appendRead(next, p, max(p.lo, at), min(p.hi, hi), cmd, unit)
		at = min(p.hi, hi)
	}
	if at < hi {
		next = appendRead(next, untouched, at, hi, cmd, unit)
	}
	return next
}

// appendRead appends the bytes [lo, hi) of piece p, now read by command cmd
// on unit, to next, merged with the last piece of next where nothing tells
// them apart.
func appendRead(next []accessed, p accessed, lo, hi, cmd int32, unit npu.Unit) []accessed {
	p.lo, p.hi = lo, hi
	p.readers[unit] = cmd
	if n := len(next); n > 0 {
		if last := &next[n-1]; last.hi == lo && last.writer == p.writer &&
			last.writerUnit == p.writerUnit && last.readers == p.readers {
			last.hi = hi
			return next
		}
	}
	return append(next, p)
}
