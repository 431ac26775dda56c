package train

import (
	"math"

	"github.com/npusim/npusim/internal/parallel"
)

// batchNorm is batch normalisation (Ioffe and Szegedy, 2015) of a
// convolution's C channels over the batch and the pixels, then an optional
// ReLU6: y = relu6(gamma (x - mean) / sqrt(var + eps) + beta). Training
// normalises by the batch's own mean and (biased) variance and moves the
// running averages that inference uses, as TensorFlow's BatchNormalization
// does; before quantization the whole affine map is folded into the
// convolution's weights and bias (see fold).
type batchNorm struct {
	c           int
	relu6       bool
	gamma, beta *Param
	// mean and variance are the running averages, saved with the weights.
	mean, variance *Param

	batchMean, invStd []float64
	xhat, ys, dxs     [][]float64
	partsA, partsB    [][]float64
}

// Batch normalisation's constants: TensorFlow's defaults.
const (
	normEpsilon  = 1e-3
	normMomentum = 0.99
)

func newBatchNorm(name string, c int, relu6 bool) *batchNorm {
	return &batchNorm{c: c, relu6: relu6,
		gamma: newParam(name+"/gamma", c), beta: newParam(name+"/beta", c),
		mean: newParam(name+"/moving_mean", c), variance: newParam(name+"/moving_variance", c),
		batchMean: make([]float64, c), invStd: make([]float64, c)}
}

func (b *batchNorm) params() []*Param { return []*Param{b.gamma, b.beta} }

// statistics are the running averages, which are saved but not trained.
func (b *batchNorm) statistics() []*Param { return []*Param{b.mean, b.variance} }

// channelSums returns, over every image and pixel, the sum per channel of
// f(x, channel), image partial sums added in image order.
func (b *batchNorm) channelSums(xs [][]float64, parts *[][]float64, f func(x float64, ch int) float64) []float64 {
	ps := buffers(parts, len(xs), b.c)
	parallel.For(len(xs), func(i int) {
		p, x := ps[i], xs[i]
		for o := 0; o < len(x); o += b.c {
			for ch, v := range x[o : o+b.c] {
				p[ch] += f(v, ch)
			}
		}
	})
	sum := make([]float64, b.c)
	sumInto(sum, ps)
	return sum
}

func (b *batchNorm) forward(xs [][]float64, training bool) [][]float64 {
	m := float64(len(xs) * len(xs[0]) / b.c)
	if training {
		sum := b.channelSums(xs, &b.partsA, func(x float64, _ int) float64 { return x })
		for ch := range b.c {
			b.batchMean[ch] = sum[ch] / m
		}
		sq := b.channelSums(xs, &b.partsB, func(x float64, ch int) float64 {
			d := x - b.batchMean[ch]
			return float64(d * d)
		})
		for ch := range b.c {
			v := sq[ch] / m
			b.invStd[ch] = 1 / math.Sqrt(v+normEpsilon)
			b.mean.Value[ch] = float64(normMomentum*b.mean.Value[ch]) + float64((1-normMomentum)*b.batchMean[ch])
			b.variance.Value[ch] = float64(normMomentum*b.variance.Value[ch]) + float64((1-normMomentum)*v)
		}
	} else {
		for ch := range b.c {
			b.batchMean[ch] = b.mean.Value[ch]
			b.invStd[ch] = 1 / math.Sqrt(b.variance.Value[ch]+normEpsilon)
		}
	}
	b.xhat = scratch(&b.xhat, len(xs), len(xs[0]))
	b.ys = scratch(&b.ys, len(xs), len(xs[0]))
	parallel.For(len(xs), func(i int) {
		x, xh, y := xs[i], b.xhat[i], b.ys[i]
		for o := 0; o < len(x); o += b.c {
			for ch := range b.c {
				xh[o+ch] = float64((x[o+ch] - b.batchMean[ch]) * b.invStd[ch])
				v := float64(b.gamma.Value[ch]*xh[o+ch]) + b.beta.Value[ch]
				if b.relu6 {
					v = min(max(v, 0), 6)
				}
				y[o+ch] = v
			}
		}
	})
	return b.ys
}

func (b *batchNorm) backward(dys [][]float64) [][]float64 {
	m := float64(len(dys) * len(dys[0]) / b.c)
	b.dxs = buffers(&b.dxs, len(dys), len(dys[0]))
	parallel.For(len(dys), func(i int) { // the gradient through the ReLU6, kept in dxs
		g := b.dxs[i]
		for o, d := range dys[i] {
			if y := b.ys[i][o]; !b.relu6 || (y > 0 && y < 6) {
				g[o] = d
			}
		}
	})
	dbeta := b.channelSums(b.dxs, &b.partsA, func(g float64, _ int) float64 { return g })
	ps := buffers(&b.partsB, len(dys), b.c)
	parallel.For(len(dys), func(i int) {
		g, xh := b.dxs[i], b.xhat[i]
		for o := 0; o < len(g); o += b.c {
			for ch := range b.c {
				ps[i][ch] += float64(g[o+ch] * xh[o+ch])
			}
		}
	})
	dgamma := make([]float64, b.c)
	sumInto(dgamma, ps)
	add(b.beta.grad, dbeta)
	add(b.gamma.grad, dgamma)
	k := make([]float64, b.c)
	for ch := range k {
		k[ch] = float64(b.gamma.Value[ch]*b.invStd[ch]) / m
	}
	parallel.For(len(dys), func(i int) {
		g, xh := b.dxs[i], b.xhat[i]
		for o := 0; o < len(g); o += b.c {
			for ch := range b.c {
				g[o+ch] = float64(k[ch] * (float64(m*g[o+ch]) - dbeta[ch] - float64(xh[o+ch]*dgamma[ch])))
			}
		}
	})
	return b.dxs
}

// fold returns the scale and shift per channel that inference's batch
// normalisation applies: y = scale x + shift.
func (b *batchNorm) fold() (scale, shift []float64) {
	scale, shift = make([]float64, b.c), make([]float64, b.c)
	for ch := range b.c {
		scale[ch] = b.gamma.Value[ch] / math.Sqrt(b.variance.Value[ch]+normEpsilon)
		shift[ch] = b.beta.Value[ch] - float64(b.mean.Value[ch]*scale[ch])
	}
	return scale, shift
}
