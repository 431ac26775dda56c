package train

import (
	"github.com/npusim/npusim/internal/parallel"
	"github.com/npusim/npusim/quant"
)

// batchLayer is one stage of a network trained a minibatch at a time:
// forward and backward take one slice per image of the batch and run the
// images in parallel (see parallel.For). forward keeps what backward needs
// until the next forward; the slices it returns belong to the layer and
// stay valid until then. backward adds the gradients of the parameters
// into their grad, summed over the batch in image order, and returns the
// gradients with respect to the inputs.
type batchLayer interface {
	forward(xs [][]float64, training bool) [][]float64
	backward(dys [][]float64) [][]float64
	params() []*Param
}

// geometry is a window op's input and output sizes and its SAME padding
// (the padding NNAPI's implicit SAME gives, see quant.SamePadding).
type geometry struct {
	h, w, inC, oh, ow, k, stride, padTop, padLeft int
}

func newGeometry(h, w, inC, k, stride int) geometry {
	top, _ := quant.SamePadding(h, k, stride, 1)
	left, _ := quant.SamePadding(w, k, stride, 1)
	return geometry{h: h, w: w, inC: inC, oh: (h + stride - 1) / stride, ow: (w + stride - 1) / stride,
		k: k, stride: stride, padTop: top, padLeft: left}
}

// taps calls f for each filter tap of output pixel (oy, ox) that falls on
// the input, with the tap's index ky*k+kx and the input pixel's index.
func (g *geometry) taps(oy, ox int, f func(tap, pixel int)) {
	for ky := range g.k {
		iy := oy*g.stride - g.padTop + ky
		if iy < 0 || iy >= g.h {
			continue
		}
		for kx := range g.k {
			ix := ox*g.stride - g.padLeft + kx
			if ix < 0 || ix >= g.w {
				continue
			}
			f(ky*g.k+kx, iy*g.w+ix)
		}
	}
}

// convBN is a CONV_2D without bias ([outC, k, k, inC], SAME padding); the
// batch normalisation after it supplies the bias. A 1x1 stride-1
// convolution reads each pixel in place; others gather the window first.
type convBN struct {
	geometry
	outC    int
	weights *Param

	xs, ys, dxs, grads [][]float64
}

func newConvBN(name string, h, w, inC, outC, k, stride int) *convBN {
	return &convBN{geometry: newGeometry(h, w, inC, k, stride), outC: outC,
		weights: newParam(name+"/weights", outC, k, k, inC)}
}

func (c *convBN) params() []*Param { return []*Param{c.weights} }

func (c *convBN) pointwise() bool { return c.k == 1 && c.stride == 1 }

// window returns output pixel (oy, ox)'s receptive field as a filter row
// [k][k][inC], zeros in the padding, using buf when it must gather.
func (c *convBN) window(x []float64, oy, ox int, buf []float64) []float64 {
	if c.pointwise() {
		p := (oy*c.w + ox) * c.inC
		return x[p : p+c.inC]
	}
	clear(buf)
	c.taps(oy, ox, func(tap, pixel int) {
		copy(buf[tap*c.inC:(tap+1)*c.inC], x[pixel*c.inC:])
	})
	return buf
}

func (c *convBN) forward(xs [][]float64, _ bool) [][]float64 {
	c.xs = xs
	c.ys = scratch(&c.ys, len(xs), c.oh*c.ow*c.outC)
	size := c.k * c.k * c.inC
	parallel.For(len(xs), func(i int) {
		buf := make([]float64, size)
		y := c.ys[i]
		for oy := range c.oh {
			for ox := range c.ow {
				win := c.window(xs[i], oy, ox, buf)
				o := (oy*c.ow + ox) * c.outC
				matVec(y[o:o+c.outC], c.weights.Value, win)
			}
		}
	})
	return c.ys
}

func (c *convBN) backward(dys [][]float64) [][]float64 {
	size := c.k * c.k * c.inC
	c.dxs = buffers(&c.dxs, len(dys), c.h*c.w*c.inC)
	grads := buffers(&c.grads, len(dys), len(c.weights.Value))
	parallel.For(len(dys), func(i int) {
		buf, dwin := make([]float64, size), make([]float64, size)
		x, dx, dw := c.xs[i], c.dxs[i], grads[i]
		for oy := range c.oh {
			for ox := range c.ow {
				win := c.window(x, oy, ox, buf)
				d := dwin
				if c.pointwise() {
					p := (oy*c.w + ox) * c.inC
					d = dx[p : p+c.inC]
				} else {
					clear(d)
				}
				o := (oy*c.ow + ox) * c.outC
				for oc, g := range dys[i][o : o+c.outC] {
					if g != 0 {
						axpy2(dw[oc*size:(oc+1)*size], d, g, win, c.weights.Value[oc*size:(oc+1)*size])
					}
				}
				if !c.pointwise() {
					c.taps(oy, ox, func(tap, pixel int) {
						add(dx[pixel*c.inC:(pixel+1)*c.inC], d[tap*c.inC:(tap+1)*c.inC])
					})
				}
			}
		}
	})
	sumInto(c.weights.grad, grads)
	return c.dxs
}

// matVec sets y[r] to the inner product of row r of w (len(x) wide) with x,
// four rows at a time so that the four sums do not wait on each other.
// Every product is rounded on its own (float64(a*b)), so no compiler fuses
// it into a multiply-add and the sums are the same bits on every machine.
func matVec(y, w, x []float64) {
	n := len(x)
	r := 0
	for ; r+4 <= len(y); r += 4 {
		w0, w1, w2, w3 := w[r*n:(r+1)*n], w[(r+1)*n:(r+2)*n], w[(r+2)*n:(r+3)*n], w[(r+3)*n:(r+4)*n]
		var s0, s1, s2, s3 float64
		for i, xi := range x {
			s0 += float64(xi * w0[i])
			s1 += float64(xi * w1[i])
			s2 += float64(xi * w2[i])
			s3 += float64(xi * w3[i])
		}
		y[r], y[r+1], y[r+2], y[r+3] = s0, s1, s2, s3
	}
	for ; r < len(y); r++ {
		wr := w[r*n : (r+1)*n]
		s := 0.0
		for i, xi := range x {
			s += float64(xi * wr[i])
		}
		y[r] = s
	}
}

// axpy2 adds g*x into dw and g*w into dx (the two gradients of one output
// of an inner product).
func axpy2(dw, dx []float64, g float64, x, w []float64) {
	dw, dx, w = dw[:len(x)], dx[:len(x)], w[:len(x)]
	for i, xi := range x {
		dw[i] += float64(g * xi)
		dx[i] += float64(g * w[i])
	}
}

// add adds s into d.
func add(d, s []float64) {
	s = s[:len(d)]
	for i := range d {
		d[i] += s[i]
	}
}

// depthwiseBN is a DEPTHWISE_CONV_2D with a depth multiplier of 1 and no
// bias, filter [1, k, k, C], SAME padding.
type depthwiseBN struct {
	geometry
	weights *Param

	xs, ys, dxs, grads [][]float64
}

func newDepthwiseBN(name string, h, w, c, k, stride int) *depthwiseBN {
	return &depthwiseBN{geometry: newGeometry(h, w, c, k, stride), weights: newParam(name+"/weights", 1, k, k, c)}
}

func (d *depthwiseBN) params() []*Param { return []*Param{d.weights} }

func (d *depthwiseBN) forward(xs [][]float64, _ bool) [][]float64 {
	d.xs = xs
	c := d.inC
	d.ys = buffers(&d.ys, len(xs), d.oh*d.ow*c)
	parallel.For(len(xs), func(i int) {
		for oy := range d.oh {
			for ox := range d.ow {
				acc := d.ys[i][(oy*d.ow+ox)*c:][:c]
				d.taps(oy, ox, func(tap, pixel int) {
					x, w := xs[i][pixel*c:][:c], d.weights.Value[tap*c:][:c]
					for ch, xv := range x {
						acc[ch] += float64(xv * w[ch])
					}
				})
			}
		}
	})
	return d.ys
}

func (d *depthwiseBN) backward(dys [][]float64) [][]float64 {
	c := d.inC
	d.dxs = buffers(&d.dxs, len(dys), d.h*d.w*c)
	grads := buffers(&d.grads, len(dys), len(d.weights.Value))
	parallel.For(len(dys), func(i int) {
		for oy := range d.oh {
			for ox := range d.ow {
				g := dys[i][(oy*d.ow+ox)*c:][:c]
				d.taps(oy, ox, func(tap, pixel int) {
					x, dx := d.xs[i][pixel*c:][:c], d.dxs[i][pixel*c:][:c]
					w, dw := d.weights.Value[tap*c:][:c], grads[i][tap*c:][:c]
					for ch, gv := range g {
						dw[ch] += float64(gv * x[ch])
						dx[ch] += float64(gv * w[ch])
					}
				})
			}
		}
	})
	sumInto(d.weights.grad, grads)
	return d.dxs
}
