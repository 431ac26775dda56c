package zoo

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// The zoo's ImageNet classifiers (MobileNet v1 and v2, ResNet-18) are real
// topologies with seeded synthetic weights: their layers, MACs and parameter
// counts are those of the published networks, their weights the Builder's
// He-scaled normals with a folded batch normalisation, so they classify
// nothing in particular. They are calibrated on, and ship with, seeded
// synthetic images.

// Calibration and input-set sizes of the ImageNet classifiers. Calibration
// runs the float model once per image, 1.8 G MACs for ResNet-18, so it uses
// a few images only; the input set is four other images.
const (
	imageCalibrationImages = 3
	imageInputImages       = 4
)

// Seeds of the calibration and input images (the same for every classifier,
// distinct from each other).
const (
	imageCalibrationSeed = 0xca1b
	imageInputSeed       = 0x1e57
)

// smoothImages draws n seeded synthetic images of h x w x c (NHWC, batch 1),
// smooth and image-like: a few low-frequency sinusoids shared by the
// channels (colour channels are correlated), a weaker field of each
// channel's own and a little pixel noise, each image stretched to [-1, 1]
// as MobileNet's preprocessing does.
func smoothImages(n, h, w, c int, seed uint64) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 0x696d616765))
	images := make([][]float32, n)
	for i := range images {
		img := make([]float32, h*w*c)
		shared := newWaveField(rng, 4, 1)
		own := make([]waveField, c)
		for ch := range own {
			own[ch] = newWaveField(rng, 3, 0.5)
		}
		for y := range h {
			fy := float64(y) / float64(h)
			for x := range w {
				fx := float64(x) / float64(w)
				base := shared.at(fx, fy)
				for ch := range c {
					img[(y*w+x)*c+ch] = float32(base + own[ch].at(fx, fy) + 0.05*rng.NormFloat64())
				}
			}
		}
		images[i] = stretch(img)
	}
	return images
}

// waveField is a sum of plane waves over the unit square.
type waveField []wave

// wave is amp * sin(2 pi (fx x + fy y) + phase), frequencies in cycles per
// image.
type wave struct{ amp, fx, fy, phase float64 }

// newWaveField draws n waves of 0.5 to 4 cycles per image in random
// directions, with amplitudes up to amp.
func newWaveField(rng *rand.Rand, n int, amp float64) waveField {
	f := make(waveField, n)
	for k := range f {
		freq := 0.5 + 3.5*rng.Float64()
		dir := 2 * math.Pi * rng.Float64()
		f[k] = wave{amp: amp * (0.3 + 0.7*rng.Float64()), fx: freq * math.Cos(dir), fy: freq * math.Sin(dir),
			phase: 2 * math.Pi * rng.Float64()}
	}
	return f
}

// at is the field's value at (x, y).
func (f waveField) at(x, y float64) float64 {
	s := 0.0
	for _, w := range f {
		s += w.amp * math.Sin(2*math.Pi*(w.fx*x+w.fy*y)+w.phase)
	}
	return s
}

// stretch maps an image linearly onto [-1, 1], its minimum to -1 and its
// maximum to 1.
func stretch(img []float32) []float32 {
	lo, hi := img[0], img[0]
	for _, x := range img {
		lo, hi = min(lo, x), max(hi, x)
	}
	for i, x := range img {
		img[i] = 2*(x-lo)/(hi-lo) - 1
	}
	return img
}

// imageClassifier quantizes an ImageNet classifier on seeded calibration
// images and ships a seeded input set of other images.
func imageClassifier(fm *workloads.FloatModel, name, source string) (*workloads.Workload, error) {
	in := fm.Tensors[fm.Inputs[0]].Shape
	if len(in) != 4 || in[0] != 1 {
		return nil, fmt.Errorf("model %s: input shape %v, want [1 h w c]", fm.Name, in)
	}
	images := smoothImages(imageCalibrationImages, in[1], in[2], in[3], imageCalibrationSeed)
	stats, err := trainedNormStats()
	if err != nil {
		return nil, err
	}
	if err := normalizeSynthetic(fm, images, stats, rand.New(rand.NewPCG(imageCalibrationSeed, 0x6e6f726d))); err != nil {
		return nil, err
	}
	var calibration [][][]float32
	for _, img := range images {
		calibration = append(calibration, [][]float32{img})
	}
	m, err := workloads.Quantize(fm, calibration)
	if err != nil {
		return nil, err
	}
	var inputs [][]*quant.Tensor
	for _, img := range smoothImages(imageInputImages, in[1], in[2], in[3], imageInputSeed) {
		inputs = append(inputs, []*quant.Tensor{workloads.QuantizeInput(m.Tensors[m.Inputs[0]], img)})
	}
	return &workloads.Workload{Description: Describe(name), Source: source, Synthetic: true,
		Caveat: workloads.SyntheticCaveat, Task: workloads.Classifier, Model: m, Inputs: inputs}, nil
}
