package workloads

import (
	"fmt"
	"math"
	"slices"

	"github.com/npusim/npusim/quant"
)

// FloatTensor is a tensor of a float model: constants (weights, biases) carry
// Data, activations do not.
type FloatTensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// FloatModel is a network before quantization: the same operations and
// attributes as a quantized Model, with float32 tensors.
type FloatModel struct {
	Name        string
	Description string
	Tensors     []*FloatTensor
	Ops         []*Op
	Inputs      []int
	Outputs     []int
	// Tied lists groups of activation tensors that must share one
	// quantization, such as the states of an unrolled recurrent cell.
	Tied [][]int
}

// Run evaluates the model in float32 and returns every tensor's values,
// indexed as the model's tensors.
func (m *FloatModel) Run(inputs [][]float32) ([][]float32, error) {
	if len(inputs) != len(m.Inputs) {
		return nil, fmt.Errorf("model %s takes %d inputs, got %d", m.Name, len(m.Inputs), len(inputs))
	}
	v := make([][]float32, len(m.Tensors))
	for i, t := range m.Tensors {
		v[i] = t.Data
	}
	for k, i := range m.Inputs {
		if len(inputs[k]) != quant.NumElements(m.Tensors[i].Shape) {
			return nil, fmt.Errorf("input %d: %d values, model %s wants %v", k, len(inputs[k]), m.Name, m.Tensors[i].Shape)
		}
		v[i] = inputs[k]
	}
	for _, op := range m.Ops {
		v[op.Output] = m.RunOp(op, v)
	}
	return v, nil
}

func (m *FloatModel) shape(i int) []int { return m.Tensors[i].Shape }

// RunOp evaluates one op in float32 on the values v of every tensor (indexed
// as the model's tensors) and returns its output.
func (m *FloatModel) RunOp(op *Op, v [][]float32) []float32 {
	out := make([]float32, quant.NumElements(m.shape(op.Output)))
	in := v[op.Inputs[0]]
	switch op.Kind {
	case Conv2D, DepthwiseConv2D:
		m.conv(op, v, out)
	case FullyConnected:
		w, b := v[op.Inputs[1]], v[op.Inputs[2]]
		units, size := m.shape(op.Inputs[1])[0], m.shape(op.Inputs[1])[1]
		for r := range len(in) / size {
			for u := range units {
				s := b[u] + dot(in[r*size:][:size], w[u*size:][:size])
				out[r*units+u] = Activate(s, op.Activation)
			}
		}
	case Add, Mul:
		a, b := op.Inputs[0], op.Inputs[1]
		for o := range out {
			x := v[a][quant.BroadcastIndex(m.shape(a), m.shape(op.Output), o)]
			y := v[b][quant.BroadcastIndex(m.shape(b), m.shape(op.Output), o)]
			if op.Kind == Add {
				out[o] = Activate(x+y, op.Activation)
			} else {
				out[o] = Activate(x*y, op.Activation)
			}
		}
	case AveragePool2D, MaxPool2D:
		m.pool(op, in, out)
	case Relu, Relu1, Relu6:
		act, _ := op.Kind.ReluActivation()
		for i, x := range in {
			out[i] = Activate(x, act)
		}
	case Softmax:
		depth := m.shape(op.Output)[len(m.shape(op.Output))-1]
		for r := 0; r < len(in); r += depth {
			softmaxRow(in[r:r+depth], out[r:r+depth], op.Beta)
		}
	case Logistic:
		for i, x := range in {
			out[i] = float32(1 / (1 + math.Exp(-float64(x))))
		}
	case Concatenation:
		shape := m.shape(op.Output)
		outer, inner := quant.NumElements(shape[:op.Axis]), quant.NumElements(shape[op.Axis+1:])
		offset := 0
		for _, t := range op.Inputs {
			width := m.shape(t)[op.Axis] * inner
			for o := range outer {
				copy(out[o*shape[op.Axis]*inner+offset:][:width], v[t][o*width:][:width])
			}
			offset += width
		}
	case Reshape:
		copy(out, in)
	}
	return out
}

// conv evaluates CONV_2D and DEPTHWISE_CONV_2D. A tap that falls in the
// padding contributes nothing, as if the input there were zero.
//
// Every product below is converted to float32 before it is added: the
// conversion forbids the compiler to fuse the multiply and the add (which it
// may do on some architectures), so the sums do not depend on whether it
// does.
func (m *FloatModel) conv(op *Op, v [][]float32, out []float32) {
	if op.Kind == DepthwiseConv2D {
		m.depthwise(op, v, out)
		return
	}
	in, w, bias := v[op.Inputs[0]], v[op.Inputs[1]], v[op.Inputs[2]]
	is, ws, os := m.shape(op.Inputs[0]), m.shape(op.Inputs[1]), m.shape(op.Output)
	h, wd, inC := is[1], is[2], is[3]
	fh, fw := ws[1], ws[2]
	dh, dw := op.Dilation()
	outC := os[3]
	// For each output pixel, gather its receptive field once into window,
	// laid out as a filter row [fh][fw][inC] with zeros for the padding,
	// then take its dot product with each output channel's filter row, four
	// channels at a time.
	size := fh * fw * inC
	window := make([]float32, size)
	o := 0
	for b := range is[0] {
		for oy := range os[1] {
			for ox := range os[2] {
				for ky := range fh {
					iy := oy*op.StrideH - op.Padding.Top + ky*dh
					for kx := range fw {
						ix := ox*op.StrideW - op.Padding.Left + kx*dw
						tap := window[(ky*fw+kx)*inC:][:inC]
						if iy < 0 || iy >= h || ix < 0 || ix >= wd {
							clear(tap)
							continue
						}
						copy(tap, in[((b*h+iy)*wd+ix)*inC:])
					}
				}
				oc := 0
				for ; oc+4 <= outC; oc += 4 {
					s := dot4(window, w[oc*size:][:4*size])
					for j := range 4 {
						out[o+j] = Activate(bias[oc+j]+s[j], op.Activation)
					}
					o += 4
				}
				for ; oc < outC; oc++ {
					out[o] = Activate(bias[oc]+dot(window, w[oc*size:][:size]), op.Activation)
					o++
				}
			}
		}
	}
}

// depthwise evaluates DEPTHWISE_CONV_2D: output channel oc filters input
// channel oc/DepthMultiplier. Each output pixel accumulates its in-bounds taps
// in order, a whole row of channels at a time.
func (m *FloatModel) depthwise(op *Op, v [][]float32, out []float32) {
	in, w, bias := v[op.Inputs[0]], v[op.Inputs[1]], v[op.Inputs[2]]
	is, ws, os := m.shape(op.Inputs[0]), m.shape(op.Inputs[1]), m.shape(op.Output)
	h, wd, inC := is[1], is[2], is[3]
	fh, fw := ws[1], ws[2]
	dh, dw := op.Dilation()
	outC, mult := os[3], op.DepthMultiplier
	o := 0
	for b := range is[0] {
		for oy := range os[1] {
			for ox := range os[2] {
				acc := out[o : o+outC]
				copy(acc, bias)
				for ky := range fh {
					iy := oy*op.StrideH - op.Padding.Top + ky*dh
					if iy < 0 || iy >= h {
						continue
					}
					for kx := range fw {
						ix := ox*op.StrideW - op.Padding.Left + kx*dw
						if ix < 0 || ix >= wd {
							continue
						}
						px := in[((b*h+iy)*wd+ix)*inC:][:inC]
						k := w[(ky*fw+kx)*outC:][:outC]
						oc := 0
						for _, x := range px {
							for range mult {
								acc[oc] += float32(x * k[oc])
								oc++
							}
						}
					}
				}
				for oc, s := range acc {
					acc[oc] = Activate(s, op.Activation)
				}
				o += outC
			}
		}
	}
}

// dot4 returns the inner products of x with the four consecutive rows of
// w, each len(x) long: four output channels computed together read each
// input value once for four multiplies, and their four sums do not wait on
// each other.
func dot4(x, w []float32) [4]float32 {
	n := len(x)
	w0, w1, w2, w3 := w[:n], w[n:2*n], w[2*n:3*n], w[3*n:4*n]
	var s0, s1, s2, s3 float32
	for i, xi := range x {
		s0 += float32(xi * w0[i])
		s1 += float32(xi * w1[i])
		s2 += float32(xi * w2[i])
		s3 += float32(xi * w3[i])
	}
	return [4]float32{s0, s1, s2, s3}
}

// dot is the inner product of x and y[:len(x)].
func dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i, xi := range x {
		s += float32(xi * y[i])
	}
	return s
}

func (m *FloatModel) pool(op *Op, in, out []float32) {
	is, os := m.shape(op.Inputs[0]), m.shape(op.Output)
	h, w, c := is[1], is[2], is[3]
	o := 0
	for b := range is[0] {
		for oy := range os[1] {
			for ox := range os[2] {
				for ch := range c {
					best, sum, n := float32(math.Inf(-1)), float32(0), 0
					for ky := range op.FilterH {
						iy := oy*op.StrideH - op.Padding.Top + ky
						for kx := range op.FilterW {
							ix := ox*op.StrideW - op.Padding.Left + kx
							if iy < 0 || iy >= h || ix < 0 || ix >= w {
								continue
							}
							x := in[((b*h+iy)*w+ix)*c+ch]
							best, sum, n = max(best, x), sum+x, n+1
						}
					}
					if op.Kind == AveragePool2D {
						best = sum / float32(n)
					}
					out[o] = Activate(best, op.Activation)
					o++
				}
			}
		}
	}
}

func softmaxRow(in, out []float32, beta float32) {
	mx := slices.Max(in)
	var sum float64
	for i, x := range in {
		e := math.Exp(float64(beta * (x - mx)))
		out[i] = float32(e)
		sum += e
	}
	for i := range out {
		out[i] = float32(float64(out[i]) / sum)
	}
}

// Activate applies a fused activation in float.
func Activate(x float32, a quant.Activation) float32 {
	switch a {
	case quant.ActRelu:
		return max(x, 0)
	case quant.ActRelu1:
		return min(max(x, -1), 1)
	case quant.ActRelu6:
		return min(max(x, 0), 6)
	}
	return x
}
