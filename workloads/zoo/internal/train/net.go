package train

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Config is how a network is trained.
type Config struct {
	// Epochs is the number of passes over the training set, each in a
	// fresh shuffled order.
	Epochs int
	// BatchSize is the number of images whose gradients are averaged into
	// one step.
	BatchSize int
	// LearningRate is the step size of the first epoch; it falls linearly
	// over the epochs to LearningRate/Epochs in the last one.
	LearningRate float64
	// Momentum is the share of the previous step that carries into the
	// next (0 is plain SGD).
	Momentum float64
	// Seed fixes the initial weights and the shuffles.
	Seed uint64
}

// Net is a feed-forward classifier of digits: layers ending in ten logits,
// trained on the softmax cross-entropy loss.
type Net struct {
	Name   string
	Config Config
	layers []layer
}

// MLP returns the untrained digits-mlp network: 64 inputs, a fully
// connected layer of 32 ReLU units, and a fully connected layer of 10
// logits.
func MLP() *Net {
	return &Net{
		Name:   "digits-mlp",
		Config: Config{Epochs: 40, BatchSize: 16, LearningRate: 0.05, Momentum: 0.9, Seed: 1},
		layers: []layer{
			newDense("fc1", Pixels, 32, true),
			newDense("fc2", 32, Classes, false),
		},
	}
}

// CNN returns the untrained digits-cnn network on an 8x8x1 image: a 3x3
// convolution to 8 channels with ReLU, a 2x2 max pool, a 3x3 convolution to
// 16 channels with ReLU, a 2x2 max pool, and a fully connected layer from
// the 2x2x16 features to 10 logits.
func CNN() *Net {
	return &Net{
		Name:   "digits-cnn",
		Config: Config{Epochs: 30, BatchSize: 16, LearningRate: 0.05, Momentum: 0.9, Seed: 1},
		layers: []layer{
			newConv("conv1", 8, 8, 1, 8, 3, true),
			newMaxPool(8, 8, 8),
			newConv("conv2", 4, 4, 8, 16, 3, true),
			newMaxPool(4, 4, 16),
			newDense("fc", 2*2*16, Classes, false),
		},
	}
}

// Params lists the network's parameters in layer order, each layer's
// weights before its bias.
func (n *Net) Params() []*Param {
	var ps []*Param
	for _, l := range n.layers {
		ps = append(ps, l.params()...)
	}
	return ps
}

// Param returns the parameter with the given name, or nil.
func (n *Net) Param(name string) *Param {
	for _, p := range n.Params() {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Logits runs the network on one input and returns its ten scores.
func (n *Net) Logits(x []float64) []float64 {
	for _, l := range n.layers {
		x = l.forward(x)
	}
	return x
}

// Predict returns the class with the highest score (the first on a tie).
func (n *Net) Predict(d Digit) int {
	z := n.Logits(d.Input())
	return slices.Index(z, slices.Max(z))
}

// Accuracy is the share of the digits the network classifies correctly.
func (n *Net) Accuracy(ds []Digit) float64 {
	right := 0
	for _, d := range ds {
		if n.Predict(d) == d.Label {
			right++
		}
	}
	return float64(right) / float64(len(ds))
}

// Fit initialises the network from Config.Seed and trains it on the digits
// with minibatch SGD and momentum. After each epoch it calls progress, if
// not nil, with the epoch (from 1) and the epoch's mean training loss.
func (n *Net) Fit(ds []Digit, progress func(epoch int, loss float64)) {
	cfg := n.Config
	rng := rand.New(rand.NewPCG(cfg.Seed, 0))
	n.initialise(rng)
	inputs := make([][]float64, len(ds))
	for i, d := range ds {
		inputs[i] = d.Input()
	}
	order := make([]int, len(ds))
	for i := range order {
		order[i] = i
	}
	for epoch := range cfg.Epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		rate := cfg.LearningRate * float64(cfg.Epochs-epoch) / float64(cfg.Epochs)
		loss := 0.0
		for start := 0; start < len(order); start += cfg.BatchSize {
			batch := order[start:min(start+cfg.BatchSize, len(order))]
			for _, i := range batch {
				loss += n.backprop(inputs[i], ds[i].Label)
			}
			n.step(rate/float64(len(batch)), cfg.Momentum)
		}
		if progress != nil {
			progress(epoch+1, loss/float64(len(ds)))
		}
	}
}

// initialise draws He-uniform weights, uniform on ±sqrt(6/fanIn), and
// zero biases, from integer draws, whose bits do not depend on the machine.
func (n *Net) initialise(rng *rand.Rand) {
	for _, l := range n.layers {
		ps := l.params()
		if len(ps) == 0 {
			continue
		}
		w, b := ps[0], ps[1]
		limit := math.Sqrt(6 / float64(len(w.Value)/w.Shape[0]))
		for i := range w.Value {
			u := float64(float64(rng.Uint64()>>11)/(1<<52)) - 1 // uniform on [-1, 1), exact
			w.Value[i] = u * limit
		}
		clear(b.Value)
		for _, p := range ps {
			clear(p.grad)
			clear(p.velocity)
		}
	}
}

// backprop runs one image forward and back, adds its gradients into the
// parameters' grad, and returns its loss.
func (n *Net) backprop(x []float64, label int) float64 {
	z := n.Logits(x)
	// Softmax cross-entropy: the gradient with respect to the logits is
	// the probabilities minus the one-hot label.
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
	loss := -math.Log(p[label]) // reported only: math.Log is not bit-portable
	p[label]--
	g := p
	for i := len(n.layers) - 1; i >= 0; i-- {
		g = n.layers[i].backward(g)
	}
	return loss
}

// step moves every parameter by its velocity, v = momentum v - rate grad,
// and clears the gradients.
func (n *Net) step(rate, momentum float64) {
	for _, p := range n.Params() {
		for i, g := range p.grad {
			p.velocity[i] = float64(momentum*p.velocity[i]) - float64(rate*g)
			p.Value[i] += p.velocity[i]
		}
		clear(p.grad)
	}
}

// MarshalBinary encodes the parameters, in Params order, as little-endian
// float32 values.
func (n *Net) MarshalBinary() ([]byte, error) { return marshalParams(n.Params()), nil }

// UnmarshalBinary sets the parameters from MarshalBinary's encoding.
func (n *Net) UnmarshalBinary(b []byte) error {
	return unmarshalParams(n.Params(), b, n.Name+" weights", "parameter tensors")
}
