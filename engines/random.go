package engines

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// CaseCount returns the number of random cases a differential test runs:
// $NPUSIM_ENGINE_CASES, else def.
func CaseCount(def int) int {
	if n, err := strconv.Atoi(os.Getenv("NPUSIM_ENGINE_CASES")); err == nil && n > 0 {
		return n
	}
	return def
}

// singleOps are the op kinds of random single-op models.
var singleOps = []workloads.OpKind{workloads.Conv2D, workloads.DepthwiseConv2D, workloads.FullyConnected,
	workloads.Add, workloads.AveragePool2D, workloads.MaxPool2D, workloads.Softmax, workloads.Relu6,
	workloads.Mul, workloads.Logistic, workloads.Concatenation}

// RandomOp returns a random single-op workload of the given kind, seeded:
// uint8 or int8, per-tensor or per-channel weights, random geometry, fused
// activations, and scales drawn so that requantization ties and large
// accumulators occur. It has samples random input samples.
func RandomOp(kind workloads.OpKind, seed uint64, samples int) (*workloads.Workload, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6f6e6e78))
	g := &opGen{rng: rng, typ: []quant.Type{quant.Uint8, quant.Int8}[rng.IntN(2)],
		m: &workloads.Model{Name: fmt.Sprintf("%v-%d", kind, seed)}}
	x := g.activation("x", g.inputShape(kind))
	g.m.Inputs = []int{x}
	y := g.op(kind, x)
	g.m.Outputs = []int{y}
	if err := g.m.Validate(); err != nil {
		return nil, fmt.Errorf("random %v seed %d: %w", kind, seed, err)
	}
	w := &workloads.Workload{Name: g.m.Name, Model: g.m}
	for range samples {
		var sample []*quant.Tensor
		for _, i := range g.m.Inputs {
			sample = append(sample, g.fill(g.m.Tensors[i]))
		}
		w.Inputs = append(w.Inputs, sample)
	}
	return w, nil
}

type opGen struct {
	rng *rand.Rand
	typ quant.Type
	m   *workloads.Model
}

func (g *opGen) params() quant.Params {
	// scales that are powers of two or simple fractions make exact ties common
	scales := []float32{0.5, 0.25, 0.125, 1.0 / 64, 0.03, 0.1}
	s := scales[g.rng.IntN(len(scales))]
	if g.rng.IntN(2) == 0 {
		s = 0.005 + g.rng.Float32()/4
	}
	return quant.Params{Scale: s, ZeroPoint: g.typ.Min() + g.rng.Int32N(256)}
}

func (g *opGen) activation(name string, shape []int) int {
	t := &workloads.Tensor{Name: name, Tensor: quant.Tensor{Type: g.typ, Shape: shape, Params: g.params()}}
	return g.m.AddTensor(t)
}

func (g *opGen) inputShape(kind workloads.OpKind) []int {
	switch kind {
	case workloads.FullyConnected:
		return []int{1 + g.rng.IntN(3), 1 + g.rng.IntN(300)}
	case workloads.Softmax:
		return []int{1 + g.rng.IntN(3), 1 + g.rng.IntN(40)}
	}
	return []int{1 + g.rng.IntN(2), 1 + g.rng.IntN(9), 1 + g.rng.IntN(9), 1 + g.rng.IntN(40)}
}

func (g *opGen) fill(t *workloads.Tensor) *quant.Tensor {
	q := quant.NewTensor(t.Type, t.Shape, t.Params)
	for i := range q.Data {
		q.Data[i] = t.Type.Min() + g.rng.Int32N(256)
	}
	return q
}

func (g *opGen) op(kind workloads.OpKind, x int) int {
	in := g.m.Tensors[x]
	op := &workloads.Op{Name: string(kind), Kind: kind, Inputs: []int{x}, StrideH: 1, StrideW: 1}
	shape, p := in.Shape, g.params()
	switch kind {
	case workloads.Conv2D, workloads.DepthwiseConv2D:
		shape = g.conv(op, in)
	case workloads.FullyConnected:
		units := 1 + g.rng.IntN(20)
		op.Inputs = append(op.Inputs, g.weights([]int{units, in.Shape[1]}, 0, false)...)
		shape = []int{in.Shape[0], units}
	case workloads.Add, workloads.Mul:
		op.Inputs = append(op.Inputs, g.activation("y", in.Shape))
		g.m.Inputs = append(g.m.Inputs, op.Inputs[1])
	case workloads.Concatenation: // a second input on its own grid, joined along channels
		second := slices.Clone(in.Shape)
		second[3] = 1 + g.rng.IntN(40)
		op.Inputs = append(op.Inputs, g.activation("y", second))
		g.m.Inputs = append(g.m.Inputs, op.Inputs[1])
		op.Axis = 3
		shape = slices.Clone(in.Shape)
		shape[3] += second[3]
	case workloads.Logistic: // the output grid NNAPI requires: 1/256 from the type's minimum
		p = quant.Params{Scale: 1.0 / 256, ZeroPoint: g.typ.Min()}
	case workloads.AveragePool2D:
		op.FilterH, op.FilterW = in.Shape[1], in.Shape[2]
		shape, p = []int{in.Shape[0], 1, 1, in.Shape[3]}, in.Params
	case workloads.MaxPool2D:
		op.FilterH, op.FilterW = 1+g.rng.IntN(min(in.Shape[1], 3)), 1+g.rng.IntN(min(in.Shape[2], 3))
		op.StrideH, op.StrideW = 1+g.rng.IntN(2), 1+g.rng.IntN(2)
		outH, outW := (in.Shape[1]-op.FilterH)/op.StrideH+1, (in.Shape[2]-op.FilterW)/op.StrideW+1
		shape = []int{in.Shape[0], outH, outW, in.Shape[3]}
		p = in.Params
	case workloads.Softmax:
		op.Beta = 1
		p = quant.Params{Scale: 1.0 / 256, ZeroPoint: g.typ.Min()}
	case workloads.Relu6:
		p = in.Params
	}
	if fusesActivation(kind) {
		op.Activation = quant.Activation(g.rng.IntN(4))
	}
	op.Output = g.m.AddTensor(&workloads.Tensor{Name: "out", Tensor: quant.Tensor{Type: g.typ, Shape: shape, Params: p}})
	g.m.Ops = append(g.m.Ops, op)
	return op.Output
}

// fusesActivation reports whether ops of the kind carry a fused activation;
// softmax, relu6, logistic, concatenation and the pools do not.
func fusesActivation(kind workloads.OpKind) bool {
	switch kind {
	case workloads.Softmax, workloads.Relu6, workloads.MaxPool2D, workloads.AveragePool2D, workloads.Logistic,
		workloads.Concatenation:
		return false
	}
	return true
}

// conv draws a convolution's geometry and weights and returns its output shape.
func (g *opGen) conv(op *workloads.Op, in *workloads.Tensor) []int {
	fh, fw := 1+g.rng.IntN(min(in.Shape[1], 3)), 1+g.rng.IntN(min(in.Shape[2], 3))
	op.StrideH, op.StrideW = 1+g.rng.IntN(2), 1+g.rng.IntN(2)
	op.Padding = workloads.Padding{Top: g.rng.IntN(fh), Bottom: g.rng.IntN(fh),
		Left: g.rng.IntN(fw), Right: g.rng.IntN(fw)}
	inC, outC := in.Shape[3], 1+g.rng.IntN(16)
	if op.Kind == workloads.DepthwiseConv2D {
		op.DepthMultiplier = 1 + g.rng.IntN(2)
		outC = inC * op.DepthMultiplier
		op.Inputs = append(op.Inputs, g.weights([]int{1, fh, fw, outC}, 3, true)...)
	} else {
		op.Inputs = append(op.Inputs, g.weights([]int{outC, fh, fw, inC}, 0, true)...)
	}
	oh := quant.ConvOutputSize(in.Shape[1], fh, op.StrideH, 1, op.Padding.Top, op.Padding.Bottom)
	ow := quant.ConvOutputSize(in.Shape[2], fw, op.StrideW, 1, op.Padding.Left, op.Padding.Right)
	return []int{in.Shape[0], oh, ow, outC}
}

// weights adds a filter (per-channel int8 or per-tensor of the input's type)
// and a bias, and returns their indices.
func (g *opGen) weights(shape []int, axis int, perChannelOK bool) []int {
	in := g.m.Tensors[0]
	channels := shape[axis]
	w := &workloads.Tensor{Name: "w", Tensor: quant.Tensor{Type: g.typ, Shape: shape}}
	if perChannelOK && g.rng.IntN(2) == 0 {
		scales := make([]float32, channels)
		for c := range scales {
			scales[c] = 0.001 + g.rng.Float32()/50
		}
		w.Type, w.Params = quant.Int8PerChannel, quant.Params{Scales: scales, Axis: axis}
	} else {
		w.Params = quant.Params{Scale: 0.001 + g.rng.Float32()/50, ZeroPoint: g.typ.Min() + g.rng.Int32N(256)}
		if g.typ == quant.Int8 {
			w.Params.ZeroPoint = 0
		}
	}
	w.Data = make([]int32, quant.NumElements(shape))
	for i := range w.Data {
		w.Data[i] = w.Type.Min() + g.rng.Int32N(w.Type.Max()-w.Type.Min()+1)
	}
	b := &workloads.Tensor{Name: "b",
		Tensor: quant.Tensor{Type: quant.Int32, Shape: []int{channels}, Data: make([]int32, channels)}}
	bs := make([]float32, channels)
	for c := range bs {
		bs[c] = float32(float64(in.Params.Scale) * float64(w.Params.ChannelScale(c)))
		b.Data[c] = g.rng.Int32N(40001) - 20000
	}
	if w.Params.PerChannel() {
		b.Params.Scales = bs
	} else {
		b.Params.Scale = bs[0]
	}
	return []int{g.m.AddTensor(w), g.m.AddTensor(b)}
}

// SingleOps lists the op kinds of random single-op models.
func SingleOps() []workloads.OpKind { return append([]workloads.OpKind(nil), singleOps...) }
