package train

import (
	"math/rand/v2"
	"testing"
)

func randomImages(n int, seed uint64) []Image {
	rng := rand.New(rand.NewPCG(seed, 0))
	ims := make([]Image, n)
	for i := range ims {
		for p := range ims[i].Pixels {
			ims[i].Pixels[p] = uint8(rng.Uint32())
		}
		ims[i].Label = rng.IntN(Classes)
	}
	return ims
}

// BenchmarkFashionTrainStep times one training step of the fashion
// network on a batch of its configured size.
func BenchmarkFashionTrainStep(b *testing.B) {
	n := FashionMobileNet()
	n.initialise(rand.New(rand.NewPCG(1, 0)))
	batch := randomImages(n.Config.BatchSize, 2)
	opt := newAdam(n.Params())
	for b.Loop() {
		n.trainStep(batch)
		opt.step(1e-3)
	}
}
