package kernels

import "fmt"

// Depthwise computes a depthwise convolution's accumulators with the best
// implementation; see [Impl.Depthwise].
func Depthwise(acc []int32, accStride int, img []byte, w Window, pixels int, x Operand,
	wt []byte, wTapStride int, wop Operand, mult int) {
	best.Depthwise(acc, accStride, img, w, pixels, x, wt, wTapStride, wop, mult)
}

// Depthwise computes, for the first pixels output pixels p of window w and
// the output channels j < w.Channels*mult (output channel j reads input
// channel w.Channel + j/mult),
//
//	acc[p*accStride+j] = sum over in-bounds taps t of (x[t] - x.Zero) * (wt[t*wTapStride+j] - wop.Zero)
//
// in wrapping int32 arithmetic, taps in filter row-major order. Padding taps
// read the zero point, so they add nothing and are skipped.
func (im Impl) Depthwise(acc []int32, accStride int, img []byte, w Window, pixels int, x Operand,
	wt []byte, wTapStride int, wop Operand, mult int) {
	cout := w.Channels * mult
	if pixels < 1 || cout < 1 || mult < 1 || accStride < cout || len(acc) < (pixels-1)*accStride+cout {
		panic(fmt.Sprintf("kernels: Depthwise of %d pixels x %d channels into %d values %d apart",
			pixels, cout, len(acc), accStride))
	}
	d := depthwise{w: &w, img: img, x: x, cout: cout, mult: mult, run: dwRunGo}
	if mult == 1 && dwRunSIMD[im] != nil {
		d.run = dwRunSIMD[im]
	}
	taps := w.FilterH * w.FilterW
	d.w32 = make([]int32, taps*cout+16) // a whole vector past the last channel
	for t := range taps {
		for j := range cout {
			// Low half the weight, high half zero: what VPMADDWD needs.
			d.w32[t*cout+j] = int32(uint16(wop.Value(wt[t*wTapStride+j])))
		}
	}
	d.all = make([]dwTap, taps)
	for t := range taps {
		dy, dx := t/w.FilterW*w.DilationH, t%w.FilterW*w.DilationW
		d.all[t] = dwTap{in: dy*w.RowStride + dx*w.PixelStride, w: t * cout * 4}
	}
	d.compute(acc, accStride, pixels)
}

// dwTap is one filter tap: the input's byte offset from the window origin
// and the byte offset of its weights in the prepared weights.
type dwTap struct{ in, w int }

// dwRun computes n output pixels, their window origins pixStride bytes
// apart in img starting at byte at (channel w.Channel of the first origin),
// their accumulator rows accStride apart, from the given taps.
type dwRun func(d *depthwise, acc []int32, accStride, at, pixStride, n int, taps []dwTap)

// dwRunSIMD holds the SIMD runs of channel multiplier 1, per implementation.
var dwRunSIMD [numImpls]dwRun

type depthwise struct {
	w          *Window
	img        []byte
	x          Operand
	cout, mult int
	w32        []int32 // prepared weights, [tap][cout], int16 in the low half
	all        []dwTap
	run        dwRun
}

// compute walks the output pixels row by row: a run of pixels whose whole
// window lies inside the image goes to the kernel in one call, border
// pixels one by one with their in-bounds taps.
func (d *depthwise) compute(acc []int32, accStride, pixels int) {
	w := d.w
	taps := make([]dwTap, 0, len(d.all))
	spanY, spanX := (w.FilterH-1)*w.DilationH, (w.FilterW-1)*w.DilationW
	cur := w.cursorAt(0)
	for p := 0; p < pixels; {
		n := min(pixels-p, w.OutX+w.OutW-cur.ox) // pixels left in this output row
		iy, ix := cur.origin()
		inner := 0 // interior pixels from p
		if iy >= 0 && iy+spanY < w.ImageH && ix >= 0 && ix+spanX < w.ImageW {
			inner = min(n, (w.ImageW-1-spanX-ix)/w.StrideW+1)
		}
		if inner > 0 {
			at := w.pixel(iy, ix) + w.Channel
			d.run(d, acc[p*accStride:], accStride, at, w.StrideW*w.PixelStride, inner, d.all)
			for range inner {
				cur.next()
			}
			p += inner
			continue
		}
		taps = taps[:0]
		for t, tp := range d.all {
			dy, dx := t/w.FilterW*w.DilationH, t%w.FilterW*w.DilationW
			if w.inside(iy+dy, ix+dx) {
				taps = append(taps, tp)
			}
		}
		at := w.Base + (iy-w.TileY)*w.RowStride + (ix-w.TileX)*w.PixelStride + w.Channel
		d.run(d, acc[p*accStride:], accStride, at, 0, 1, taps)
		cur.next()
		p++
	}
}

// dwRunGo is the pure-Go run: taps outside, channels inside.
func dwRunGo(d *depthwise, acc []int32, accStride, at, pixStride, n int, taps []dwTap) {
	dwChannelsGo(d, acc, accStride, at, pixStride, n, taps, 0)
}

// dwChannelsGo computes output channels [from, cout) of a run.
func dwChannelsGo(d *depthwise, acc []int32, accStride, at, pixStride, n int, taps []dwTap, from int) {
	for i := range n {
		row := acc[i*accStride:][from:d.cout]
		clear(row)
		for _, t := range taps {
			src := d.img[at+i*pixStride+t.in:]
			w := d.w32[t.w/4+from:][:len(row)]
			for j := range row {
				row[j] += d.x.Value(src[(from+j)/d.mult]) * int32(int16(w[j]))
			}
		}
	}
}
