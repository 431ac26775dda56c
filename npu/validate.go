package npu

import (
	"errors"
	"fmt"
)

// Validate checks a program against a hardware configuration before it runs:
// every command's dimensions, that the hardware implements the arithmetic it
// names, that every scratchpad and DRAM range it touches lies within capacity,
// that im2col windows stay within their tiles, and that dependencies point
// backwards. A program that passes cannot index outside the hardware.
func (p *Program) Validate(cfg *Config) error {
	var spans []Span // a buffer for each command's footprint in turn
	for i := range p.Commands {
		c := &p.Commands[i]
		if c.Op != nil {
			spans = c.Op.AppendFootprint(spans[:0])
		}
		if err := c.Check(cfg, i, len(p.Layers), p.DRAMBytes, spans); err != nil {
			return err
		}
	}
	return p.ValidateOutputs(cfg)
}

// ValidateOutputs checks what Validate checks beside the commands: that the
// DRAM image fits the program's DRAM and that every output, or its capture,
// lies within capacity. A compiler that checks each command as it emits it
// (Command.Check) finishes with this.
func (p *Program) ValidateOutputs(cfg *Config) error {
	if uint64(len(p.DRAM)) > p.DRAMBytes {
		return fmt.Errorf("program: DRAM image of %d bytes exceeds its %d DRAM bytes", len(p.DRAM), p.DRAMBytes)
	}
	for _, r := range p.Outputs {
		if r.Capture != nil {
			if err := r.Capture.check(cfg, r.Bytes, len(p.Commands)); err != nil {
				return fmt.Errorf("output %s: capture: %w", r.Name, err)
			}
			continue
		}
		if r.Bytes < 0 || r.Addr+uint64(r.Bytes) > p.DRAMBytes {
			return fmt.Errorf("output %s: DRAM [%d, %d) outside the program's %d bytes",
				r.Name, r.Addr, r.Addr+uint64(r.Bytes), p.DRAMBytes)
		}
	}
	return nil
}

// Check checks command number index of a program of the given layers and
// DRAM bytes, whose footprint is spans, as Validate checks each command;
// its error names the command.
func (c *Command) Check(cfg *Config, index, layers int, dramBytes uint64, spans []Span) error {
	if err := c.check(cfg, index, layers, dramBytes, spans); err != nil {
		return fmt.Errorf("command %d (%s): %w", index, c.Name(), err)
	}
	return nil
}

func (c *Command) check(cfg *Config, index, layers int, dramBytes uint64, spans []Span) error {
	if c.Op == nil {
		return errors.New("carries no operation")
	}
	for _, d := range c.Deps {
		if d < 0 || d >= index {
			return fmt.Errorf("dependency %d is not an earlier command", d)
		}
	}
	if c.Layer < 0 || c.Layer >= max(layers, 1) {
		return fmt.Errorf("layer %d outside the program's %d layers", c.Layer, layers)
	}
	if err := c.Op.Check(cfg, dramBytes); err != nil {
		return err
	}
	return checkSpans(cfg, spans)
}

// checkSpans checks a command's footprint lies within the scratchpads.
func checkSpans(cfg *Config, spans []Span) error {
	for _, s := range spans {
		if s.Lo < 0 || s.Hi > cfg.Bytes(s.SRAM) || s.Lo > s.Hi {
			return fmt.Errorf("touches %v, outside its %d bytes", s, cfg.Bytes(s.SRAM))
		}
	}
	return nil
}

func positive(fields ...int) bool {
	for _, f := range fields {
		if f < 1 {
			return false
		}
	}
	return true
}

func checkWeightZero(cfg *Config, w Operand8) error {
	if w.Zero != 0 && !cfg.Array.WeightZeroPoint {
		return fmt.Errorf("weight zero point %d, but %s only takes symmetric weights", w.Zero, cfg.Name)
	}
	return nil
}

func checkAccumulation(cfg *Config, a Accumulation) error {
	if _, ok := cfg.AccumulatorMode(a.Bits, a.Overflow); !ok {
		var have []string
		for _, m := range cfg.Array.Accumulators {
			have = append(have, m.String())
		}
		return fmt.Errorf("%s does not implement %d-bit %s accumulators (it has %v)", cfg.Name, a.Bits, a.Overflow, have)
	}
	return nil
}

// boxEnd is one past the last byte of a strided box of runs.
func boxEnd(run, rows, rowStride, planes, planeStride int) int {
	return (planes-1)*planeStride + (rows-1)*rowStride + run
}

// accSpan is the byte range of an M x N accumulator block.
func accSpan(r AccRegion, m, n int, write bool) Span {
	return Span{SRAM: AccumulatorSRAM, Lo: r.Base, Hi: r.Base + 4*((m-1)*r.RowStride+n), Write: write}
}
