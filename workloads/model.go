package workloads

import (
	"fmt"

	"github.com/npusim/npusim/quant"
)

// OpKind names an operation as NNAPI does.
type OpKind string

// The operations npusim models.
const (
	Conv2D          OpKind = "CONV_2D"
	DepthwiseConv2D OpKind = "DEPTHWISE_CONV_2D"
	FullyConnected  OpKind = "FULLY_CONNECTED"
	Add             OpKind = "ADD"
	Mul             OpKind = "MUL"
	AveragePool2D   OpKind = "AVERAGE_POOL_2D"
	MaxPool2D       OpKind = "MAX_POOL_2D"
	Relu            OpKind = "RELU"
	Relu1           OpKind = "RELU1"
	Relu6           OpKind = "RELU6"
	Softmax         OpKind = "SOFTMAX"
	Logistic        OpKind = "LOGISTIC"
	Concatenation   OpKind = "CONCATENATION"
	Reshape         OpKind = "RESHAPE"
)

// OpKinds lists every operation kind.
func OpKinds() []OpKind {
	return []OpKind{Conv2D, DepthwiseConv2D, FullyConnected, Add, Mul, AveragePool2D,
		MaxPool2D, Relu, Relu1, Relu6, Softmax, Logistic, Concatenation, Reshape}
}

// ReluActivation is the clamp a standalone RELU, RELU1 or RELU6 op applies,
// and false for every other kind.
func (k OpKind) ReluActivation() (quant.Activation, bool) {
	switch k {
	case Relu:
		return quant.ActRelu, true
	case Relu1:
		return quant.ActRelu1, true
	case Relu6:
		return quant.ActRelu6, true
	}
	return quant.ActNone, false
}

// ReluOp is the standalone op of a fused activation clamp, and false for
// quant.ActNone.
func ReluOp(a quant.Activation) (OpKind, bool) {
	for _, k := range []OpKind{Relu, Relu1, Relu6} {
		if act, _ := k.ReluActivation(); act == a {
			return k, true
		}
	}
	return "", false
}

// Range is the real interval observed for an activation tensor during
// calibration.
type Range struct {
	Min, Max float64
}

// Tensor is one tensor of a model: a quantized tensor with a name. Constant
// tensors (weights, biases) carry Data; activations have nil Data and, when the
// model was calibrated, the float Range observed at calibration.
type Tensor struct {
	Name string
	quant.Tensor
	Range *Range
}

// Constant reports whether the tensor's values are part of the model.
func (t *Tensor) Constant() bool { return t.Data != nil }

// Padding is an explicit padding in pixels on each side.
type Padding struct {
	Top, Bottom, Left, Right int
}

// Op is one operation. Inputs index the model's tensors: the data inputs in
// NNAPI operand order, then (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED) the
// filter and the bias. The attributes that do not apply to the kind are zero.
type Op struct {
	Name    string
	Kind    OpKind
	Inputs  []int
	Output  int
	Padding Padding
	// StrideH and StrideW apply to convolutions and pools.
	StrideH, StrideW int
	// DilationH and DilationW apply to convolutions (0 means 1).
	DilationH, DilationW int
	// FilterH and FilterW are the window of a pool.
	FilterH, FilterW int
	// DepthMultiplier is the output channels per input channel of a
	// depthwise convolution.
	DepthMultiplier int
	// Activation is the fused activation of convolutions, FC, ADD, MUL, pools.
	Activation quant.Activation
	// Beta scales SOFTMAX's inputs.
	Beta float32
	// Axis is the dimension CONCATENATION joins along.
	Axis int
}

// Dilation returns the dilation factors, 1 where unset.
func (o *Op) Dilation() (h, w int) {
	return max(o.DilationH, 1), max(o.DilationW, 1)
}

// Model is a quantized network: its tensors and its operations in
// topological order, with the indices of its input and output tensors.
type Model struct {
	Name        string
	Description string
	Tensors     []*Tensor
	Ops         []*Op
	Inputs      []int
	Outputs     []int
}

// Tensor returns tensor i.
func (m *Model) Tensor(i int) *Tensor { return m.Tensors[i] }

// AddTensor appends a tensor and returns its index.
func (m *Model) AddTensor(t *Tensor) int {
	m.Tensors = append(m.Tensors, t)
	return len(m.Tensors) - 1
}

// Producers returns, for every tensor, the index of the op that writes it,
// or -1 for model inputs and constants.
func (m *Model) Producers() []int {
	p := make([]int, len(m.Tensors))
	for i := range p {
		p[i] = -1
	}
	for i, op := range m.Ops {
		p[op.Output] = i
	}
	return p
}

// HasWeights reports whether the kind takes a filter and a bias (its
// inputs 1 and 2).
func (k OpKind) HasWeights() bool {
	return k == Conv2D || k == DepthwiseConv2D || k == FullyConnected
}

// String returns the kind's name.
func (k OpKind) String() string { return string(k) }

// ParseOpKind checks an operation name.
func ParseOpKind(s string) (OpKind, error) {
	for _, k := range OpKinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown operation %q", s)
}
