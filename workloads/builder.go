package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/npusim/npusim/quant"
)

// PadMode is NNAPI's implicit padding.
type PadMode int

// The implicit paddings.
const (
	// Valid pads nothing.
	Valid PadMode = iota
	// Same pads so that the output has ceil(input/stride) pixels, the odd
	// pixel at the end.
	Same
)

// Builder assembles a FloatModel layer by layer. Layers built without
// explicit weights get seeded synthetic ones: He-scaled normal weights with a
// batch normalisation folded in (per-channel gains and shifts), so that
// per-layer and per-channel weight and activation ranges look like those of a
// trained network.
type Builder struct {
	m   *FloatModel
	rng *rand.Rand
}

// NewBuilder starts a model; seed fixes its synthetic weights.
func NewBuilder(name string, seed uint64) *Builder {
	return &Builder{m: &FloatModel{Name: name}, rng: rand.New(rand.NewPCG(seed, 0x6e707573696d))}
}

func (b *Builder) tensor(name string, shape []int, data []float32) int {
	b.m.Tensors = append(b.m.Tensors, &FloatTensor{Name: name, Shape: shape, Data: data})
	return len(b.m.Tensors) - 1
}

// Shape returns a tensor's shape.
func (b *Builder) Shape(x int) []int { return b.m.Tensors[x].Shape }

// Input adds a model input.
func (b *Builder) Input(name string, shape ...int) int {
	x := b.tensor(name, shape, nil)
	b.m.Inputs = append(b.m.Inputs, x)
	return x
}

// Const adds a constant tensor (weights or a bias) holding data.
func (b *Builder) Const(name string, shape []int, data []float32) int {
	return b.tensor(name, shape, data)
}

// Op adds an op whose inputs are tensors already built and returns its
// output, a new tensor of the given shape named after the op. The layer
// methods below are the common cases of it; Op with Const builds what they
// do not, such as an unrolled recurrent cell whose steps share one set of
// weights.
func (b *Builder) Op(op *Op, shape []int) int {
	op.Output = b.tensor(op.Name, shape, nil)
	b.m.Ops = append(b.m.Ops, op)
	return op.Output
}

// padding resolves an implicit padding for one window.
func padding(mode PadMode, h, w, fh, fw, stride, dilation int) Padding {
	if mode == Valid {
		return Padding{}
	}
	var p Padding
	p.Top, p.Bottom = quant.SamePadding(h, fh, stride, dilation)
	p.Left, p.Right = quant.SamePadding(w, fw, stride, dilation)
	return p
}

// windowShape is the NHWC output shape of a window op.
func windowShape(in []int, fh, fw, stride, dilation int, p Padding, channels int) []int {
	return []int{in[0], quant.ConvOutputSize(in[1], fh, stride, dilation, p.Top, p.Bottom),
		quant.ConvOutputSize(in[2], fw, stride, dilation, p.Left, p.Right), channels}
}

// SyntheticWeights draws the seeded synthetic weights of a layer: n
// fan-in-scaled (He) normal weights with a batch normalisation folded into
// them: each output channel c gets a gain g_c (log-uniform over [gainLo,
// gainHi]) multiplying its weights, and a bias drawn around zero.
// channelOf(i) is the output channel of weight i. The layer methods draw
// with gains in [0.5, 1.5] (depthwise layers [0.1, 4]).
func (b *Builder) SyntheticWeights(n, fanIn, channels int, channelOf func(i int) int,
	gainLo, gainHi float64) (w, bias []float32) {
	std := math.Sqrt(2 / float64(fanIn))
	gains := make([]float64, channels)
	bias = make([]float32, channels)
	for c := range gains {
		gains[c] = math.Exp(math.Log(gainLo) + b.rng.Float64()*(math.Log(gainHi)-math.Log(gainLo)))
		bias[c] = float32(b.rng.NormFloat64() * 0.1)
	}
	w = make([]float32, n)
	for i := range w {
		w[i] = float32(b.rng.NormFloat64() * std * gains[channelOf(i)])
	}
	return w, bias
}

// Conv adds a CONV_2D with synthetic weights.
func (b *Builder) Conv(name string, x, outC, fh, fw, stride int, pad PadMode, act quant.Activation) int {
	inC := b.Shape(x)[3]
	channelOf := func(i int) int { return i / (fh * fw * inC) }
	w, bias := b.SyntheticWeights(outC*fh*fw*inC, fh*fw*inC, outC, channelOf, 0.5, 1.5)
	return b.ConvWith(name, x, outC, fh, fw, stride, pad, act, w, bias)
}

// ConvWith adds a CONV_2D with the given weights [outC, fh, fw, inC] and bias.
func (b *Builder) ConvWith(name string, x, outC, fh, fw, stride int, pad PadMode, act quant.Activation,
	w, bias []float32) int {
	in := b.Shape(x)
	p := padding(pad, in[1], in[2], fh, fw, stride, 1)
	wt := b.tensor(name+"/weights", []int{outC, fh, fw, in[3]}, w)
	bt := b.tensor(name+"/bias", []int{outC}, bias)
	op := &Op{Name: name, Kind: Conv2D, Inputs: []int{x, wt, bt}, Padding: p, StrideH: stride, StrideW: stride,
		Activation: act}
	return b.Op(op, windowShape(in, fh, fw, stride, 1, p, outC))
}

// Depthwise adds a DEPTHWISE_CONV_2D (depth multiplier 1) with synthetic
// weights. Depthwise channels get a wide spread of gains, as trained
// MobileNets do, which is what makes per-tensor quantization of them hurt.
func (b *Builder) Depthwise(name string, x, f, stride int, pad PadMode, act quant.Activation) int {
	in := b.Shape(x)
	c := in[3]
	w, bias := b.SyntheticWeights(f*f*c, f*f, c, func(i int) int { return i % c }, 0.1, 4)
	p := padding(pad, in[1], in[2], f, f, stride, 1)
	wt := b.tensor(name+"/weights", []int{1, f, f, c}, w)
	bt := b.tensor(name+"/bias", []int{c}, bias)
	op := &Op{Name: name, Kind: DepthwiseConv2D, Inputs: []int{x, wt, bt}, Padding: p, StrideH: stride, StrideW: stride,
		DepthMultiplier: 1, Activation: act}
	return b.Op(op, windowShape(in, f, f, stride, 1, p, c))
}

// FC adds a FULLY_CONNECTED with synthetic weights; the input is flattened.
func (b *Builder) FC(name string, x, units int, act quant.Activation) int {
	size := b.Shape(x)[len(b.Shape(x))-1]
	w, bias := b.SyntheticWeights(units*size, size, units, func(i int) int { return i / size }, 0.5, 1.5)
	return b.FCWith(name, x, units, act, w, bias)
}

// FCWith adds a FULLY_CONNECTED with the given weights [units, size] and bias.
func (b *Builder) FCWith(name string, x, units int, act quant.Activation, w, bias []float32) int {
	size := len(w) / units
	wt := b.tensor(name+"/weights", []int{units, size}, w)
	bt := b.tensor(name+"/bias", []int{units}, bias)
	n := quant.NumElements(b.Shape(x)) / size
	return b.Op(&Op{Name: name, Kind: FullyConnected, Inputs: []int{x, wt, bt}, Activation: act}, []int{n, units})
}

// Add adds an element-wise ADD.
func (b *Builder) Add(name string, x, y int, act quant.Activation) int {
	s, err := quant.BroadcastShape(b.Shape(x), b.Shape(y))
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return b.Op(&Op{Name: name, Kind: Add, Inputs: []int{x, y}, Activation: act}, s)
}

// Mul adds an element-wise MUL.
func (b *Builder) Mul(name string, x, y int) int {
	s, err := quant.BroadcastShape(b.Shape(x), b.Shape(y))
	if err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return b.Op(&Op{Name: name, Kind: Mul, Inputs: []int{x, y}}, s)
}

// DepthwiseWith adds a DEPTHWISE_CONV_2D (depth multiplier 1) with the given
// f x f weights [1, f, f, C] and bias.
func (b *Builder) DepthwiseWith(name string, x, f, stride int, pad PadMode, act quant.Activation,
	w, bias []float32) int {
	in := b.Shape(x)
	c := in[3]
	p := padding(pad, in[1], in[2], f, f, stride, 1)
	wt := b.tensor(name+"/weights", []int{1, f, f, c}, w)
	bt := b.tensor(name+"/bias", []int{c}, bias)
	op := &Op{Name: name, Kind: DepthwiseConv2D, Inputs: []int{x, wt, bt}, Padding: p, StrideH: stride, StrideW: stride,
		DepthMultiplier: 1, Activation: act}
	return b.Op(op, windowShape(in, f, f, stride, 1, p, c))
}

// Pool adds an AVERAGE_POOL_2D or MAX_POOL_2D.
func (b *Builder) Pool(name string, kind OpKind, x, f, stride int, pad PadMode) int {
	in := b.Shape(x)
	p := padding(pad, in[1], in[2], f, f, stride, 1)
	op := &Op{Name: name, Kind: kind, Inputs: []int{x}, Padding: p, StrideH: stride, StrideW: stride,
		FilterH: f, FilterW: f}
	return b.Op(op, windowShape(in, f, f, stride, 1, p, in[3]))
}

// GlobalAveragePool averages each channel over the whole image.
func (b *Builder) GlobalAveragePool(name string, x int) int {
	in := b.Shape(x)
	op := &Op{Name: name, Kind: AveragePool2D, Inputs: []int{x}, StrideH: 1, StrideW: 1, FilterH: in[1], FilterW: in[2]}
	return b.Op(op, []int{in[0], 1, 1, in[3]})
}

// Softmax adds a SOFTMAX over the last dimension.
func (b *Builder) Softmax(name string, x int, beta float32) int {
	return b.Op(&Op{Name: name, Kind: Softmax, Inputs: []int{x}, Beta: beta}, b.Shape(x))
}

// Logistic adds a LOGISTIC.
func (b *Builder) Logistic(name string, x int) int {
	return b.Op(&Op{Name: name, Kind: Logistic, Inputs: []int{x}}, b.Shape(x))
}

// Reshape adds a RESHAPE.
func (b *Builder) Reshape(name string, x int, shape ...int) int {
	return b.Op(&Op{Name: name, Kind: Reshape, Inputs: []int{x}}, shape)
}

// Concat adds a CONCATENATION along axis.
func (b *Builder) Concat(name string, axis int, xs ...int) int {
	s := append([]int(nil), b.Shape(xs[0])...)
	for _, x := range xs[1:] {
		s[axis] += b.Shape(x)[axis]
	}
	return b.Op(&Op{Name: name, Kind: Concatenation, Inputs: xs, Axis: axis}, s)
}

// Build marks the outputs and returns the model.
func (b *Builder) Build(description string, outputs ...int) *FloatModel {
	b.m.Description = description
	b.m.Outputs = outputs
	return b.m
}
