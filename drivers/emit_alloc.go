package drivers

import "github.com/npusim/npusim/npu"

// This file holds the emitter's storage. A program of a small accelerator
// runs to hundreds of thousands of commands (MobileNet v2 on tiny: 829,118),
// so the emitter keeps them in fixed-size chunks and the dependency lists
// in shared arenas, and builds the program's command slice once, at its
// exact length, instead of growing it by doubling. None of this changes a
// command: the same commands, dependencies and layers, in the same order.

// commandChunk is the number of commands one chunk of a commandLog holds.
const commandChunk = 1 << 14

// commandLog is an append-only list of commands stored in chunks.
type commandLog struct {
	chunks [][]npu.Command
	n      int
}

// add appends a command.
func (l *commandLog) add(c npu.Command) {
	if l.n%commandChunk == 0 {
		l.chunks = append(l.chunks, make([]npu.Command, 0, commandChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, c)
	l.n++
}

// len is the number of commands added.
func (l *commandLog) len() int { return l.n }

// unit is the unit of command i.
func (l *commandLog) unit(i int) npu.Unit { return l.chunks[i/commandChunk][i%commandChunk].Unit() }

// commands returns the commands added, in order, as one slice.
func (l *commandLog) commands() []npu.Command {
	if l.n == 0 {
		return nil
	}
	all := make([]npu.Command, 0, l.n)
	for _, c := range l.chunks {
		all = append(all, c...)
	}
	return all
}

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
