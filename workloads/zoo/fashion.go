package zoo

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/npusim/npusim/workloads"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads/zoo/internal/train"
)

// The fashion-mobilenet workload is a MobileNet v2-style network trained
// in Go (package train) on Fashion-MNIST's 60,000 training images (Xiao,
// Rasul and Vollgraf 2017; data/README.md gives the provenance and
// licence). The repository keeps its trained weights and two small
// subsets of the data: the first 200 training images, on which the
// quantization is calibrated, and the first 1,000 test images, on which
// it is evaluated. Regenerate all three with
//
//	go generate ./workloads/zoo
//
// (with Debian's dataset-fashion-mnist installed; from the repository root,
// go run ./workloads/internal/train/cmd/trainfashion).
//
//go:generate go run ./internal/train/cmd/trainfashion -dir data -quiet

var (
	//go:embed data/fashion-mobilenet.f32
	fashionWeights []byte
	//go:embed data/fashion-test-images.idx3.gz
	fashionTestImages []byte
	//go:embed data/fashion-test-labels.idx1.gz
	fashionTestLabels []byte
	//go:embed data/fashion-calibration-images.idx3.gz
	fashionCalibrationImages []byte
	//go:embed data/fashion-calibration-labels.idx1.gz
	fashionCalibrationLabels []byte
)

// FashionDefaultImages is the number of test images the fashion-mobilenet
// workload runs unless its images option says otherwise (all 1,000
// committed images: fashion-mobilenet:images=1000).
const FashionDefaultImages = 200

const (
	fashionSource = "MobileNetV2-style inverted residual blocks (Sandler et al. 2018, arXiv:1801.04381) at 28x28, " +
		"trained in Go (workloads/internal/train, Adam, batch norm folded before quantization)"
	fashionData = "Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, arXiv:1708.07747; Zalando SE, MIT licence): " +
		"trained on the 60,000 training images, quantization calibrated on the first 200 of them, " +
		"inputs the first %d of the 10,000 test images, with their labels"
)

func init() {
	register("fashion-mobilenet", "a trained MobileNet v2-style classifier of 28x28 Fashion-MNIST clothing images: "+
		"3x3 stem, 10 inverted residual blocks (1x1 expand, 3x3 depthwise, linear 1x1 project, ReLU6, residual adds), "+
		"1x1 head, average pool, fully connected 10, softmax; real test images with labels",
		map[string]int{"images": FashionDefaultImages}, buildFashion)
}

// fashionNet returns the fashion-mobilenet network with its committed
// weights, before folding and quantization.
func fashionNet() (*train.MobileNet, error) {
	n := train.FashionMobileNet()
	if err := n.UnmarshalBinary(fashionWeights); err != nil {
		return nil, err
	}
	return n, nil
}

// fashionImages returns the committed test images (set "test") or
// calibration images (set "calibration").
func fashionImages(set string) ([]train.Image, error) {
	images, labels := fashionTestImages, fashionTestLabels
	if set == "calibration" {
		images, labels = fashionCalibrationImages, fashionCalibrationLabels
	}
	ims, err := train.ReadImages(bytes.NewReader(images), bytes.NewReader(labels))
	if err != nil {
		return nil, fmt.Errorf("fashion %s images: %w", set, err)
	}
	return ims, nil
}

// fashionFloat builds the float model of the folded network.
func fashionFloat(f *train.FoldedMobileNet) *workloads.FloatModel {
	b := workloads.NewBuilder("fashion-mobilenet", 0)
	x := b.Input("image", 1, train.Side, train.Side, 1)
	conv := func(x int, c train.FoldedConv) int {
		act := quant.ActNone
		if c.ReLU6 {
			act = quant.ActRelu6
		}
		if c.Depthwise {
			return b.DepthwiseWith(c.Name, x, c.K, c.Stride, workloads.Same, act, c.Weights, c.Bias)
		}
		return b.ConvWith(c.Name, x, c.OutC, c.K, c.K, c.Stride, workloads.Same, act, c.Weights, c.Bias)
	}
	x = conv(x, f.Stem)
	for _, blk := range f.Blocks {
		in := x
		for _, c := range blk.Convs {
			x = conv(x, c)
		}
		if blk.Residual {
			x = b.Add(blk.Name+"/add", in, x, quant.ActNone)
		}
	}
	x = conv(x, f.Head)
	x = b.GlobalAveragePool("pool", x)
	x = b.Reshape("flatten", x, 1, b.Shape(x)[3])
	x = b.FCWith("logits", x, train.Classes, quant.ActNone, f.FCWeights, f.FCBias)
	return b.Build(Describe("fashion-mobilenet"), b.Softmax("probabilities", x, 1))
}

// fashionInput is an image as the float model's input: pixel/255, in [0, 1].
func fashionInput(im *train.Image) []float32 {
	x := make([]float32, len(im.Pixels))
	for i, p := range im.Pixels {
		x[i] = float32(p) / 255
	}
	return x
}

// buildFashion quantizes the trained network, calibrated on the committed
// training images, and ships the first opts["images"] committed test
// images with their labels.
func buildFashion(opts map[string]int) (*workloads.Workload, error) {
	n, err := fashionNet()
	if err != nil {
		return nil, err
	}
	fm := fashionFloat(n.Fold())
	cal, err := fashionImages("calibration")
	if err != nil {
		return nil, err
	}
	test, err := fashionImages("test")
	if err != nil {
		return nil, err
	}
	count := opts["images"]
	if count > len(test) {
		return nil, fmt.Errorf("workload fashion-mobilenet: images=%d, but only %d test images are committed",
			count, len(test))
	}
	calibration := make([][][]float32, len(cal))
	for i := range cal {
		calibration[i] = [][]float32{fashionInput(&cal[i])}
	}
	m, err := workloads.Quantize(fm, calibration)
	if err != nil {
		return nil, err
	}
	w := &workloads.Workload{Description: Describe("fashion-mobilenet"), Source: fashionSource,
		Data: fmt.Sprintf(fashionData, count), Task: workloads.Classifier, Model: m}
	in := m.Tensors[m.Inputs[0]]
	for i := range test[:count] {
		w.Inputs = append(w.Inputs, []*quant.Tensor{workloads.QuantizeInput(in, fashionInput(&test[i]))})
		w.Labels = append(w.Labels, test[i].Label)
	}
	return w, nil
}
