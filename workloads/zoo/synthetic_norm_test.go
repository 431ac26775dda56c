package zoo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/workloads"
)

// layerRMS runs the float model on one image and returns the root mean
// square of every convolution's and fully connected layer's output.
func layerRMS(t *testing.T, fm *workloads.FloatModel, image []float32) []float64 {
	t.Helper()
	v, err := fm.Run([][]float32{image})
	if err != nil {
		t.Fatal(err)
	}
	var rms []float64
	for _, op := range fm.Ops {
		if op.Kind.HasWeights() {
			s := 0.0
			for _, x := range v[op.Output] {
				s += float64(x) * float64(x)
			}
			rms = append(rms, math.Sqrt(s/float64(len(v[op.Output]))))
		}
	}
	return rms
}

// TestSyntheticActivationsKeepTheirScale builds MobileNet v2's synthetic
// weights, measures the scale of every layer's output on an image before
// and after normalizeSynthetic, and checks that afterwards every layer's
// activations stay on one scale (root mean square between 0.2 and 1.5,
// where the weights drawn layer by layer range over 0.31 to 2.73).
func TestSyntheticActivationsKeepTheirScale(t *testing.T) {
	if testing.Short() {
		t.Skip("MobileNet v2 at 224x224 in float takes seconds")
	}
	fm := mobileNetV2("mobilenet-v2")
	in := fm.Tensors[fm.Inputs[0]].Shape
	images := smoothImages(imageCalibrationImages, in[1], in[2], in[3], imageCalibrationSeed)
	before := layerRMS(t, fm, images[0])
	stats, err := trainedNormStats()
	if err != nil {
		t.Fatal(err)
	}
	if err := normalizeSynthetic(fm, images, stats, rand.New(rand.NewPCG(1, 2))); err != nil {
		t.Fatal(err)
	}
	after := layerRMS(t, fm, images[0])
	spread := func(xs []float64) (lo, hi float64) {
		lo, hi = math.Inf(1), 0
		for _, x := range xs[:len(xs)-1] { // the classifier's logits aside
			lo, hi = min(lo, x), max(hi, x)
		}
		return lo, hi
	}
	lo0, hi0 := spread(before)
	lo, hi := spread(after)
	t.Logf("layer output RMS before %.3g..%.3g, after %.3g..%.3g", lo0, hi0, lo, hi)
	if lo < 0.2 || hi > 1.5 {
		t.Errorf("after normalization the layers' output RMS ranges over %.3g..%.3g, want within 0.2..1.5", lo, hi)
	}
	if hi0/lo0 < 2*hi/lo {
		t.Errorf("before normalization the layers' output RMS ranges over %.3g..%.3g, less than twice the spread after", lo0, hi0)
	}
}
