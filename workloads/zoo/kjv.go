package zoo

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/npusim/npusim/workloads"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads/zoo/internal/train"
)

// The kjv-lstm workload is a character-level language model trained in Go
// (package train) on the King James Version of the Bible (public domain;
// data/README.md gives the provenance). One inference is one step of its
// recurrent cell: the host feeds a character and the state, takes the most
// likely next character and feeds it back, as an on-device text
// generator does (see TextGeneration). The repository keeps its trained
// weights and a 2,000-character passage of the held-out text, on which
// the quantization is calibrated. Regenerate both with
//
//	go generate ./workloads/zoo
//
// (with Debian's bible-kjv installed).
//
//go:generate sh -c "bible gen1:1-rev22:21 | go run ./internal/train/cmd/traincharlm -dir data -quiet"

var (
	//go:embed data/kjv-lstm.f32
	kjvWeights []byte
	//go:embed data/kjv-calibration.txt
	kjvCalibration string
)

// KJVPrompt is the prompt of the kjv-lstm workload.
const KJVPrompt = "and the lord said unto moses, "

const (
	kjvSource = "LSTM cell (Hochreiter and Schmidhuber 1997, forget gate of Gers et al. 2000) " +
		"with hard-tanh (RELU1) activations and a clamped cell state, " +
		"trained in Go (workloads/internal/train, Adam, backpropagation through 64 characters)"
	kjvData = "the King James Version of the Bible (1611; public domain), the text of Debian's bible-kjv: " +
		"trained on its first 95%%, quantization calibrated on 2,000 characters of the held-out 5%%; " +
		"greedy generation of %d characters from the prompt %q"
)

func init() {
	register("kjv-lstm", "a trained character-level language model (LSTM, 128 units, 34 characters) "+
		"generating King James English greedily from a fixed prompt, one NPU inference per character",
		map[string]int{"chars": 200}, buildKJV)
}

// kjvFloat builds the float model of one step of the cell.
func kjvFloat(m *train.CharLM) *workloads.FloatModel {
	v, n := len(train.Alphabet), m.Hidden
	b := workloads.NewBuilder("kjv-lstm", 0)
	x := b.Input("char", 1, v)
	h := b.Input("h", 1, n)
	c := b.Input("c", 1, n)
	xh := b.Concat("xh", 1, x, h)
	gate := func(k int, name string, act quant.Activation) int {
		w, bias := m.Gate(k)
		return b.FCWith("gate_"+name, xh, n, act, w, bias)
	}
	i := b.Logistic("i", gate(0, "i", quant.ActNone))
	f := b.Logistic("f", gate(1, "f", quant.ActNone))
	g := gate(2, "g", quant.ActRelu1)
	o := b.Logistic("o", gate(3, "o", quant.ActNone))
	cNext := b.Add("c_next", b.Mul("f_c", f, c), b.Mul("i_g", i, g), quant.ActRelu1)
	hNext := b.Mul("h_next", o, cNext)
	logits := b.FCWith("logits", hNext, v, quant.ActNone, m.Out.Float32(), m.OutBias.Float32())
	fm := b.Build(Describe("kjv-lstm"), logits, hNext, cNext)
	fm.Tied = [][]int{{h, hNext}, {c, cNext}}
	return fm
}

// OneHot returns the one-hot float vector of character k of an alphabet.
func oneHot(alphabet string, k int) []float32 {
	x := make([]float32, len(alphabet))
	x[k] = 1
	return x
}

// kjvCalibrationInputs runs the float cell over the calibration passage
// from zero states and returns every step's inputs.
func kjvCalibrationInputs(fm *workloads.FloatModel, text string) ([][][]float32, error) {
	ids, err := train.Encode(text)
	if err != nil {
		return nil, fmt.Errorf("kjv calibration text: %w", err)
	}
	n := fm.Tensors[fm.Inputs[1]].Shape[1]
	h, c := make([]float32, n), make([]float32, n)
	var steps [][][]float32
	for _, id := range ids {
		in := [][]float32{oneHot(train.Alphabet, id), h, c}
		steps = append(steps, in)
		values, err := fm.Run(in)
		if err != nil {
			return nil, err
		}
		h, c = values[fm.Outputs[1]], values[fm.Outputs[2]]
	}
	return steps, nil
}

// buildKJV quantizes the trained cell, calibrated on the states the float
// cell passes through over the calibration passage. Its input set is one
// sample, the prompt's first step (its first character, zero states); the
// generation runs many.
func buildKJV(opts map[string]int) (*workloads.Workload, error) {
	lm := train.KJVCharLM()
	if err := lm.UnmarshalBinary(kjvWeights); err != nil {
		return nil, err
	}
	fm := kjvFloat(lm)
	calibration, err := kjvCalibrationInputs(fm, strings.TrimSpace(kjvCalibration))
	if err != nil {
		return nil, err
	}
	m, err := workloads.Quantize(fm, calibration)
	if err != nil {
		return nil, err
	}
	gen := &workloads.TextGeneration{Alphabet: train.Alphabet, Prompt: KJVPrompt, Length: opts["chars"]}
	first := strings.IndexByte(train.Alphabet, KJVPrompt[0])
	sample := []*quant.Tensor{workloads.QuantizeInput(m.Tensors[m.Inputs[0]], oneHot(train.Alphabet, first))}
	for _, i := range m.Inputs[1:] {
		sample = append(sample, workloads.QuantizeInput(m.Tensors[i], make([]float32, m.Tensors[i].Len())))
	}
	data := fmt.Sprintf(kjvData, gen.Length, gen.Prompt)
	return &workloads.Workload{Description: Describe("kjv-lstm"), Source: kjvSource, Data: data,
		Task: workloads.Generator, Model: m, Inputs: [][]*quant.Tensor{sample}, Generation: gen}, nil
}
