package zoo

import (
	"fmt"
	"math/rand/v2"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

func init() {
	register("mac2x3", `the classroom "2 x 3": one int8 multiply of a 2.0 activation by a 3.0 weight`, nil, buildMac2x3)
	register("rnn-unrolled", "a recurrent int8 cell h' = relu6(W h + b), 32 units, "+
		"unrolled for steps steps with each output fed back", map[string]int{"steps": 24}, buildRNN)
}

// Mac2x3 parameters: an int8 fully connected layer of one input and one
// unit, quantized the TFLite way.
//
//   - activation: int8 asymmetric, range [-32, 31.75] -> scale 0.25, zero point 0;
//   - weight: int8 symmetric, largest |w| 3.0 -> scale 3/127 (stored as float32,
//     a hair below 3/127), so 3.0 is code 127;
//   - output: int8 asymmetric, range [-8, 7.9375] -> scale 0.0625, zero point 0,
//     so 6.0 is exactly representable (code 96).
var (
	Mac2x3Input  = quant.Params{Scale: 0.25}
	Mac2x3Weight = quant.Params{Scale: float32(3.0 / 127)}
	Mac2x3Output = quant.Params{Scale: 0.0625}
)

func buildMac2x3(map[string]int) (*workloads.Workload, error) {
	m := &workloads.Model{Name: "mac2x3"}
	tensor := func(name string, typ quant.Type, shape []int, p quant.Params, data []int32) int {
		t := quant.Tensor{Type: typ, Shape: shape, Params: p, Data: data}
		return m.AddTensor(&workloads.Tensor{Name: name, Tensor: t})
	}
	x := tensor("x", quant.Int8, []int{1, 1}, Mac2x3Input, nil)
	w := tensor("w", quant.Int8, []int{1, 1}, Mac2x3Weight, []int32{127})
	biasScale := float32(float64(Mac2x3Input.Scale) * float64(Mac2x3Weight.Scale))
	b := tensor("b", quant.Int32, []int{1}, quant.Params{Scale: biasScale}, []int32{0})
	y := tensor("y", quant.Int8, []int{1, 1}, Mac2x3Output, nil)
	m.Ops = []*workloads.Op{{Name: "mul", Kind: workloads.FullyConnected, Inputs: []int{x, w, b}, Output: y}}
	m.Inputs, m.Outputs = []int{x}, []int{y}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	in := quant.NewTensor(quant.Int8, []int{1, 1}, Mac2x3Input)
	in.Data[0] = 8 // 2.0 / 0.25
	return &workloads.Workload{Description: Describe("mac2x3"), Source: "hand-built (QUANT.md, the 2 x 3 walkthrough)",
		Model: m, Inputs: [][]*quant.Tensor{{in}}}, nil
}

// rnnHidden is the recurrent cell's width.
const rnnHidden = 32

// buildRNN unrolls h_{t+1} = relu6(W h_t + b) for the given steps. W is
// drawn with gain 2.5/sqrt(32), an expanding map that relu6 keeps bounded,
// so that a one-LSB change in one step can grow over the following ones, the
// mechanism by which a language model's sampled text diverges. Every step
// shares the weights and, as in a real recurrent cell, the state's
// quantization; every step's state is an output.
func buildRNN(opts map[string]int) (*workloads.Workload, error) {
	steps := opts["steps"]
	rng := rand.New(rand.NewPCG(7, 31))
	w := make([]float32, rnnHidden*rnnHidden)
	for i := range w {
		w[i] = float32(rng.NormFloat64() * 2.5 / 5.656854)
	}
	bias := make([]float32, rnnHidden)
	for i := range bias {
		bias[i] = float32(rng.NormFloat64() * 0.5)
	}
	b := workloads.NewBuilder("rnn-unrolled", 7)
	h := b.Input("h0", 1, rnnHidden)
	states := []int{h}
	wt := b.Const("cell/weights", []int{rnnHidden, rnnHidden}, w)
	bt := b.Const("cell/bias", []int{rnnHidden}, bias)
	var outputs []int
	for t := range steps {
		cell := &workloads.Op{Name: stepName(t + 1), Kind: workloads.FullyConnected, Inputs: []int{h, wt, bt},
			Activation: quant.ActRelu6}
		h = b.Op(cell, []int{1, rnnHidden})
		states = append(states, h)
		outputs = append(outputs, h)
	}
	fm := b.Build("a recurrent int8 cell unrolled", outputs...)
	fm.Tied = [][]int{states}
	samples := func(n int, seed uint64) [][][]float32 {
		r := rand.New(rand.NewPCG(seed, 5))
		var s [][][]float32
		for range n {
			x := make([]float32, rnnHidden)
			for i := range x {
				x[i] = float32(r.Float64() * 6)
			}
			s = append(s, [][]float32{x})
		}
		return s
	}
	m, err := workloads.Quantize(fm, samples(16, 1))
	if err != nil {
		return nil, err
	}
	var inputs [][]*quant.Tensor
	for _, s := range samples(8, 2) {
		inputs = append(inputs, []*quant.Tensor{workloads.QuantizeInput(m.Tensors[m.Inputs[0]], s[0])})
	}
	source := "synthetic recurrent cell (Elman-style, relu6)"
	return &workloads.Workload{Description: Describe("rnn-unrolled"), Source: source, Synthetic: true,
		Caveat: workloads.SyntheticCaveat, Task: workloads.Recurrent, Model: m, Inputs: inputs}, nil
}

func stepName(t int) string {
	return fmt.Sprintf("step%03d", t)
}
