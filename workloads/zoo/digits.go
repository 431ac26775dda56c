package zoo

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo/internal/train"
)

// The digits workloads are small classifiers trained on real data: the UCI
// handwritten digits (data/README.md gives the provenance and licence),
// split 70/30 by train.Split. Their float weights were trained by package
// train and are committed; regenerate them with
//
//	go generate ./workloads/zoo
//
// (or, from the repository root, go run ./workloads/zoo/internal/train/cmd/traindigits).
// Loading a digits workload does not train: it builds the float model from
// the committed weights, quantizes it calibrated on the training images, and
// ships the test images with their labels.
//
//go:generate go run ./internal/train/cmd/traindigits -dir data -quiet

var (
	//go:embed data/digits.csv.gz
	digitsCSV []byte
	//go:embed data/digits-mlp.f32
	digitsMLPWeights []byte
	//go:embed data/digits-cnn.f32
	digitsCNNWeights []byte
)

const digitsSource = `trained in Go (workloads/zoo/internal/train) on ` +
	`UCI "Optical Recognition of Handwritten Digits" (Alpaydin and Kaynak, 1998; CC BY 4.0)`

func init() {
	register("digits-mlp", "a trained classifier of 8x8 handwritten digits: fully connected 64 -> 32 (relu) -> 10, "+
		"softmax; the 539 labelled test images of UCI optical digits",
		nil, func(map[string]int) (*workloads.Workload, error) { return buildDigits("digits-mlp") })
	register("digits-cnn", "a trained CNN of 8x8 handwritten digits: two 3x3 conv (relu) + 2x2 max pool stages, "+
		"8 and 16 channels, fully connected 10, softmax; the 539 labelled test images of UCI optical digits",
		nil, func(map[string]int) (*workloads.Workload, error) { return buildDigits("digits-cnn") })
}

// digitsSets reads the embedded digits and splits them as training did.
func digitsSets() (trainSet, testSet []train.Digit, err error) {
	ds, err := train.ReadDigits(bytes.NewReader(digitsCSV))
	if err != nil {
		return nil, nil, err
	}
	trainSet, testSet = train.Split(ds, train.SplitSeed)
	return trainSet, testSet, nil
}

// digitsNet returns a digits network with its committed weights.
func digitsNet(name string) (*train.Net, error) {
	var n *train.Net
	var weights []byte
	switch name {
	case "digits-mlp":
		n, weights = train.MLP(), digitsMLPWeights
	case "digits-cnn":
		n, weights = train.CNN(), digitsCNNWeights
	default:
		return nil, fmt.Errorf("no digits network %q", name)
	}
	if err := n.UnmarshalBinary(weights); err != nil {
		return nil, err
	}
	return n, nil
}

// digitsFloat builds the float model of a trained digits network.
func digitsFloat(n *train.Net) *workloads.FloatModel {
	param := func(name string) ([]int, []float32) {
		p := n.Param(name)
		return p.Shape, p.Float32()
	}
	b := workloads.NewBuilder(n.Name, 0)
	var x int
	fc := func(name string, act quant.Activation) {
		shape, w := param(name + "/weights")
		_, bias := param(name + "/bias")
		x = b.FCWith(name, x, shape[0], act, w, bias)
	}
	conv := func(name string) {
		shape, w := param(name + "/weights")
		_, bias := param(name + "/bias")
		x = b.ConvWith(name, x, shape[0], shape[1], shape[2], 1, workloads.Same, quant.ActRelu, w, bias)
	}
	switch n.Name {
	case "digits-mlp":
		x = b.Input("image", 1, train.Pixels)
		fc("fc1", quant.ActRelu)
		fc("fc2", quant.ActNone)
	case "digits-cnn":
		x = b.Input("image", 1, 8, 8, 1)
		conv("conv1")
		x = b.Pool("pool1", workloads.MaxPool2D, x, 2, 2, workloads.Valid)
		conv("conv2")
		x = b.Pool("pool2", workloads.MaxPool2D, x, 2, 2, workloads.Valid)
		x = b.Reshape("flatten", x, 1, quant.NumElements(b.Shape(x)))
		fc("fc", quant.ActNone)
	}
	return b.Build(Describe(n.Name), b.Softmax("probabilities", x, 1))
}

// digitsImage is a digit as the float model's input: pixel/16, in [0, 1].
func digitsImage(d train.Digit) []float32 {
	x := make([]float32, train.Pixels)
	for i, p := range d.Pixels {
		x[i] = float32(p) / 16
	}
	return x
}

// buildDigits quantizes a trained digits network, calibrated on the
// training images, and ships the test images with their labels.
func buildDigits(name string) (*workloads.Workload, error) {
	n, err := digitsNet(name)
	if err != nil {
		return nil, err
	}
	trainSet, testSet, err := digitsSets()
	if err != nil {
		return nil, err
	}
	calibration := make([][][]float32, len(trainSet))
	for i, d := range trainSet {
		calibration[i] = [][]float32{digitsImage(d)}
	}
	m, err := workloads.Quantize(digitsFloat(n), calibration)
	if err != nil {
		return nil, err
	}
	w := &workloads.Workload{Description: Describe(name), Source: digitsSource, Task: workloads.Classifier, Model: m}
	in := m.Tensors[m.Inputs[0]]
	for _, d := range testSet {
		w.Inputs = append(w.Inputs, []*quant.Tensor{workloads.QuantizeInput(in, digitsImage(d))})
		w.Labels = append(w.Labels, d.Label)
	}
	return w, nil
}
