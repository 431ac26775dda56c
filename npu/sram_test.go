package npu

import "testing"

// TestSpanOverlaps: a conflict needs the same scratchpad, shared bytes and
// a write; an empty range shares no bytes.
func TestSpanOverlaps(t *testing.T) {
	w := func(lo, hi int) Span { return Span{SRAM: ActivationSRAM, Lo: lo, Hi: hi, Write: true} }
	r := func(lo, hi int) Span { return Span{SRAM: ActivationSRAM, Lo: lo, Hi: hi} }
	cases := []struct {
		a, b Span
		want bool
	}{
		{w(0, 10), r(5, 6), true},
		{r(0, 10), r(5, 6), false},                               // two reads
		{w(0, 10), r(10, 12), false},                             // adjacent
		{w(0, 10), Span{SRAM: WeightSRAM, Lo: 0, Hi: 10}, false}, // another scratchpad
		{w(0, 10), r(5, 5), false},                               // empty
		{w(5, 5), r(0, 10), false},                               // empty write
	}
	for _, c := range cases {
		if got := c.a.Overlaps(c.b); got != c.want || c.b.Overlaps(c.a) != c.want {
			t.Errorf("%v overlaps %v: %v, want %v both ways", c.a, c.b, got, c.want)
		}
	}
}
