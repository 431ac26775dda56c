package onnx

import (
	"fmt"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// window is the geometry of a convolution or pool.
type window struct {
	kh, kw, sh, sw, dh, dw int
	pad                    workloads.Padding
}

// readWindow reads kernel_shape, strides, dilations, pads and auto_pad for a
// window over an inH x inW image; kernel is the weights' window (nil for
// pools, which must give kernel_shape).
func (a attrs) readWindow(inH, inW int, kernel []int) (window, error) {
	var w window
	ks, err := a.ints("kernel_shape")
	if err != nil {
		return w, err
	}
	switch {
	case kernel != nil && ks != nil && (len(ks) != 2 || int(ks[0]) != kernel[0] || int(ks[1]) != kernel[1]):
		return w, fmt.Errorf("attribute kernel_shape: %v, the weights have %v", ks, kernel)
	case kernel == nil && len(ks) != 2:
		return w, fmt.Errorf("attribute kernel_shape: %v, want two dimensions", ks)
	case kernel == nil:
		kernel = []int{int(ks[0]), int(ks[1])}
	}
	w.kh, w.kw = kernel[0], kernel[1]
	if w.sh, w.sw, err = a.pair("strides"); err != nil {
		return w, err
	}
	if w.dh, w.dw, err = a.pair("dilations"); err != nil {
		return w, err
	}
	if w.kh < 1 || w.kw < 1 || w.kh > 1<<16 || w.kw > 1<<16 {
		return w, fmt.Errorf("attribute kernel_shape: %dx%d", w.kh, w.kw)
	}
	w.pad, err = a.padding(inH, inW, w)
	return w, err
}

// pair reads a two-element attribute that defaults to 1, 1.
func (a attrs) pair(name string) (int, int, error) {
	v, err := a.ints(name, 1, 1)
	if err != nil {
		return 0, 0, err
	}
	if len(v) != 2 || v[0] < 1 || v[1] < 1 || v[0] > 1<<16 || v[1] > 1<<16 {
		return 0, 0, fmt.Errorf("attribute %s: %v, want two values >= 1", name, v)
	}
	return int(v[0]), int(v[1]), nil
}

func (a attrs) padding(inH, inW int, w window) (workloads.Padding, error) {
	mode, err := a.str("auto_pad", "NOTSET")
	if err != nil {
		return workloads.Padding{}, err
	}
	pads, err := a.ints("pads", 0, 0, 0, 0)
	if err != nil {
		return workloads.Padding{}, err
	}
	switch mode {
	case "NOTSET":
		if len(pads) != 4 {
			return workloads.Padding{}, fmt.Errorf("attribute pads: %v, want 4 values", pads)
		}
		for _, p := range pads {
			if p < 0 || p > 1<<16 {
				return workloads.Padding{}, fmt.Errorf("attribute pads: %v, want values in 0..65536", pads)
			}
		}
		return workloads.Padding{Top: int(pads[0]), Left: int(pads[1]), Bottom: int(pads[2]), Right: int(pads[3])}, nil
	case "VALID":
		return workloads.Padding{}, nil
	case "SAME_UPPER", "SAME_LOWER":
		var p workloads.Padding
		p.Top, p.Bottom = quant.SamePadding(inH, w.kh, w.sh, w.dh)
		p.Left, p.Right = quant.SamePadding(inW, w.kw, w.sw, w.dw)
		if mode == "SAME_LOWER" {
			p.Top, p.Bottom, p.Left, p.Right = p.Bottom, p.Top, p.Right, p.Left
		}
		return p, nil
	}
	return workloads.Padding{}, fmt.Errorf("attribute auto_pad: %q not supported", mode)
}

// outShape is the NHWC output shape of the window on input shape in.
func (w window) outShape(in []int, channels int) ([]int, error) {
	oh := quant.ConvOutputSize(in[1], w.kh, w.sh, w.dh, w.pad.Top, w.pad.Bottom)
	ow := quant.ConvOutputSize(in[2], w.kw, w.sw, w.dw, w.pad.Left, w.pad.Right)
	paddedH, paddedW := in[1]+w.pad.Top+w.pad.Bottom, in[2]+w.pad.Left+w.pad.Right
	if oh < 1 || ow < 1 || paddedH < (w.kh-1)*w.dh+1 || paddedW < (w.kw-1)*w.dw+1 {
		return nil, fmt.Errorf("a %dx%d window does not fit the padded %dx%d input", w.kh, w.kw, paddedH, paddedW)
	}
	return []int{in[0], oh, ow, channels}, nil
}
