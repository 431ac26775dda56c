package train

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Param is one trainable tensor, named and shaped as the workloads IR
// names and shapes it.
type Param struct {
	Name  string
	Shape []int
	Value []float64

	grad, velocity []float64
}

func newParam(name string, shape ...int) *Param {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return &Param{Name: name, Shape: shape, Value: make([]float64, n),
		grad: make([]float64, n), velocity: make([]float64, n)}
}

// Float32 returns the parameter's values rounded to float32, as a float
// model stores them.
func (p *Param) Float32() []float32 {
	v := make([]float32, len(p.Value))
	for i, x := range p.Value {
		v[i] = float32(x)
	}
	return v
}

// layer is one stage of a Net, run on one image at a time. forward keeps
// what backward needs; backward takes the loss gradient with respect to the
// layer's output, adds the gradients of its parameters into their grad, and
// returns the gradient with respect to its input.
type layer interface {
	forward(x []float64) []float64
	backward(dy []float64) []float64
	params() []*Param
}

// conv is a CONV_2D with a square k x k filter [outC, k, k, inC], stride 1,
// SAME padding (k/2 pixels each side) and an optional fused ReLU, on an
// h x w x inC image.
type conv struct {
	h, w, inC, outC, k int
	relu               bool
	weights, bias      *Param
	x, y               []float64
}

func newConv(name string, h, w, inC, outC, k int, relu bool) *conv {
	return &conv{h: h, w: w, inC: inC, outC: outC, k: k, relu: relu,
		weights: newParam(name+"/weights", outC, k, k, inC), bias: newParam(name+"/bias", outC)}
}

func (c *conv) params() []*Param { return []*Param{c.weights, c.bias} }

// taps calls f for every filter tap of output pixel (oy, ox) that falls on
// the image, with the offsets of the input pixel and of the filter tap.
func (c *conv) taps(oy, ox, oc int, f func(in, tap int)) {
	pad := c.k / 2
	for ky := range c.k {
		iy := oy + ky - pad
		if iy < 0 || iy >= c.h {
			continue
		}
		for kx := range c.k {
			ix := ox + kx - pad
			if ix < 0 || ix >= c.w {
				continue
			}
			f((iy*c.w+ix)*c.inC, ((oc*c.k+ky)*c.k+kx)*c.inC)
		}
	}
}

func (c *conv) forward(x []float64) []float64 {
	c.x, c.y = x, make([]float64, c.h*c.w*c.outC)
	wt := c.weights.Value
	for oy := range c.h {
		for ox := range c.w {
			for oc := range c.outC {
				s := c.bias.Value[oc]
				c.taps(oy, ox, oc, func(in, tap int) {
					for ic := range c.inC {
						s += float64(x[in+ic] * wt[tap+ic])
					}
				})
				if c.relu {
					s = max(s, 0)
				}
				c.y[(oy*c.w+ox)*c.outC+oc] = s
			}
		}
	}
	return c.y
}

func (c *conv) backward(dy []float64) []float64 {
	dx := make([]float64, len(c.x))
	wt, dw := c.weights.Value, c.weights.grad
	for oy := range c.h {
		for ox := range c.w {
			for oc := range c.outC {
				o := (oy*c.w+ox)*c.outC + oc
				g := dy[o]
				if g == 0 || (c.relu && c.y[o] <= 0) {
					continue
				}
				c.bias.grad[oc] += g
				c.taps(oy, ox, oc, func(in, tap int) {
					for ic := range c.inC {
						dw[tap+ic] += float64(g * c.x[in+ic])
						dx[in+ic] += float64(g * wt[tap+ic])
					}
				})
			}
		}
	}
	return dx
}

// maxPool is a 2x2 MAX_POOL_2D with stride 2 on an h x w x c image (h and
// w even). The gradient goes to the first largest pixel of each window.
type maxPool struct {
	h, w, c int
	argmax  []int
	inLen   int
}

func newMaxPool(h, w, c int) *maxPool { return &maxPool{h: h, w: w, c: c} }

func (p *maxPool) params() []*Param { return nil }

func (p *maxPool) forward(x []float64) []float64 {
	oh, ow := p.h/2, p.w/2
	y := make([]float64, oh*ow*p.c)
	p.argmax, p.inLen = make([]int, len(y)), len(x)
	for oy := range oh {
		for ox := range ow {
			for ch := range p.c {
				o := (oy*ow+ox)*p.c + ch
				best := -1
				for ky := range 2 {
					for kx := range 2 {
						i := ((2*oy+ky)*p.w+2*ox+kx)*p.c + ch
						if best < 0 || x[i] > x[best] {
							best = i
						}
					}
				}
				y[o], p.argmax[o] = x[best], best
			}
		}
	}
	return y
}

func (p *maxPool) backward(dy []float64) []float64 {
	dx := make([]float64, p.inLen)
	for o, i := range p.argmax {
		dx[i] = dy[o]
	}
	return dx
}

// dense is a FULLY_CONNECTED layer, weights [units, size], with an
// optional fused ReLU. Its input is the previous layer's output flattened
// in NHWC order.
type dense struct {
	size, units   int
	relu          bool
	weights, bias *Param
	x, y          []float64
}

func newDense(name string, size, units int, relu bool) *dense {
	return &dense{size: size, units: units, relu: relu,
		weights: newParam(name+"/weights", units, size), bias: newParam(name+"/bias", units)}
}

func (d *dense) params() []*Param { return []*Param{d.weights, d.bias} }

func (d *dense) forward(x []float64) []float64 {
	d.x, d.y = x, make([]float64, d.units)
	for u := range d.units {
		s := d.bias.Value[u]
		row := d.weights.Value[u*d.size : (u+1)*d.size]
		for i, w := range row {
			s += float64(x[i] * w)
		}
		if d.relu {
			s = max(s, 0)
		}
		d.y[u] = s
	}
	return d.y
}

func (d *dense) backward(dy []float64) []float64 {
	dx := make([]float64, d.size)
	for u, g := range dy {
		if g == 0 || (d.relu && d.y[u] <= 0) {
			continue
		}
		d.bias.grad[u] += g
		row := d.weights.Value[u*d.size : (u+1)*d.size]
		grad := d.weights.grad[u*d.size : (u+1)*d.size]
		for i, w := range row {
			grad[i] += float64(g * d.x[i])
			dx[i] += float64(g * w)
		}
	}
	return dx
}

// marshalParams encodes the tensors' values, in order, as little-endian
// float32 values: the weight files of the zoo's trained networks.
func marshalParams(ps []*Param) []byte {
	var b []byte
	for _, p := range ps {
		for _, x := range p.Value {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(x)))
		}
	}
	return b
}

// unmarshalParams sets the tensors' values from marshalParams' encoding;
// file and kind name the file and its tensors in the error of a wrong size.
func unmarshalParams(ps []*Param, b []byte, file, kind string) error {
	want := 0
	for _, p := range ps {
		want += 4 * len(p.Value)
	}
	if len(b) != want {
		return fmt.Errorf("%s: %d bytes, want %d (float32 values of %d %s)", file, len(b), want, len(ps), kind)
	}
	for _, p := range ps {
		for i := range p.Value {
			p.Value[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
			b = b[4:]
		}
	}
	return nil
}
