package zoo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/npusim/npusim/workloads"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads/zoo/internal/train"
)

// Synthetic weights drawn independently layer after layer (He-scaled
// normals) let activations drift in scale through depth: some channels
// die, others saturate ReLU6, and a one-LSB difference early on grows to
// full scale, which no trained network does. A trained network does not
// drift because batch normalisation, folded into its weights, sets each
// channel's pre-activation to a learnt mean and spread on the training
// data. normalizeSynthetic does the same to synthetic weights: layer by
// layer in the order the model runs, it measures the pre-activations on
// calibration images and rescales the weights and biases so that each
// channel's mean becomes a shift, and the layer's spread a gain, drawn from
// a trained network's batch normalisations. The spread is set per layer,
// not per channel: scaling each channel to a set spread would multiply the
// channels whose filters see little of the (smooth, correlated) signal, and
// every small difference with them.

// normStats are the trained batch-normalisation gains and shifts that
// synthetic layers draw from, pooled by the kind of layer: depthwise
// convolutions, convolutions followed by an activation, and linear
// convolutions (projections, the ends of residual branches, classifiers).
type normStats struct {
	depthwise, activated, linear, residual []gainShift
	// logits holds the spread of the trained network's logits over its
	// calibration images, with no shift.
	logits []gainShift
	// kernels are the trained depthwise filters, each scaled to unit norm.
	kernels [][]float64
}

type gainShift struct{ gain, shift float64 }

var (
	trainedNormOnce sync.Once
	trainedNorm     *normStats
	trainedNormErr  error
)

// trainedNormStats pools the batch normalisations of the trained
// fashion-mobilenet network.
func trainedNormStats() (*normStats, error) {
	trainedNormOnce.Do(func() {
		n, err := fashionNet()
		if err != nil {
			trainedNormErr = err
			return
		}
		f := n.Fold()
		s := &normStats{}
		convs := []train.FoldedConv{f.Stem, f.Head}
		residual := map[string]bool{}
		for _, b := range f.Blocks {
			convs = append(convs, b.Convs...)
			residual[b.Convs[len(b.Convs)-1].Name] = b.Residual
		}
		for _, c := range convs {
			pool := &s.linear
			switch {
			case c.Depthwise:
				pool = &s.depthwise
			case c.ReLU6:
				pool = &s.activated
			case residual[c.Name]:
				pool = &s.residual
			}
			for ch := range c.Gamma {
				*pool = append(*pool, gainShift{math.Abs(float64(c.Gamma[ch])), float64(c.Beta[ch])})
			}
			if c.Depthwise {
				s.kernels = append(s.kernels, unitKernels(c)...)
			}
		}
		cal, err := fashionImages("calibration")
		if err != nil {
			trainedNormErr = err
			return
		}
		s.logits = []gainShift{{gain: logitSpread(n.Logits(cal))}}
		trainedNorm = s
	})
	return trainedNorm, trainedNormErr
}

// logitSpread is the standard deviation of every logit of every image.
func logitSpread(zs [][]float64) float64 {
	sum, sq, n := 0.0, 0.0, 0.0
	for _, z := range zs {
		for _, x := range z {
			sum, n = sum+x, n+1
		}
	}
	for _, z := range zs {
		for _, x := range z {
			sq += (x - sum/n) * (x - sum/n)
		}
	}
	return math.Sqrt(sq / n)
}

// unitKernels returns a trained depthwise layer's filters, one per
// channel, each divided by its Euclidean norm.
func unitKernels(c train.FoldedConv) [][]float64 {
	taps := c.K * c.K
	ks := make([][]float64, c.OutC)
	for ch := range ks {
		k := make([]float64, taps)
		norm := 0.0
		for t := range taps {
			k[t] = float64(c.Weights[t*c.OutC+ch])
			norm += k[t] * k[t]
		}
		for t := range k {
			k[t] /= max(math.Sqrt(norm), 1e-12)
		}
		ks[ch] = k
	}
	return ks
}

// drawKernels replaces each channel's filter of a synthetic depthwise
// layer by a trained one drawn from rng, when their sizes agree: random
// filters are high-pass (their taps sum to about zero), which on smooth
// images leaves little signal for the normalization to scale up, and
// amplifies every small difference with it; trained filters mix smoothing
// with edges.
func (s *normStats) drawKernels(w *workloads.FloatTensor, rng *rand.Rand) {
	c, taps := w.Shape[3], w.Shape[1]*w.Shape[2]
	if len(s.kernels) == 0 || len(s.kernels[0]) != taps {
		return
	}
	for ch := range c {
		k := s.kernels[rng.IntN(len(s.kernels))]
		for t := range taps {
			w.Data[t*c+ch] = float32(k[t])
		}
	}
}

// pool returns the statistics an op draws from; branch says whether its
// output ends a residual branch (an ADD reads it).
func (s *normStats) pool(op *workloads.Op, branch bool) []gainShift {
	switch {
	case op.Kind == workloads.DepthwiseConv2D:
		return s.depthwise
	case op.Activation != quant.ActNone:
		return s.activated
	case branch:
		return s.residual
	}
	return s.linear
}

// normalizeSynthetic rescales every convolution and fully connected layer
// of fm in place so that, over the images, output channel c's
// pre-activation has mean shift_c and standard deviation gain_c s_c/s, where
// (gain_c, shift_c) is drawn from rng out of the pool of trained statistics
// of its kind of layer, s_c is the channel's spread before and s the
// layer's (the root mean square of the s_c). The classifier (the last
// layer with weights, which has no batch normalization) draws from the
// spread of the trained network's logits instead. Depthwise filters are
// first replaced by trained ones (drawKernels).
func normalizeSynthetic(fm *workloads.FloatModel, images [][]float32, s *normStats, rng *rand.Rand) error {
	values := make([][][]float32, len(images))
	for k, img := range images {
		if len(fm.Inputs) != 1 || len(img) != quant.NumElements(fm.Tensors[fm.Inputs[0]].Shape) {
			return fmt.Errorf("model %s: normalization takes one input of %v", fm.Name, fm.Tensors[fm.Inputs[0]].Shape)
		}
		values[k] = make([][]float32, len(fm.Tensors))
		for i, t := range fm.Tensors {
			values[k][i] = t.Data
		}
		values[k][fm.Inputs[0]] = img
	}
	added := map[int]bool{} // tensors an ADD reads
	for _, op := range fm.Ops {
		if op.Kind == workloads.Add {
			for _, i := range op.Inputs {
				added[i] = true
			}
		}
	}
	classifier := -1 // the last layer with weights
	for i, op := range fm.Ops {
		if op.Kind.HasWeights() {
			classifier = i
		}
	}
	for i, op := range fm.Ops {
		if !op.Kind.HasWeights() {
			for k := range values {
				values[k][op.Output] = fm.RunOp(op, values[k])
			}
			continue
		}
		if op.Kind == workloads.DepthwiseConv2D {
			s.drawKernels(fm.Tensors[op.Inputs[1]], rng)
		}
		linear := *op
		linear.Activation = quant.ActNone
		for k := range values {
			values[k][op.Output] = fm.RunOp(&linear, values[k])
		}
		pool := s.pool(op, added[op.Output])
		if i == classifier {
			pool = s.logits
		}
		normalizeLayer(fm, op, values, pool, rng)
	}
	return nil
}

// normalizeLayer rescales one layer whose pre-activation outputs on every
// image are in values, and turns those outputs into the rescaled layer's.
func normalizeLayer(fm *workloads.FloatModel, op *workloads.Op, values [][][]float32,
	pool []gainShift, rng *rand.Rand) {
	out := fm.Tensors[op.Output].Shape
	c := out[len(out)-1]
	sum, sq := make([]float64, c), make([]float64, c)
	n := 0.0
	for _, v := range values {
		for i, x := range v[op.Output] {
			sum[i%c] += float64(x)
		}
		n += float64(len(v[op.Output]) / c)
	}
	for _, v := range values {
		for i, x := range v[op.Output] {
			d := float64(x) - sum[i%c]/n
			sq[i%c] += d * d
		}
	}
	w, b := fm.Tensors[op.Inputs[1]], fm.Tensors[op.Inputs[2]]
	scale, shift := make([]float64, c), make([]float64, c)
	layerVar := 0.0
	for ch := range c {
		layerVar += sq[ch] / n / float64(c)
	}
	layerStd := max(math.Sqrt(layerVar), 1e-6)
	for ch := range c {
		gs := pool[rng.IntN(len(pool))]
		mean := sum[ch] / n
		scale[ch] = gs.gain / layerStd
		shift[ch] = gs.shift - mean*scale[ch]
		b.Data[ch] = float32(float64(b.Data[ch])*scale[ch] + shift[ch])
	}
	per := len(w.Data) / c
	for i := range w.Data {
		ch := i / per
		if op.Kind == workloads.DepthwiseConv2D {
			ch = i % c
		}
		w.Data[i] = float32(float64(w.Data[i]) * scale[ch])
	}
	for _, v := range values {
		y := v[op.Output]
		for i, x := range y {
			y[i] = workloads.Activate(float32(float64(x)*scale[i%c]+shift[i%c]), op.Activation)
		}
	}
}
