package drivers

import (
	"slices"

	"github.com/npusim/npusim/npu"
)

// allPairsTracker is the dependency tracker the compiler used before
// intervalTracker, kept as the tests' reference. It orders a command after
// every earlier command of another unit that wrote a range it touches (read
// after write, write after write) or read a range it writes (write after
// read), except those whose range a later write covered entirely. Its time
// and memory grow with the accesses still recorded, which on tiny grow with
// the program: it does not finish MobileNet v2 there.
type allPairsTracker struct {
	recs []access
}

type access struct {
	span npu.Span
	cmd  int
	unit npu.Unit
}

func (d *allPairsTracker) order(i int, unit npu.Unit, spans []npu.Span) []int {
	var deps []int
	seen := map[int]bool{}
	for _, s := range spans {
		for _, r := range d.recs {
			if r.unit != unit && !seen[r.cmd] && r.span.Overlaps(s) {
				seen[r.cmd] = true
				deps = append(deps, r.cmd)
			}
		}
	}
	for _, s := range spans {
		if s.Write { // a later conflicting command orders after this one, so covered records go
			kept := d.recs[:0]
			for _, r := range d.recs {
				if r.span.SRAM != s.SRAM || r.span.Lo < s.Lo || r.span.Hi > s.Hi {
					kept = append(kept, r)
				}
			}
			d.recs = kept
		}
	}
	for _, s := range spans {
		d.recs = append(d.recs, access{s, i, unit})
	}
	slices.Sort(deps)
	return deps
}
