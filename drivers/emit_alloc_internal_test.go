package drivers

import (
	"slices"
	"testing"
)

// TestDepArenaListsDoNotShare keeps lists across an arena block's end and
// checks that each keeps its values, that appending to one leaves the next
// alone, and that an empty list is nil.
func TestDepArenaListsDoNotShare(t *testing.T) {
	var a depArena
	if got := a.keep(nil); got != nil {
		t.Errorf("keep(nil) = %v, want nil", got)
	}
	var kept [][]int
	for i := range depArenaChunk {
		kept = append(kept, a.keep([]int{i, i + 1, i + 2}[:1+i%3]))
	}
	first := append(kept[0], -1) // must not write into kept[1]
	for i, d := range kept {
		if want := []int{i, i + 1, i + 2}[:1+i%3]; !slices.Equal(d, want) || cap(d) != len(d) {
			t.Fatalf("list %d = %v (capacity %d), want %v with its length as capacity", i, d, cap(d), want)
		}
	}
	if !slices.Equal(first, []int{0, -1}) {
		t.Errorf("append to the first list = %v, want [0 -1]", first)
	}
}
