package drivers

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/npu"
)

// TestCommandLogKeepsOrderAcrossChunks adds commands across chunk
// boundaries and checks the program's slice holds each one, in order.
func TestCommandLogKeepsOrderAcrossChunks(t *testing.T) {
	for _, n := range []int{0, 1, commandChunk - 1, commandChunk, commandChunk + 1, 3*commandChunk + 7} {
		var l commandLog
		for i := range n {
			l.add(npu.Command{Layer: i})
		}
		got := l.commands()
		if l.len() != n || len(got) != n {
			t.Fatalf("%d commands added: len %d, %d in the slice", n, l.len(), len(got))
		}
		if n == 0 && got != nil {
			t.Errorf("no commands: %v, want nil", got)
		}
		for i, c := range got {
			if c.Layer != i {
				t.Fatalf("%d commands added: command %d is the one added %dth", n, i, c.Layer)
			}
		}
	}
}

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
