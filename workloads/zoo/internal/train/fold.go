package train

// FoldedConv is one convolution of the inference network, its batch
// normalisation folded in: weights scaled per output channel and a bias,
// laid out as the workloads IR lays them out ([outC, k, k, inC], depthwise
// [1, k, k, C]).
type FoldedConv struct {
	Name      string
	Depthwise bool
	// K is the square filter's side; OutC the output channels.
	K, Stride, OutC int
	ReLU6           bool
	Weights, Bias   []float32
	// Gamma and Beta are the batch normalisation's trained gain and shift
	// per channel, kept for the statistics of synthetic networks.
	Gamma, Beta []float32
}

// FoldedBlock is an inverted residual block of the inference network.
type FoldedBlock struct {
	Name     string
	Convs    []FoldedConv
	Residual bool
}

// FoldedMobileNet is the inference network: the stem, the blocks, the
// head convolution, then a global average pool and the fully connected
// classifier.
type FoldedMobileNet struct {
	Stem              FoldedConv
	Blocks            []FoldedBlock
	Head              FoldedConv
	FCWeights, FCBias []float32
}

// Fold returns the inference network, each batch normalisation folded into
// the convolution before it: with s = gamma / sqrt(variance + epsilon) per
// output channel, w' = s w and b' = beta - s mean.
func (n *MobileNet) Fold() *FoldedMobileNet {
	f := &FoldedMobileNet{Stem: foldUnit(n.stem), Head: foldUnit(n.head),
		FCWeights: n.fc.weights.Float32(), FCBias: n.fc.bias.Float32()}
	for _, b := range n.blocks {
		fb := FoldedBlock{Name: b.name, Residual: b.residual}
		for _, u := range b.units {
			fb.Convs = append(fb.Convs, foldUnit(u))
		}
		f.Blocks = append(f.Blocks, fb)
	}
	return f
}

func foldUnit(u *convUnit) FoldedConv {
	scale, shift := u.bn.fold()
	w := u.conv.params()[0]
	fc := FoldedConv{Name: u.name, Depthwise: u.depthwise, K: u.geo.k, Stride: u.geo.stride, OutC: u.outC,
		ReLU6: u.bn.relu6, Weights: make([]float32, len(w.Value)), Bias: make([]float32, u.outC),
		Gamma: u.bn.gamma.Float32(), Beta: u.bn.beta.Float32()}
	for i, x := range w.Value {
		ch := i / (len(w.Value) / u.outC)
		if u.depthwise {
			ch = i % u.outC
		}
		fc.Weights[i] = float32(x * scale[ch])
	}
	for ch, b := range shift {
		fc.Bias[ch] = float32(b)
	}
	return fc
}
