package npu

import (
	"fmt"
)

// Validate checks a program against a hardware configuration before it runs:
// every command's dimensions, that the hardware implements the arithmetic it
// names, that every scratchpad and DRAM range it touches lies within capacity,
// that im2col windows stay within their tiles, and that dependencies point
// backwards. A program that passes cannot index outside the hardware.
func (p *Program) Validate(cfg *Config) error {
	if uint64(len(p.DRAM)) > p.DRAMBytes {
		return fmt.Errorf("program: DRAM image of %d bytes exceeds its %d DRAM bytes", len(p.DRAM), p.DRAMBytes)
	}
	for i := range p.Commands {
		c := &p.Commands[i]
		if err := c.validate(cfg, i, len(p.Layers), p.DRAMBytes); err != nil {
			return fmt.Errorf("command %d (%s): %w", i, c.Name(), err)
		}
	}
	for _, r := range p.Outputs {
		if r.Bytes < 0 || r.Addr+uint64(r.Bytes) > p.DRAMBytes {
			return fmt.Errorf("output %s: DRAM [%d, %d) outside the program's %d bytes", r.Name, r.Addr, r.Addr+uint64(r.Bytes), p.DRAMBytes)
		}
	}
	return nil
}

func (c *Command) validate(cfg *Config, index, layers int, dramBytes uint64) error {
	set := 0
	for _, p := range []bool{c.DMA != nil, c.MatMul != nil, c.Requant != nil, c.Psum != nil, c.Eltwise != nil, c.Pool != nil, c.Softmax != nil, c.Depthwise != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return fmt.Errorf("must carry exactly one operation, carries %d", set)
	}
	for _, d := range c.Deps {
		if d < 0 || d >= index {
			return fmt.Errorf("dependency %d is not an earlier command", d)
		}
	}
	if c.Layer < 0 || c.Layer >= max(layers, 1) {
		return fmt.Errorf("layer %d outside the program's %d layers", c.Layer, layers)
	}
	if err := c.checkOperation(cfg, dramBytes); err != nil {
		return err
	}
	for _, s := range c.Footprint() {
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

func (c *Command) checkOperation(cfg *Config, dramBytes uint64) error {
	switch {
	case c.DMA != nil:
		d := c.DMA
		if !positive(d.RunBytes, d.Rows, d.Planes) || d.SRAM >= numSRAMs {
			return fmt.Errorf("bad DMA box %dx%dx%d into SRAM %d", d.Planes, d.Rows, d.RunBytes, d.SRAM)
		}
		if end := d.DRAM + uint64(boxEnd(d.RunBytes, d.Rows, d.DRAMRowStride, d.Planes, d.DRAMPlaneStride)); end > dramBytes {
			return fmt.Errorf("DRAM [%d, %d) outside the program's %d bytes", d.DRAM, end, dramBytes)
		}
	case c.MatMul != nil:
		m := c.MatMul
		if !positive(m.M, m.K, m.N) {
			return fmt.Errorf("bad dimensions M=%d K=%d N=%d", m.M, m.K, m.N)
		}
		if m.A.K0+m.K > m.A.FilterH*m.A.FilterW*m.A.Channels {
			return fmt.Errorf("reduction [%d, %d) beyond the %d taps of the im2col operand", m.A.K0, m.A.K0+m.K, m.A.FilterH*m.A.FilterW*m.A.Channels)
		}
		if err := checkWeightZero(cfg, m.BOperand); err != nil {
			return err
		}
		if err := checkAccumulation(cfg, m.Mode); err != nil {
			return err
		}
		return m.A.checkWindow(m.M)
	case c.Requant != nil:
		r := c.Requant
		if !positive(r.M, r.N) || r.Lo > r.Hi {
			return fmt.Errorf("bad dimensions %dx%d or clamp [%d, %d]", r.M, r.N, r.Lo, r.Hi)
		}
		if _, ok := cfg.RequantMode(r.Variant); !ok {
			return fmt.Errorf("the requantization unit of %s does not implement %v (it has %v)", cfg.Name, r.Variant, cfg.RequantVariants())
		}
	case c.Psum != nil:
		if !positive(c.Psum.M, c.Psum.N) || c.Psum.Shift < 0 || c.Psum.Shift > 31 {
			return fmt.Errorf("bad dimensions %dx%d or shift %d", c.Psum.M, c.Psum.N, c.Psum.Shift)
		}
	case c.Eltwise != nil:
		e := c.Eltwise
		if !positive(e.Rows, e.Cols) || e.Lo > e.Hi {
			return fmt.Errorf("bad dimensions %dx%d or clamp [%d, %d]", e.Rows, e.Cols, e.Lo, e.Hi)
		}
		if e.Kind != EltAdd && e.Kind != EltMul && e.Kind != EltLUT {
			return fmt.Errorf("unknown element-wise kind %q", e.Kind)
		}
	case c.Pool != nil:
		if !positive(c.Pool.Pixels) || c.Pool.Lo > c.Pool.Hi {
			return fmt.Errorf("bad pixel count %d or clamp [%d, %d]", c.Pool.Pixels, c.Pool.Lo, c.Pool.Hi)
		}
		return c.Pool.In.checkWindow(c.Pool.Pixels)
	case c.Softmax != nil:
		if !positive(c.Softmax.Rows, c.Softmax.Depth) {
			return fmt.Errorf("bad dimensions %dx%d", c.Softmax.Rows, c.Softmax.Depth)
		}
	case c.Depthwise != nil:
		d := c.Depthwise
		if !cfg.Vector.Depthwise {
			return fmt.Errorf("%s has no depthwise vector path", cfg.Name)
		}
		if !positive(d.Pixels, d.Multiplier) {
			return fmt.Errorf("bad pixel count %d or multiplier %d", d.Pixels, d.Multiplier)
		}
		if err := checkWeightZero(cfg, d.WOperand); err != nil {
			return err
		}
		if err := checkAccumulation(cfg, d.Mode); err != nil {
			return err
		}
		return d.In.checkWindow(d.Pixels)
	}
	return nil
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

// checkWindow verifies that every in-image tap of the first pixels output
// pixels lies inside the tile held in the scratchpad.
func (a *Im2col) checkWindow(pixels int) error {
	if !positive(a.OutW, a.FilterH, a.FilterW, a.StrideH, a.StrideW, a.DilationH, a.DilationW, a.Channels, a.TileH, a.TileW, a.ImageH, a.ImageW) {
		return fmt.Errorf("im2col operand has a zero or negative extent: %+v", *a)
	}
	if a.Channel < 0 || a.Channel+a.Channels > a.PixelStride {
		return fmt.Errorf("im2col channels [%d, %d) outside the %d-byte pixel", a.Channel, a.Channel+a.Channels, a.PixelStride)
	}
	rows, cols := ceilDiv(pixels, a.OutW), min(pixels, a.OutW)
	check := func(what string, out0, outs, stride, pad, filter, dilation, image, tile0, tileN int) error {
		lo := max(out0*stride-pad, 0)
		hi := min((out0+outs-1)*stride-pad+(filter-1)*dilation, image-1)
		if lo > hi {
			return nil // all padding
		}
		if lo < tile0 || hi >= tile0+tileN {
			return fmt.Errorf("im2col reads input %s %d..%d, but the tile holds %d..%d", what, lo, hi, tile0, tile0+tileN-1)
		}
		return nil
	}
	if err := check("rows", a.OutY, rows, a.StrideH, a.PadTop, a.FilterH, a.DilationH, a.ImageH, a.TileY, a.TileH); err != nil {
		return err
	}
	return check("columns", a.OutX, cols, a.StrideW, a.PadLeft, a.FilterW, a.DilationW, a.ImageW, a.TileX, a.TileW)
}

// boxEnd is one past the last byte of a strided box of runs.
func boxEnd(run, rows, rowStride, planes, planeStride int) int {
	return (planes-1)*planeStride + (rows-1)*rowStride + run
}

// tileSpan is the byte range of the activation scratchpad an im2col tile
// occupies.
func (a *Im2col) tileSpan() Span {
	return Span{SRAM: ActivationSRAM, Lo: a.Base, Hi: a.Base + (a.TileH-1)*a.RowStride + (a.TileW-1)*a.PixelStride + a.PixelStride}
}

// accSpan is the byte range of an M x N accumulator block.
func accSpan(r AccRegion, m, n int, write bool) Span {
	return Span{SRAM: AccumulatorSRAM, Lo: r.Base, Hi: r.Base + 4*((m-1)*r.RowStride+n), Write: write}
}

// Footprint lists the scratchpad byte ranges a command reads and writes:
// what the command processor checks for hazards and what a compiler must
// order with dependencies.
func (c *Command) Footprint() []Span {
	switch {
	case c.DMA != nil:
		d := c.DMA
		return []Span{{SRAM: d.SRAM, Lo: d.Addr, Hi: d.Addr + boxEnd(d.RunBytes, d.Rows, d.SRAMRowStride, d.Planes, d.SRAMPlaneStride), Write: !d.Store}}
	case c.MatMul != nil:
		m := c.MatMul
		s := []Span{m.A.tileSpan(),
			{SRAM: WeightSRAM, Lo: m.B, Hi: m.B + (m.N-1)*m.BColStride + (m.K-1)*m.BRowStride + 1},
			accSpan(m.Acc, m.M, m.N, true)}
		return s
	case c.Requant != nil:
		r := c.Requant
		return []Span{accSpan(r.Acc, r.M, r.N, false),
			{SRAM: WeightSRAM, Lo: r.Records, Hi: r.Records + r.N*RecordBytes},
			{SRAM: ActivationSRAM, Lo: r.Out, Hi: r.Out + (r.M-1)*r.OutRowStride + r.N, Write: true}}
	case c.Psum != nil:
		p := c.Psum
		return []Span{accSpan(p.Acc, p.M, p.N, !p.Narrow),
			{SRAM: AccumulatorSRAM, Lo: p.Half, Hi: p.Half + 2*((p.M-1)*p.HalfRowStride+p.N), Write: p.Narrow}}
	case c.Eltwise != nil:
		e := c.Eltwise
		operand := func(base, rs, cs int) Span {
			return Span{SRAM: ActivationSRAM, Lo: base, Hi: base + (e.Rows-1)*rs + (e.Cols-1)*cs + 1}
		}
		s := []Span{operand(e.A, e.ARowStride, e.AColStride)}
		switch e.Kind {
		case EltLUT:
			s = append(s, Span{SRAM: WeightSRAM, Lo: e.LUT, Hi: e.LUT + 256})
		default:
			s = append(s, operand(e.B, e.BRowStride, e.BColStride))
		}
		if e.Kind == EltMul {
			return append(s, accSpan(e.Acc, e.Rows, e.Cols, true))
		}
		return append(s, Span{SRAM: ActivationSRAM, Lo: e.Out, Hi: e.Out + (e.Rows-1)*e.OutRowStride + e.Cols, Write: true})
	case c.Pool != nil:
		p := c.Pool
		return []Span{p.In.tileSpan(), {SRAM: ActivationSRAM, Lo: p.Out, Hi: p.Out + (p.Pixels-1)*p.OutPixelStride + p.In.Channels, Write: true}}
	case c.Softmax != nil:
		s := c.Softmax
		return []Span{{SRAM: ActivationSRAM, Lo: s.In, Hi: s.In + (s.Rows-1)*s.InRowStride + s.Depth},
			{SRAM: ActivationSRAM, Lo: s.Out, Hi: s.Out + (s.Rows-1)*s.OutRowStride + s.Depth, Write: true}}
	case c.Depthwise != nil:
		d := c.Depthwise
		outC := d.In.Channels * d.Multiplier
		return []Span{d.In.tileSpan(),
			{SRAM: WeightSRAM, Lo: d.W, Hi: d.W + (d.In.FilterH*d.In.FilterW-1)*d.WTapStride + outC},
			accSpan(d.Acc, d.Pixels, outC, true)}
	}
	return nil
}
