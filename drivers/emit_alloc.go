package drivers

// This file holds the emitter's storage for dependency lists. A program of
// a small accelerator runs to hundreds of thousands of commands (MobileNet
// v2 on tiny: 829,118), so the lists are carved from shared arenas rather
// than allocated one by one. None of this changes a command: the same
// dependencies, in the same order.

// depArenaChunk is the number of dependencies one arena allocation holds.
const depArenaChunk = 1 << 14

// depArena hands out dependency lists carved from large shared blocks.
type depArena struct {
	free []int
}

// keep returns a copy of deps whose capacity is its length (an append to
// it allocates rather than writing into its neighbour), or nil if deps is
// empty.
func (a *depArena) keep(deps []int) []int {
	if len(deps) == 0 {
		return nil
	}
	if len(deps) > len(a.free) {
		a.free = make([]int, max(depArenaChunk, len(deps)))
	}
	n := copy(a.free, deps)
	kept := a.free[:n:n]
	a.free = a.free[n:]
	return kept
}
