package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
)

// window is the geometry of a sliding-window op (convolution, pool) on one
// image, in the compiler's terms.
type window struct {
	h, w, c    int // input
	oh, ow, oc int // output
	fh, fw     int
	sh, sw     int
	dh, dw     int
	top, left  int
}

// inRows returns the input rows [lo, hi) that output rows [o0, o1) read,
// clipped to the image.
func (g *window) inRows(o0, o1 int) (int, int) {
	lo := max(o0*g.sh-g.top, 0)
	hi := min((o1-1)*g.sh-g.top+(g.fh-1)*g.dh+1, g.h)
	return lo, max(hi, lo+1)
}

// inCols is inRows for columns.
func (g *window) inCols(o0, o1 int) (int, int) {
	lo := max(o0*g.sw-g.left, 0)
	hi := min((o1-1)*g.sw-g.left+(g.fw-1)*g.dw+1, g.w)
	return lo, max(hi, lo+1)
}

// tile is a rectangle of output pixels of one image.
type tile struct {
	batch, oy, ox, rows, cols int
}

func (t tile) pixels() int { return t.rows * t.cols }

// rowBand is a range [lo, hi) of output rows: a plan covers one band of
// every image, the whole output or, in a fused chain, the rows of one step
// of the pipeline.
type rowBand struct{ lo, hi int }

// rows is the band's height.
func (b rowBand) rows() int { return b.hi - b.lo }

// tiles cuts the band of the output into tiles of at most rows x cols
// pixels.
func (g *window) tiles(batches int, band rowBand, rows, cols int) []tile {
	var ts []tile
	for b := range batches {
		for oy := band.lo; oy < band.hi; oy += rows {
			for ox := 0; ox < g.ow; ox += cols {
				ts = append(ts, tile{b, oy, ox, min(rows, band.hi-oy), min(cols, g.ow-ox)})
			}
		}
	}
	return ts
}

// inputBytes bounds the input window any tile of rows x cols output pixels
// reads (all channels): the dilated window's extent, at most the image.
func (g *window) inputBytes(rows, cols int) int { return g.inputPixels(rows, cols) * g.c }

// inputPixels bounds the pixels of the input window of a rows x cols tile.
func (g *window) inputPixels(rows, cols int) int {
	r := min((rows-1)*g.sh+(g.fh-1)*g.dh+1, g.h)
	c := min((cols-1)*g.sw+(g.fw-1)*g.dw+1, g.w)
	return r * c
}

// chooseTile finds the largest output tile (full rows first, then narrower)
// for which fits(rows, cols) returns nil; if not even one pixel fits, it
// returns that pixel's error.
func (g *window) chooseTile(maxRows int, fits func(rows, cols int) error) (rows, cols int, err error) {
	for rows = maxRows; rows >= 1; rows = shrink(rows) {
		if fits(rows, g.ow) == nil {
			return rows, g.ow, nil
		}
	}
	for cols = g.ow; cols > 1; cols = shrink(cols) {
		if fits(1, cols) == nil {
			return 1, cols, nil
		}
	}
	if err := fits(1, 1); err != nil {
		return 0, 0, fmt.Errorf("even one output pixel (a %dx%d window of %d channels) does not fit: %w",
			g.fh, g.fw, g.c, err)
	}
	return 1, 1, nil
}

// shrink steps a tile extent down: by halves while large, then one by one.
func shrink(n int) int {
	if n > 8 {
		return (n + 1) / 2
	}
	return n - 1
}

// load is the DMA of a tile's input window (all channels) from the image
// at base into the activation scratchpad at buf.
func (g *window) load(base uint64, t tile, buf int) *npu.DMA {
	r0, r1 := g.inRows(t.oy, t.oy+t.rows)
	c0, c1 := g.inCols(t.ox, t.ox+t.cols)
	run := (c1 - c0) * g.c
	d := &npu.DMA{DRAM: base + uint64(((t.batch*g.h+r0)*g.w+c0)*g.c), SRAM: npu.ActivationSRAM, Addr: buf,
		RunBytes: run, Rows: r1 - r0, Planes: 1, DRAMRowStride: g.w * g.c, SRAMRowStride: run}
	if c1-c0 == g.w { // whole rows: one contiguous run
		d.RunBytes, d.Rows, d.DRAMRowStride, d.SRAMRowStride = run*(r1-r0), 1, 0, 0
	}
	return d
}

// im2col describes a tile's input window, loaded at buf, to a kernel of the
// window's geometry.
func (g *window) im2col(t tile, buf int) npu.Im2col { return g.im2colChannels(t, buf, g.c) }

// im2colChannels is im2col for a window loaded with nc channels per pixel.
func (g *window) im2colChannels(t tile, buf, nc int) npu.Im2col {
	r0, r1 := g.inRows(t.oy, t.oy+t.rows)
	c0, c1 := g.inCols(t.ox, t.ox+t.cols)
	return npu.Im2col{Base: buf, RowStride: (c1 - c0) * nc, PixelStride: nc,
		TileY: r0, TileX: c0, TileH: r1 - r0, TileW: c1 - c0,
		ImageH: g.h, ImageW: g.w, OutY: t.oy, OutX: t.ox, OutW: t.cols, FilterH: g.fh, FilterW: g.fw,
		StrideH: g.sh, StrideW: g.sw, DilationH: g.dh, DilationW: g.dw, PadTop: g.top, PadLeft: g.left, Channels: nc}
}

// residentWindow is the im2col window of a tile reading the whole input
// tensor (all images) kept at base in the activation scratchpad.
func (g *window) residentWindow(t tile, base int) npu.Im2col {
	r0, _ := g.inRows(t.oy, t.oy+t.rows)
	c0, _ := g.inCols(t.ox, t.ox+t.cols)
	a := g.im2col(t, base+((t.batch*g.h+r0)*g.w+c0)*g.c)
	a.RowStride = g.w * g.c
	return a
}

// pixelOffset is the index of a tile's first pixel in the output tensor.
func (g *window) pixelOffset(t tile) int { return (t.batch*g.oh+t.oy)*g.ow + t.ox }

// loadChannels is the DMA of channels [ch, ch+nc) of a tile's input window
// into buf, packed nc bytes per pixel.
func (g *window) loadChannels(base uint64, t tile, buf, ch, nc int) *npu.DMA {
	r0, r1 := g.inRows(t.oy, t.oy+t.rows)
	c0, c1 := g.inCols(t.ox, t.ox+t.cols)
	return &npu.DMA{DRAM: base + uint64(((t.batch*g.h+r0)*g.w+c0)*g.c+ch), SRAM: npu.ActivationSRAM, Addr: buf,
		RunBytes: nc, Rows: c1 - c0, Planes: r1 - r0, DRAMRowStride: g.c, DRAMPlaneStride: g.w * g.c,
		SRAMRowStride: nc, SRAMPlaneStride: (c1 - c0) * nc}
}

// store is the DMA of a tile's output channels [ch, ch+n), held in the
// activation scratchpad at buf with the given pixel stride, to the output
// tensor at base.
func (g *window) store(base uint64, t tile, buf, pixelStride, ch, n int) *npu.DMA {
	start := base + uint64(((t.batch*g.oh+t.oy)*g.ow+t.ox)*g.oc+ch) // the tile's first output byte
	d := &npu.DMA{Store: true, DRAM: start, SRAM: npu.ActivationSRAM, Addr: buf + ch,
		RunBytes: n, Rows: t.cols, Planes: t.rows, DRAMRowStride: g.oc, DRAMPlaneStride: g.ow * g.oc,
		SRAMRowStride: pixelStride, SRAMPlaneStride: t.cols * pixelStride}
	switch {
	case n == g.oc && pixelStride == g.oc && t.cols == g.ow: // whole rows: one run
		d.RunBytes, d.Rows, d.Planes = n*t.pixels(), 1, 1
	case n == g.oc && pixelStride == g.oc: // rows of whole pixels
		d.RunBytes, d.Rows, d.Planes, d.DRAMRowStride, d.SRAMRowStride = t.cols*n, t.rows, 1, g.ow*g.oc, t.cols*n
	}
	return d
}

// chooseTiledLayout chooses the largest tile of the band whose layout fits,
// and returns it with that layout and the buffer addresses taken from it.
// With wholeRows, a tile must span the output's width (its pixels are then
// consecutive in the output tensor, as writing into a kept tensor needs).
func chooseTiledLayout[B any](g *window, band rowBand, wholeRows bool,
	layoutFor func(rows, cols int) (*layout, B)) (rows, cols int, lay *layout, buf B, err error) {
	rows, cols, err = g.chooseTile(band.rows(), func(r, c int) error {
		if wholeRows && c < g.ow {
			return fmt.Errorf("an output row of %d pixels does not fit beside the tensors kept in the scratchpad", g.ow)
		}
		l, _ := layoutFor(r, c)
		return l.check()
	})
	if err != nil {
		return 0, 0, nil, buf, err
	}
	lay, buf = layoutFor(rows, cols)
	return rows, cols, lay, buf, nil
}
