package train

import (
	"bytes"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// tinyMobileNet has every kind of layer of the fashion network (strided
// stem and depthwise, expansion, projection, residual add) at a size
// whose gradients can be checked by finite differences.
func tinyMobileNet() *MobileNet {
	return NewMobileNet("tiny", MobileNetSpec{StemChannels: 3, StemStride: 2,
		Blocks:       []BlockSpec{{1, 3, 2}, {2, 4, 1}, {2, 4, 1}},
		HeadChannels: 5}, AdamConfig{Epochs: 1, BatchSize: 3, LearningRate: 0.01, Seed: 5})
}

// TestMobileNetGradients checks backpropagation through batch
// normalisation (in training mode, where the batch statistics depend on
// every image), ReLU6, depthwise and pointwise convolutions, the residual
// add, the pool and the classifier against central differences of the
// batch's mean loss.
func TestMobileNetGradients(t *testing.T) {
	n := tinyMobileNet()
	n.initialise(rand.New(rand.NewPCG(3, 0)))
	rng := rand.New(rand.NewPCG(4, 0))
	for _, p := range n.Params() { // gains and shifts away from their initial 1 and 0
		if len(p.Shape) == 1 {
			for i := range p.Value {
				p.Value[i] += 0.3 * (rng.Float64() - 0.5)
			}
		}
	}
	batch := randomImages(3, 9)
	n.trainStep(batch)
	loss := func() float64 {
		zs := n.logits(inputs(batch), true)
		s := 0.0
		for i, z := range zs {
			_, l := softmaxCrossEntropy(z, batch[i].Label)
			s += l
		}
		return s / float64(len(zs))
	}
	const h = 1e-5
	for _, p := range n.Params() {
		for _, i := range []int{0, len(p.Value) / 3, len(p.Value) - 1} {
			v := p.Value[i]
			p.Value[i] = v + h
			up := loss()
			p.Value[i] = v - h
			down := loss()
			p.Value[i] = v
			numeric := (up - down) / (2 * h)
			if math.Abs(numeric-p.grad[i]) > 1e-6+1e-3*math.Abs(numeric) {
				t.Errorf("%s[%d]: backprop %g, central difference %g", p.Name, i, p.grad[i], numeric)
			}
		}
	}
}

// TestFoldMatchesInference checks that the folded network (batch
// normalisation folded into the convolutions) computes what the trained
// network computes at inference, by running both on a few images with the
// folded weights in a network whose normalisations are the identity.
func TestFoldMatchesInference(t *testing.T) {
	n := tinyMobileNet()
	n.Fit(randomImages(12, 1), nil)
	ims := randomImages(4, 2)
	want := n.logits(inputs(ims), false)
	wantCopy := make([][]float64, len(want))
	for i := range want {
		wantCopy[i] = append([]float64(nil), want[i]...)
	}
	f := n.Fold()
	id := tinyMobileNet()
	set := func(u *convUnit, fc FoldedConv) {
		for i, w := range fc.Weights {
			u.conv.params()[0].Value[i] = float64(w)
		}
		for ch, b := range fc.Bias {
			u.bn.gamma.Value[ch], u.bn.beta.Value[ch] = 1, float64(b)
			u.bn.mean.Value[ch], u.bn.variance.Value[ch] = 0, 1-normEpsilon
		}
	}
	set(id.stem, f.Stem)
	set(id.head, f.Head)
	for bi, b := range id.blocks {
		for ui, u := range b.units {
			set(u, f.Blocks[bi].Convs[ui])
		}
	}
	copy(id.fc.weights.Value, n.fc.weights.Value)
	copy(id.fc.bias.Value, n.fc.bias.Value)
	got := id.logits(inputs(ims), false)
	for i := range got {
		for k := range got[i] {
			if d := math.Abs(got[i][k] - wantCopy[i][k]); d > 1e-4*(1+math.Abs(wantCopy[i][k])) {
				t.Errorf("image %d logit %d: folded %g, trained %g", i, k, got[i][k], wantCopy[i][k])
			}
		}
	}
}

// TestTrainingIsDeterministic trains the tiny network and a tiny language
// model on one goroutine and on several: the per-image gradients are
// summed in image order whatever the number of goroutines, so the weights
// must be the same bits.
func TestTrainingIsDeterministic(t *testing.T) {
	ims := randomImages(24, 7)
	text, err := Encode("in the beginning god created the heaven and the earth. and the earth was without form, and void;")
	if err != nil {
		t.Fatal(err)
	}
	weights := func(procs int) (cnn, lm []byte) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		n := tinyMobileNet()
		n.Config.Epochs = 2
		n.Fit(ims, nil)
		m := NewCharLM("tiny", 8, LMConfig{Steps: 6, BatchSize: 5, SegmentLength: 12, LearningRate: 0.01, ClipNorm: 1, Seed: 3})
		m.Fit(text, 1, nil)
		cnn, _ = n.MarshalBinary()
		lm, _ = m.MarshalBinary()
		return cnn, lm
	}
	cnn1, lm1 := weights(1)
	cnn4, lm4 := weights(4)
	if !bytes.Equal(cnn1, cnn4) {
		t.Error("the MobileNet trained on 1 and on 4 goroutines differs")
	}
	if !bytes.Equal(lm1, lm4) {
		t.Error("the language model trained on 1 and on 4 goroutines differs")
	}
}
