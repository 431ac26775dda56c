package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/npusim/npusim/internal/parallel"
)

// BlockSpec is one inverted residual block (Sandler et al. 2018): a 1x1
// expansion to Expansion times the input channels with ReLU6 (none when
// Expansion is 1), a 3x3 depthwise convolution with ReLU6 and the given
// stride, and a linear 1x1 projection to Channels; the input is added to
// the output when the stride is 1 and the channels match.
type BlockSpec struct {
	Expansion, Channels, Stride int
}

// MobileNetSpec is a MobileNet v2-style network on 28x28x1 images: a 3x3
// convolution to StemChannels with ReLU6, the blocks, a 1x1 convolution to
// HeadChannels with ReLU6, a global average pool and a fully connected
// layer to the ten classes. Every convolution is followed by batch
// normalisation.
type MobileNetSpec struct {
	StemChannels, StemStride int
	Blocks                   []BlockSpec
	HeadChannels             int
}

// AdamConfig is how a MobileNet is trained: Adam (Kingma and Ba, 2015,
// arXiv:1412.6980, with its default betas and epsilon) on minibatches, the
// learning rate falling linearly from LearningRate to zero over the run.
type AdamConfig struct {
	Epochs, BatchSize int
	LearningRate      float64
	// Seed fixes the initial weights and the shuffles.
	Seed uint64
}

// convUnit is a convolution, its batch normalisation and optional ReLU6.
type convUnit struct {
	name      string
	depthwise bool
	conv      batchLayer // *convBN or *depthwiseBN
	bn        *batchNorm
	geo       geometry
	outC      int
}

func (u *convUnit) forward(xs [][]float64, training bool) [][]float64 {
	return u.bn.forward(u.conv.forward(xs, training), training)
}

func (u *convUnit) backward(dys [][]float64) [][]float64 {
	return u.conv.backward(u.bn.backward(dys))
}

func (u *convUnit) params() []*Param { return append(u.conv.params(), u.bn.params()...) }

// block is a sequence of units with an optional identity shortcut.
type block struct {
	name     string
	units    []*convUnit
	residual bool
	ys, dxs  [][]float64
}

func (b *block) forward(xs [][]float64, training bool) [][]float64 {
	h := xs
	for _, u := range b.units {
		h = u.forward(h, training)
	}
	if !b.residual {
		return h
	}
	b.ys = scratch(&b.ys, len(xs), len(h[0]))
	parallel.For(len(xs), func(i int) {
		copy(b.ys[i], h[i])
		add(b.ys[i], xs[i])
	})
	return b.ys
}

func (b *block) backward(dys [][]float64) [][]float64 {
	d := dys
	for i := len(b.units) - 1; i >= 0; i-- {
		d = b.units[i].backward(d)
	}
	if !b.residual {
		return d
	}
	b.dxs = scratch(&b.dxs, len(dys), len(d[0]))
	parallel.For(len(dys), func(i int) {
		copy(b.dxs[i], d[i])
		add(b.dxs[i], dys[i])
	})
	return b.dxs
}

func (b *block) params() []*Param {
	var ps []*Param
	for _, u := range b.units {
		ps = append(ps, u.params()...)
	}
	return ps
}

// globalPool averages each of c channels over the pixels.
type globalPool struct {
	c, pixels int
	ys, dxs   [][]float64
}

func (p *globalPool) params() []*Param { return nil }

func (p *globalPool) forward(xs [][]float64, _ bool) [][]float64 {
	p.ys = buffers(&p.ys, len(xs), p.c)
	parallel.For(len(xs), func(i int) {
		for o := 0; o < len(xs[i]); o += p.c {
			add(p.ys[i], xs[i][o:o+p.c])
		}
		for ch := range p.c {
			p.ys[i][ch] /= float64(p.pixels)
		}
	})
	return p.ys
}

func (p *globalPool) backward(dys [][]float64) [][]float64 {
	p.dxs = scratch(&p.dxs, len(dys), p.c*p.pixels)
	parallel.For(len(dys), func(i int) {
		for o := 0; o < len(p.dxs[i]); o += p.c {
			for ch, g := range dys[i][:p.c] {
				p.dxs[i][o+ch] = g / float64(p.pixels)
			}
		}
	})
	return p.dxs
}

// linear is a FULLY_CONNECTED layer with bias, weights [units, size].
type linear struct {
	size, units   int
	weights, bias *Param
	xs, ys, dxs   [][]float64
	grads         [][]float64
}

func (l *linear) params() []*Param { return []*Param{l.weights, l.bias} }

func (l *linear) forward(xs [][]float64, _ bool) [][]float64 {
	l.xs = xs
	l.ys = scratch(&l.ys, len(xs), l.units)
	parallel.For(len(xs), func(i int) {
		matVec(l.ys[i], l.weights.Value, xs[i])
		add(l.ys[i], l.bias.Value)
	})
	return l.ys
}

func (l *linear) backward(dys [][]float64) [][]float64 {
	l.dxs = buffers(&l.dxs, len(dys), l.size)
	grads := buffers(&l.grads, len(dys), l.units*(l.size+1))
	parallel.For(len(dys), func(i int) {
		for u, g := range dys[i] {
			axpy2(grads[i][u*l.size:(u+1)*l.size], l.dxs[i], g, l.xs[i], l.weights.Value[u*l.size:(u+1)*l.size])
			grads[i][l.units*l.size+u] += g
		}
	})
	all := make([]float64, l.units*(l.size+1))
	sumInto(all, grads)
	add(l.weights.grad, all[:l.units*l.size])
	add(l.bias.grad, all[l.units*l.size:])
	return l.dxs
}

// MobileNet is a MobileNet v2-style classifier of Fashion-MNIST images,
// trained with batch normalisation; Fold gives the inference network with
// the normalisations folded into the convolutions.
type MobileNet struct {
	Name   string
	Spec   MobileNetSpec
	Config AdamConfig
	stem   *convUnit
	blocks []*block
	head   *convUnit
	pool   *globalPool
	fc     *linear
}

// NewMobileNet builds an untrained network.
func NewMobileNet(name string, spec MobileNetSpec, cfg AdamConfig) *MobileNet {
	n := &MobileNet{Name: name, Spec: spec, Config: cfg}
	h, w, c := Side, Side, 1
	unit := func(name string, depthwise bool, outC, k, stride int, relu6 bool) *convUnit {
		u := &convUnit{name: name, depthwise: depthwise, outC: outC, geo: newGeometry(h, w, c, k, stride)}
		if depthwise {
			u.conv = newDepthwiseBN(name, h, w, c, k, stride)
		} else {
			u.conv = newConvBN(name, h, w, c, outC, k, stride)
		}
		u.bn = newBatchNorm(name, outC, relu6)
		h, w, c = u.geo.oh, u.geo.ow, outC
		return u
	}
	n.stem = unit("stem", false, spec.StemChannels, 3, spec.StemStride, true)
	for i, s := range spec.Blocks {
		b := &block{name: fmt.Sprintf("block%d", i+1), residual: s.Stride == 1 && s.Channels == c}
		if s.Expansion > 1 {
			b.units = append(b.units, unit(b.name+"/expand", false, c*s.Expansion, 1, 1, true))
		}
		b.units = append(b.units, unit(b.name+"/depthwise", true, c, 3, s.Stride, true))
		b.units = append(b.units, unit(b.name+"/project", false, s.Channels, 1, 1, false))
		n.blocks = append(n.blocks, b)
	}
	n.head = unit("head", false, spec.HeadChannels, 1, 1, true)
	n.pool = &globalPool{c: c, pixels: h * w}
	n.fc = &linear{size: c, units: Classes,
		weights: newParam("logits/weights", Classes, c), bias: newParam("logits/bias", Classes)}
	return n
}

func (n *MobileNet) layers() []batchLayer {
	ls := []batchLayer{n.stem}
	for _, b := range n.blocks {
		ls = append(ls, b)
	}
	return append(ls, n.head, n.pool, n.fc)
}

func (n *MobileNet) units() []*convUnit {
	us := []*convUnit{n.stem}
	for _, b := range n.blocks {
		us = append(us, b.units...)
	}
	return append(us, n.head)
}

// Params lists the trained parameters in layer order.
func (n *MobileNet) Params() []*Param {
	var ps []*Param
	for _, l := range n.layers() {
		ps = append(ps, l.params()...)
	}
	return ps
}

// saved lists every saved tensor: the parameters, then each batch
// normalisation's running mean and variance.
func (n *MobileNet) saved() []*Param {
	ps := n.Params()
	for _, u := range n.units() {
		ps = append(ps, u.bn.statistics()...)
	}
	return ps
}

// logits runs a batch forward.
func (n *MobileNet) logits(xs [][]float64, training bool) [][]float64 {
	for _, l := range n.layers() {
		xs = l.forward(xs, training)
	}
	return xs
}

// Predict classifies images with the running batch statistics, in batches.
func (n *MobileNet) Predict(ims []Image) []int {
	const batch = 250
	var classes []int
	for start := 0; start < len(ims); start += batch {
		xs := inputs(ims[start:min(start+batch, len(ims))])
		for _, z := range n.logits(xs, false) {
			classes = append(classes, slices.Index(z, slices.Max(z)))
		}
	}
	return classes
}

// Accuracy is the share of the images the network classifies correctly.
func (n *MobileNet) Accuracy(ims []Image) float64 {
	right := 0
	for i, c := range n.Predict(ims) {
		if c == ims[i].Label {
			right++
		}
	}
	return float64(right) / float64(len(ims))
}

func inputs(ims []Image) [][]float64 {
	xs := make([][]float64, len(ims))
	for i := range ims {
		xs[i] = ims[i].Input()
	}
	return xs
}

// Fit initialises the network from Config.Seed and trains it. After each
// epoch it calls progress, if not nil, with the epoch (from 1) and the
// epoch's mean training loss.
func (n *MobileNet) Fit(ims []Image, progress func(epoch int, loss float64)) {
	cfg := n.Config
	rng := rand.New(rand.NewPCG(cfg.Seed, 0))
	n.initialise(rng)
	opt := newAdam(n.Params())
	order := make([]int, len(ims))
	for i := range order {
		order[i] = i
	}
	steps := cfg.Epochs * ((len(ims) + cfg.BatchSize - 1) / cfg.BatchSize)
	step := 0
	for epoch := range cfg.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		loss := 0.0
		for start := 0; start < len(order); start += cfg.BatchSize {
			batch := make([]Image, 0, cfg.BatchSize)
			for _, i := range order[start:min(start+cfg.BatchSize, len(order))] {
				batch = append(batch, ims[i])
			}
			loss += n.trainStep(batch)
			step++
			opt.step(cfg.LearningRate * float64(steps-step+1) / float64(steps))
		}
		if progress != nil {
			progress(epoch+1, loss/float64(len(ims)))
		}
	}
}

// trainStep runs a batch forward and back, leaving the gradient of the
// batch's mean loss in the parameters' grad, and returns the summed loss.
func (n *MobileNet) trainStep(batch []Image) float64 {
	zs := n.logits(inputs(batch), true)
	loss := 0.0
	dz := make([][]float64, len(zs))
	for i, z := range zs {
		var l float64
		dz[i], l = softmaxCrossEntropy(z, batch[i].Label)
		loss += l
		for k := range dz[i] {
			dz[i][k] /= float64(len(zs))
		}
	}
	ls := n.layers()
	for i := len(ls) - 1; i >= 0; i-- {
		dz = ls[i].backward(dz)
	}
	return loss
}

// softmaxCrossEntropy returns the gradient of the softmax cross-entropy
// with respect to the logits (the probabilities less the one-hot label)
// and the loss (reported only: math.Log is not bit-portable).
func softmaxCrossEntropy(z []float64, label int) ([]float64, float64) {
	mx := slices.Max(z)
	p := make([]float64, len(z))
	sum := 0.0
	for i, v := range z {
		p[i] = exp(v - mx)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	loss := -math.Log(p[label])
	p[label]--
	return p, loss
}

// initialise draws He-uniform convolution and fully connected weights
// (uniform on ±sqrt(6/fanIn), from integer draws), zero biases and shifts,
// unit batch-norm gains, except the gains after the last convolution of a
// residual block, which start at zero so that each block starts as the
// identity (Goyal et al. 2017, arXiv:1706.02677, section 5.1).
func (n *MobileNet) initialise(rng *rand.Rand) {
	uniform := func(p *Param, fanIn int) {
		limit := math.Sqrt(6 / float64(fanIn))
		for i := range p.Value {
			u := float64(float64(rng.Uint64()>>11)/(1<<52)) - 1 // uniform on [-1, 1), exact
			p.Value[i] = u * limit
		}
	}
	for _, u := range n.units() {
		w, fanIn := u.conv.params()[0], u.geo.k*u.geo.k
		if !u.depthwise {
			fanIn *= u.geo.inC
		}
		uniform(w, fanIn)
		for i := range u.bn.gamma.Value {
			u.bn.gamma.Value[i], u.bn.beta.Value[i] = 1, 0
			u.bn.mean.Value[i], u.bn.variance.Value[i] = 0, 1
		}
	}
	for _, b := range n.blocks {
		if b.residual {
			clear(b.units[len(b.units)-1].bn.gamma.Value)
		}
	}
	uniform(n.fc.weights, n.fc.size)
	clear(n.fc.bias.Value)
}

// adam is the Adam optimiser's state.
type adam struct {
	params     []*Param
	m, v       [][]float64
	beta1t     float64
	beta2t     float64
	beta1      float64
	beta2      float64
	epsilon    float64
	iterations int
}

func newAdam(ps []*Param) *adam {
	a := &adam{params: ps, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta1t: 1, beta2t: 1}
	for _, p := range ps {
		a.m = append(a.m, make([]float64, len(p.Value)))
		a.v = append(a.v, make([]float64, len(p.Value)))
	}
	return a
}

// step moves every parameter by Adam's bias-corrected update at the given
// rate and clears the gradients.
func (a *adam) step(rate float64) {
	a.iterations++
	a.beta1t *= a.beta1
	a.beta2t *= a.beta2
	for k, p := range a.params {
		m, v := a.m[k], a.v[k]
		for i, g := range p.grad {
			m[i] = float64(a.beta1*m[i]) + float64((1-a.beta1)*g)
			v[i] = float64(a.beta2*v[i]) + float64(float64((1-a.beta2)*g)*g)
			mhat, vhat := m[i]/(1-a.beta1t), v[i]/(1-a.beta2t)
			p.Value[i] -= float64(rate*mhat) / (math.Sqrt(vhat) + a.epsilon)
		}
		clear(p.grad)
	}
}

// MarshalBinary encodes the saved tensors (parameters, then running
// statistics) as little-endian float32 values.
func (n *MobileNet) MarshalBinary() ([]byte, error) { return marshalParams(n.saved()), nil }

// UnmarshalBinary sets the saved tensors from MarshalBinary's encoding.
func (n *MobileNet) UnmarshalBinary(b []byte) error {
	return unmarshalParams(n.saved(), b, n.Name+" weights", "tensors")
}

// Logits returns the ten scores of each image, with the running batch
// statistics.
func (n *MobileNet) Logits(ims []Image) [][]float64 {
	zs := n.logits(inputs(ims), false)
	out := make([][]float64, len(zs))
	for i, z := range zs {
		out[i] = append([]float64(nil), z...)
	}
	return out
}
