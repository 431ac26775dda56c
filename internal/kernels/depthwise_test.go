package kernels

import (
	"math/rand/v2"
	"slices"
	"testing"
)

type dwCase struct {
	img        []byte
	w          Window
	pixels     int
	x, wop     Operand
	wt         []byte
	wTapStride int
	mult       int
	accStride  int
}

// naive is the definition: every output channel's taps in int64, wrapped.
func (c *dwCase) naive() []int32 {
	w := &c.w
	cout := w.Channels * c.mult
	acc := make([]int32, (c.pixels-1)*c.accStride+cout)
	for p := range c.pixels {
		oy, ox := w.OutY+p/w.OutW, w.OutX+p%w.OutW
		for j := range cout {
			var s int64
			for t := range w.FilterH * w.FilterW {
				iy := oy*w.StrideH - w.PadTop + t/w.FilterW*w.DilationH
				ix := ox*w.StrideW - w.PadLeft + t%w.FilterW*w.DilationW
				if iy < 0 || iy >= w.ImageH || ix < 0 || ix >= w.ImageW {
					continue
				}
				xv := c.x.Value(c.img[w.Base+(iy-w.TileY)*w.RowStride+(ix-w.TileX)*w.PixelStride+w.Channel+j/c.mult])
				s += int64(xv) * int64(c.wop.Value(c.wt[t*c.wTapStride+j]))
			}
			acc[p*c.accStride+j] = int32(s)
		}
	}
	return acc
}

func (c *dwCase) run(im Impl) []int32 {
	cout := c.w.Channels * c.mult
	acc := make([]int32, (c.pixels-1)*c.accStride+cout)
	for i := range acc {
		acc[i] = 0x5a5a5a5a // overwritten, never read
	}
	im.Depthwise(acc, c.accStride, c.img, c.w, c.pixels, c.x, c.wt, c.wTapStride, c.wop, c.mult)
	for p := range c.pixels - 1 { // the gaps between rows stay untouched
		for j := p*c.accStride + cout; j < (p+1)*c.accStride; j++ {
			acc[j] = 0
		}
	}
	return acc
}

func randDepthwise(rng *rand.Rand) *dwCase {
	c := &dwCase{x: randOperand(rng), wop: randOperand(rng), mult: 1}
	if rng.IntN(4) == 0 {
		c.mult = 1 + rng.IntN(3)
	}
	w := Window{ImageH: 1 + rng.IntN(12), ImageW: 1 + rng.IntN(12), FilterH: 1 + rng.IntN(3), FilterW: 1 + rng.IntN(5),
		StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(2), DilationH: 1 + rng.IntN(2), DilationW: 1 + rng.IntN(2),
		PadTop: rng.IntN(3), PadLeft: rng.IntN(3), Channels: 1 + rng.IntN(40)}
	if rng.IntN(3) == 0 {
		w.Channels = 16 * (1 + rng.IntN(4))
	}
	w.Channel = rng.IntN(4)
	w.PixelStride = w.Channel + w.Channels + rng.IntN(3)
	w.RowStride = w.ImageW*w.PixelStride + rng.IntN(5)
	w.Base = rng.IntN(5)
	w.OutW = 1 + rng.IntN(8)
	w.OutY, w.OutX = rng.IntN(3), rng.IntN(2)
	c.w = w
	c.img = randBytes(rng, w.Base+w.ImageH*w.RowStride)
	c.pixels = 1 + rng.IntN(3*w.OutW)
	cout := w.Channels * c.mult
	c.wTapStride = cout + rng.IntN(4)
	c.wt = randBytes(rng, w.FilterH*w.FilterW*c.wTapStride)
	c.accStride = cout + rng.IntN(4)
	return c
}

func TestDepthwiseRandom(t *testing.T) {
	for seed := uint64(1); seed <= 600; seed++ {
		rng := rand.New(rand.NewPCG(seed, 23))
		c := randDepthwise(rng)
		want := c.naive()
		spec := c.run(PureGo)
		if !slices.Equal(spec, want) {
			t.Fatalf("seed %d: %+v: purego differs from the definition at %d", seed, c.w, firstDiff(spec, want))
		}
		for _, im := range Available()[1:] {
			if got := c.run(im); !slices.Equal(got, spec) {
				i := firstDiff(got, spec)
				t.Fatalf("seed %d: %+v mult %d: %v acc[%d] = %d, purego %d", seed, c.w, c.mult, im, i, got[i], spec[i])
			}
		}
	}
}
