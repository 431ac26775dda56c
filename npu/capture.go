package npu

import (
	"fmt"
	"slices"

	"github.com/sarchlab/akita/v3/sim"
)

// Capture gathers a region's bytes from a scratchpad while a program runs,
// for values that never reach DRAM: a tensor a compiler keeps in the
// activation scratchpad from the layer that produces it to the layers that
// read it. It is the simulator's probe, like a debugger's watch on a real
// NPU's scratchpad: it costs no energy, and no cycle beyond the dependency
// a compiler gives a command that overwrites a piece on the piece's writers.
//
// Each piece is copied when the last of its writers completes. A writer
// list must name, for each unit that writes the piece's bytes, the last
// command of that unit to do so: a unit completes its commands in order,
// so earlier writers on it have completed too. A command that is not a
// writer and writes a piece's bytes after its first writer issued and
// before it is copied would make the copy wrong: the run fails instead.
type Capture struct {
	SRAM   SRAM    `json:"sram"`
	Pieces []Piece `json:"pieces"`
}

// Piece is a box of scratchpad bytes copied into a region: Rows runs of Run
// bytes, SRAMStride apart from scratchpad address Addr, RegionStride apart
// from byte Offset of the region.
type Piece struct {
	Addr         int   `json:"addr"`
	Offset       int   `json:"offset"`
	Run          int   `json:"run"`
	Rows         int   `json:"rows"`
	SRAMStride   int   `json:"sramStride,omitempty"`
	RegionStride int   `json:"regionStride,omitempty"`
	Writers      []int `json:"writers"`
}

// span is the scratchpad range the piece covers.
func (p *Piece) span(s SRAM) Span {
	return Span{SRAM: s, Lo: p.Addr, Hi: p.Addr + boxEnd(p.Run, p.Rows, p.SRAMStride, 1, 0)}
}

// check verifies a capture against the scratchpad's capacity, the region's
// size and the program's commands.
func (c *Capture) check(cfg *Config, regionBytes, commands int) error {
	for i, p := range c.Pieces {
		switch {
		case !positive(p.Run, p.Rows) || p.Addr < 0 || p.Offset < 0:
			return fmt.Errorf("piece %d: bad box %+v", i, p)
		case p.span(c.SRAM).Hi > cfg.Bytes(c.SRAM):
			return fmt.Errorf("piece %d: %v outside its %d bytes", i, p.span(c.SRAM), cfg.Bytes(c.SRAM))
		case p.Offset+boxEnd(p.Run, p.Rows, p.RegionStride, 1, 0) > regionBytes:
			return fmt.Errorf("piece %d: ends past the region's %d bytes", i, regionBytes)
		case len(p.Writers) == 0:
			return fmt.Errorf("piece %d: no writer", i)
		}
		for _, w := range p.Writers {
			if w < 0 || w >= commands {
				return fmt.Errorf("piece %d: writer %d is not a command", i, w)
			}
		}
	}
	return nil
}

// Capturer is the hook that carries out a program's captures: attached to
// the command processor and every unit, it copies each piece when its last
// writer completes and checks that no other command writes the piece's
// bytes in between.
type Capturer struct {
	sp       *Scratchpads
	regions  []Region
	data     [][]byte
	pieces   []livePiece
	byWriter map[int][]int // command -> pieces it writes
	open     []int         // pieces whose first writer has issued, not yet copied
	spans    []Span        // the footprint of the command issued, a reused buffer
	err      error
}

// livePiece is a piece of output region out and how many of its writers
// have yet to complete.
type livePiece struct {
	out, left int
	piece     *Piece
	sram      SRAM
}

// NewCapturer returns the capturer of a program's captures, or nil if it
// has none.
func NewCapturer(p *Program) *Capturer {
	c := &Capturer{regions: p.Outputs, data: make([][]byte, len(p.Outputs)), byWriter: map[int][]int{}}
	for out, r := range p.Outputs {
		if r.Capture == nil {
			continue
		}
		c.data[out] = make([]byte, r.Bytes)
		for k := range r.Capture.Pieces {
			piece := &r.Capture.Pieces[k]
			for _, w := range piece.Writers {
				c.byWriter[w] = append(c.byWriter[w], len(c.pieces))
			}
			c.pieces = append(c.pieces, livePiece{out: out, left: len(piece.Writers), piece: piece, sram: r.Capture.SRAM})
		}
	}
	if len(c.pieces) == 0 {
		return nil
	}
	return c
}

// Watch gives the capturer the scratchpads it copies from.
func (c *Capturer) Watch(sp *Scratchpads) { c.sp = sp }

// Func implements sim.Hook.
func (c *Capturer) Func(ctx sim.HookCtx) {
	switch e := ctx.Item.(type) {
	case *CommandIssued:
		c.issued(e.Seq, e.Command)
	case *CommandCompleted:
		c.completed(e.Seq)
	}
}

// issued opens the pieces the command writes and checks it against every
// open piece it is not a writer of.
func (c *Capturer) issued(seq int, cmd *Command) {
	mine := c.byWriter[seq]
	for _, k := range mine {
		if !slices.Contains(c.open, k) {
			c.open = append(c.open, k)
		}
	}
	c.spans = cmd.Op.AppendFootprint(c.spans[:0])
	for _, k := range c.open {
		lp := &c.pieces[k]
		if slices.Contains(mine, k) {
			continue
		}
		for _, s := range c.spans {
			if s.Write && s.Overlaps(lp.piece.span(lp.sram)) && c.err == nil {
				c.err = fmt.Errorf("command %d (%s) writes %v before capture %s is taken",
					seq, cmd.Name(), s, c.regions[lp.out].Name)
			}
		}
	}
}

// Executed tells the capturer that command seq has executed, for runs
// that execute commands one after another in program order without a
// command processor (a functional run): pieces whose writers have all
// executed are copied then.
func (c *Capturer) Executed(seq int) { c.completed(seq) }

// completed copies every piece whose last writer this was.
func (c *Capturer) completed(seq int) {
	for _, k := range c.byWriter[seq] {
		lp := &c.pieces[k]
		if lp.left--; lp.left > 0 {
			continue
		}
		c.open = slices.DeleteFunc(c.open, func(o int) bool { return o == k })
		p, src, dst := lp.piece, c.sp[lp.sram].data, c.data[lp.out]
		for r := range p.Rows {
			copy(dst[p.Offset+r*p.RegionStride:][:p.Run], src[p.Addr+r*p.SRAMStride:][:p.Run])
		}
	}
}

// Bytes returns a captured region's bytes (nil for a region read from
// DRAM), or the first capture that went wrong.
func (c *Capturer) Bytes(out int) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	for _, lp := range c.pieces {
		if lp.out == out && lp.left > 0 {
			return nil, fmt.Errorf("capture %s: %d writer(s) never completed", c.regions[out].Name, lp.left)
		}
	}
	return c.data[out], nil
}
