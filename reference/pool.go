package reference

import (
	"fmt"

	"github.com/npusim/npusim/quant"
)

// PoolParams are the window geometry and fused activation of a pooling op.
type PoolParams struct {
	Padding
	StrideH, StrideW int
	FilterH, FilterW int
	Activation       quant.Activation
}

func (p PoolParams) check(op string, in, out *quant.Tensor) error {
	c := ConvParams{Padding: p.Padding, StrideH: p.StrideH, StrideW: p.StrideW, DilationH: 1, DilationW: 1}
	if p.FilterH < 1 || p.FilterW < 1 {
		return fmt.Errorf("%s: filter must be at least 1x1, got %dx%d", op, p.FilterH, p.FilterW)
	}
	if p.Top >= p.FilterH || p.Bottom >= p.FilterH || p.Left >= p.FilterW || p.Right >= p.FilterW {
		return fmt.Errorf("%s: padding top %d, bottom %d, left %d, right %d: "+
			"each must be smaller than the %dx%d window (no window may lie wholly in padding)",
			op, p.Top, p.Bottom, p.Left, p.Right, p.FilterH, p.FilterW)
	}
	if err := c.check(in.Shape, out.Shape, p.FilterH, p.FilterW, in.Shape[len(in.Shape)-1]); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// pool runs a window reduction over every output element: reduce turns the
// in-bounds input values of a window into the output value before the clamp.
func pool(in, out *quant.Tensor, p PoolParams, reduce func(window []int32) int32) {
	n, h, w, c := in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	oh, ow := out.Shape[1], out.Shape[2]
	lo, hi := p.Activation.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	window := make([]int32, 0, min(p.FilterH, h)*min(p.FilterW, w)) // at most the in-bounds positions
	o := 0
	for b := range n {
		for oy := range oh {
			for ox := range ow {
				for ch := range c {
					window = window[:0]
					for ky := range p.FilterH {
						iy := oy*p.StrideH - p.Top + ky
						for kx := range p.FilterW {
							ix := ox*p.StrideW - p.Left + kx
							if iy >= 0 && iy < h && ix >= 0 && ix < w {
								window = append(window, in.Data[((b*h+iy)*w+ix)*c+ch])
							}
						}
					}
					out.Data[o] = quant.Clamp(int64(reduce(window)), lo, hi)
					o++
				}
			}
		}
	}
}

// AveragePool2D computes AVERAGE_POOL_2D: the rounded mean of the in-bounds
// pixels of each window (padding is not counted), then the activation clamp.
func AveragePool2D(in, out *quant.Tensor, p PoolParams) error {
	if err := p.check("AVERAGE_POOL_2D", in, out); err != nil {
		return err
	}
	pool(in, out, p, func(window []int32) int32 {
		var sum int32
		for _, x := range window {
			sum += x
		}
		return quant.AveragePoolRound(sum, int32(len(window)))
	})
	return nil
}

// MaxPool2D computes MAX_POOL_2D: the largest in-bounds pixel of each window,
// then the activation clamp.
func MaxPool2D(in, out *quant.Tensor, p PoolParams) error {
	if err := p.check("MAX_POOL_2D", in, out); err != nil {
		return err
	}
	pool(in, out, p, func(window []int32) int32 {
		m := window[0]
		for _, x := range window {
			m = max(m, x)
		}
		return m
	})
	return nil
}
