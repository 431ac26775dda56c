package workloads

import (
	"fmt"
	"math"
	"slices"

	"github.com/npusim/npusim/quant"
)

// Validate checks the whole model: every tensor on its own, every op's operands
// and attributes, that each op's output has the shape its inputs imply, and
// that ops come in topological order. Errors name the tensor or op and field
// ("conv1.strideW: must be >= 1, got 0").
func (m *Model) Validate() error {
	if err := m.checkNames(); err != nil {
		return err
	}
	for i, t := range m.Tensors {
		if err := t.Validate(); err != nil {
			return fmt.Errorf("%s.%w", m.tensorName(i), err)
		}
	}
	ready := make([]bool, len(m.Tensors))
	for _, i := range m.Inputs {
		if err := m.checkIndex("inputs", i); err != nil {
			return err
		}
		ready[i] = true
	}
	for i, t := range m.Tensors {
		if t.Constant() {
			ready[i] = true
		}
	}
	for _, op := range m.Ops {
		for _, in := range op.Inputs {
			if err := m.checkIndex(op.Name+".inputs", in); err != nil {
				return err
			}
			if !ready[in] {
				return fmt.Errorf("%s: reads %s before any op writes it", op.Name, m.tensorName(in))
			}
		}
		if err := m.checkIndex(op.Name+".output", op.Output); err != nil {
			return err
		}
		if ready[op.Output] {
			return fmt.Errorf("%s: writes %s, which is already an input, a constant or another op's output",
				op.Name, m.tensorName(op.Output))
		}
		if err := m.checkOp(op); err != nil {
			return err
		}
		ready[op.Output] = true
	}
	if len(m.Outputs) == 0 {
		return fmt.Errorf("outputs: the model has no outputs")
	}
	for _, o := range m.Outputs {
		if err := m.checkIndex("outputs", o); err != nil {
			return err
		}
		if !ready[o] {
			return fmt.Errorf("outputs: %s is never written", m.tensorName(o))
		}
	}
	return m.CheckBudget()
}

func (m *Model) checkIndex(field string, i int) error {
	if i < 0 || i >= len(m.Tensors) {
		return fmt.Errorf("%s: tensor index %d outside 0..%d", field, i, len(m.Tensors)-1)
	}
	return nil
}

func (m *Model) tensorName(i int) string {
	if n := m.Tensors[i].Name; n != "" {
		return n
	}
	return fmt.Sprintf("tensor %d", i)
}

// operandCount gives the number of inputs each kind takes (-1: one or more).
var operandCount = map[OpKind]int{
	Conv2D: 3, DepthwiseConv2D: 3, FullyConnected: 3, Add: 2, Mul: 2,
	AveragePool2D: 1, MaxPool2D: 1, Relu: 1, Relu1: 1, Relu6: 1,
	Softmax: 1, Logistic: 1, Concatenation: -1, Reshape: 1,
}

func (m *Model) checkOp(op *Op) error {
	want, ok := operandCount[op.Kind]
	if !ok {
		return fmt.Errorf("%s.kind: unknown operation %q", op.Name, op.Kind)
	}
	if (want > 0 && len(op.Inputs) != want) || len(op.Inputs) == 0 {
		return fmt.Errorf("%s: %v takes %d inputs, got %d", op.Name, op.Kind, want, len(op.Inputs))
	}
	out := m.Tensors[op.Output]
	if !out.Type.Is8Bit() || out.Type == quant.Int8PerChannel {
		return fmt.Errorf("%s.type: an op output must be %v or %v, got %v", out.Name, quant.Uint8, quant.Int8, out.Type)
	}
	for _, in := range op.Inputs[:m.dataInputs(op)] {
		if t := m.Tensors[in]; t.Type != out.Type {
			return fmt.Errorf("%s.type: %v, but %s's output is %v", t.Name, t.Type, op.Name, out.Type)
		}
	}
	if !op.Activation.Valid() {
		return fmt.Errorf("%s.activation: %d is not 0 (NONE), 1 (RELU), 2 (RELU1) or 3 (RELU6)", op.Name, op.Activation)
	}
	if op.Kind.HasWeights() {
		if err := m.checkWeights(op); err != nil {
			return err
		}
	}
	shape, err := m.inferShape(op)
	if err != nil {
		return err
	}
	if !slices.Equal(shape, out.Shape) {
		return fmt.Errorf("%s.shape: %v, but %s implies %v", out.Name, out.Shape, op.Name, shape)
	}
	return m.checkSameGrid(op)
}

// dataInputs is the number of inputs that are activations.
func (m *Model) dataInputs(op *Op) int {
	if op.Kind.HasWeights() {
		return 1
	}
	return len(op.Inputs)
}

// checkWeights checks a filter and bias against the input and each other.
func (m *Model) checkWeights(op *Op) error {
	in, filter, bias := m.Tensors[op.Inputs[0]], m.Tensors[op.Inputs[1]], m.Tensors[op.Inputs[2]]
	rank, axis := 4, 0
	switch op.Kind {
	case DepthwiseConv2D:
		axis = 3
	case FullyConnected:
		rank = 2
	}
	if len(filter.Shape) != rank {
		return fmt.Errorf("%s.shape: %v filter must have %d dimensions, got %v", filter.Name, op.Kind, rank, filter.Shape)
	}
	if !filter.Type.Is8Bit() {
		return fmt.Errorf("%s.type: a filter must be 8-bit, got %v", filter.Name, filter.Type)
	}
	if filter.Type != quant.Int8PerChannel && filter.Type != in.Type {
		return fmt.Errorf("%s.type: %v filter with %v input (per-tensor filters share the input's type)",
			filter.Name, filter.Type, in.Type)
	}
	if filter.Params.PerChannel() && filter.Params.Axis != axis {
		return fmt.Errorf("%s.channelDim: must be %d for %v, got %d", filter.Name, axis, op.Kind, filter.Params.Axis)
	}
	channels := filter.Shape[axis]
	if bias.Type != quant.Int32 {
		return fmt.Errorf("%s.type: a bias must be %v, got %v", bias.Name, quant.Int32, bias.Type)
	}
	if len(bias.Shape) != 1 || bias.Shape[0] != channels {
		return fmt.Errorf("%s.shape: %v, but the filter has %d output channels", bias.Name, bias.Shape, channels)
	}
	if !bias.Params.PerChannel() && !filter.Params.PerChannel() {
		want := float64(in.Params.Scale) * float64(filter.Params.Scale)
		if math.Abs(float64(bias.Params.Scale)-want) > 1e-6*want {
			return fmt.Errorf("%s.scale: %v must equal input scale x filter scale = %v", bias.Name, bias.Params.Scale, want)
		}
	}
	return nil
}

// checkSameGrid enforces NNAPI's rule that pools, activations and reshapes
// keep their input's quantization.
func (m *Model) checkSameGrid(op *Op) error {
	switch op.Kind {
	case AveragePool2D, MaxPool2D, Relu, Relu1, Relu6, Reshape:
	default:
		return nil
	}
	in, out := m.Tensors[op.Inputs[0]], m.Tensors[op.Output]
	if in.Params.Scale != out.Params.Scale || in.Params.ZeroPoint != out.Params.ZeroPoint {
		return fmt.Errorf("%s: %v must keep its input's scale and zero point (%v, %d), got (%v, %d)",
			out.Name, op.Kind, in.Params.Scale, in.Params.ZeroPoint, out.Params.Scale, out.Params.ZeroPoint)
	}
	return nil
}

// inferShape returns the output shape the op's inputs and attributes imply.
func (m *Model) inferShape(op *Op) ([]int, error) {
	in := m.Tensors[op.Inputs[0]]
	switch op.Kind {
	case Conv2D, DepthwiseConv2D, AveragePool2D, MaxPool2D:
		return m.inferWindowShape(op, in)
	case FullyConnected:
		size, units := m.Tensors[op.Inputs[1]].Shape[1], m.Tensors[op.Inputs[1]].Shape[0]
		if in.Len()%size != 0 {
			return nil, fmt.Errorf("%s.shape: %v has %d elements, not a multiple of the weights' input size %d",
				in.Name, in.Shape, in.Len(), size)
		}
		return []int{in.Len() / size, units}, nil
	case Add, Mul:
		s, err := quant.BroadcastShape(in.Shape, m.Tensors[op.Inputs[1]].Shape)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op.Name, err)
		}
		return s, nil
	case Softmax:
		if op.Beta <= 0 || math.IsNaN(float64(op.Beta)) || math.IsInf(float64(op.Beta), 0) {
			return nil, fmt.Errorf("%s.beta: must be a finite number > 0, got %v", op.Name, op.Beta)
		}
		return m.checkProbability(op, in)
	case Logistic:
		return m.checkProbability(op, in)
	case Concatenation:
		return m.inferConcatShape(op)
	case Reshape:
		out := m.Tensors[op.Output]
		if out.Len() != in.Len() {
			return nil, fmt.Errorf("%s.shape: %v has %d elements, the input %v has %d",
				out.Name, out.Shape, out.Len(), in.Shape, in.Len())
		}
		return out.Shape, nil
	}
	return in.Shape, nil // RELU, RELU1, RELU6
}

func (m *Model) checkProbability(op *Op, in *Tensor) ([]int, error) {
	out := m.Tensors[op.Output]
	if out.Params.Scale != 1.0/256 || out.Params.ZeroPoint != out.Type.Min() {
		return nil, fmt.Errorf("%s: %v output must have scale 1/256 (0.00390625) and zero point %d, got %v and %d",
			out.Name, op.Kind, out.Type.Min(), out.Params.Scale, out.Params.ZeroPoint)
	}
	return in.Shape, nil
}

func (m *Model) inferWindowShape(op *Op, in *Tensor) ([]int, error) {
	if err := checkWindowAttributes(op, in); err != nil {
		return nil, err
	}
	win, err := m.filterWindowOf(op, in)
	if err != nil {
		return nil, err
	}
	fh, fw, dh, dw := win.h, win.w, win.dilationH, win.dilationW
	if err := checkWindowGeometry(op, fh, fw); err != nil {
		return nil, err
	}
	p := op.Padding
	paddedH, paddedW := in.Shape[1]+p.Top+p.Bottom, in.Shape[2]+p.Left+p.Right
	oh := quant.ConvOutputSize(in.Shape[1], fh, op.StrideH, dh, p.Top, p.Bottom)
	ow := quant.ConvOutputSize(in.Shape[2], fw, op.StrideW, dw, p.Left, p.Right)
	if oh < 1 || ow < 1 || paddedH < (fh-1)*dh+1 || paddedW < (fw-1)*dw+1 {
		return nil, fmt.Errorf("%s: a %dx%d window (dilation %dx%d) does not fit the padded %dx%d input",
			op.Name, fh, fw, dh, dw, paddedH, paddedW)
	}
	return []int{in.Shape[0], oh, ow, win.channels}, nil
}

// checkWindowAttributes checks what every window op needs whatever its
// kind: a 4-D input, strides >= 1, dilations not negative, padding >= 0.
func checkWindowAttributes(op *Op, in *Tensor) error {
	if len(in.Shape) != 4 {
		return fmt.Errorf("%s.shape: %v needs a 4-D NHWC input, got %v", in.Name, op.Kind, in.Shape)
	}
	if op.StrideH < 1 || op.StrideW < 1 {
		return fmt.Errorf("%s.strideH/strideW: must be >= 1, got %d and %d", op.Name, op.StrideH, op.StrideW)
	}
	if op.DilationH < 0 || op.DilationW < 0 {
		return fmt.Errorf("%s.dilationH/dilationW: must be >= 1, got %d and %d", op.Name, op.DilationH, op.DilationW)
	}
	p := op.Padding
	if p.Top < 0 || p.Bottom < 0 || p.Left < 0 || p.Right < 0 {
		return fmt.Errorf("%s.padding: each side must be >= 0, got top %d, bottom %d, left %d, right %d",
			op.Name, p.Top, p.Bottom, p.Left, p.Right)
	}
	return nil
}

// filterWindow is the window a window op slides over its input: its height
// and width, its dilations and the output channels it makes.
type filterWindow struct {
	h, w                 int
	dilationH, dilationW int
	channels             int
}

// filterWindowOf reads a window op's window: from the filter tensor of a
// convolution (checked against the input's channels), from the op's
// attributes for a pool (undilated).
func (m *Model) filterWindowOf(op *Op, in *Tensor) (filterWindow, error) {
	dh, dw := op.Dilation()
	win := filterWindow{h: op.FilterH, w: op.FilterW, dilationH: dh, dilationW: dw, channels: in.Shape[3]}
	switch op.Kind {
	case Conv2D:
		f := m.Tensors[op.Inputs[1]]
		win.h, win.w, win.channels = f.Shape[1], f.Shape[2], f.Shape[0]
		if f.Shape[3] != in.Shape[3] {
			return win, fmt.Errorf("%s.shape: %v has %d input channels, the input %v has %d",
				f.Name, f.Shape, f.Shape[3], in.Shape, in.Shape[3])
		}
	case DepthwiseConv2D:
		f := m.Tensors[op.Inputs[1]]
		win.h, win.w, win.channels = f.Shape[1], f.Shape[2], f.Shape[3]
		if f.Shape[0] != 1 {
			return win, fmt.Errorf("%s.shape: a depthwise filter is [1, fH, fW, outC], got %v", f.Name, f.Shape)
		}
		multiplier := op.DepthMultiplier
		if multiplier < 1 || multiplier > win.channels || in.Shape[3]*multiplier != win.channels {
			return win, fmt.Errorf("%s.depthMultiplier: %d input channels x %d != %d filter channels",
				op.Name, in.Shape[3], multiplier, win.channels)
		}
	default:
		win.dilationH, win.dilationW = 1, 1
		if win.h < 1 || win.w < 1 {
			return win, fmt.Errorf("%s.filterH/filterW: must be >= 1, got %d and %d", op.Name, win.h, win.w)
		}
	}
	return win, nil
}

func (m *Model) inferConcatShape(op *Op) ([]int, error) {
	first := m.Tensors[op.Inputs[0]]
	if op.Axis < 0 || op.Axis >= len(first.Shape) {
		return nil, fmt.Errorf("%s.axis: %d outside 0..%d", op.Name, op.Axis, len(first.Shape)-1)
	}
	shape := slices.Clone(first.Shape)
	for _, i := range op.Inputs[1:] {
		t := m.Tensors[i]
		if len(t.Shape) != len(shape) {
			return nil, fmt.Errorf("%s.shape: rank %d, but %s has rank %d", t.Name, len(t.Shape), first.Name, len(shape))
		}
		for d := range shape {
			if d != op.Axis && t.Shape[d] != shape[d] {
				return nil, fmt.Errorf("%s.shape: %v differs from %v off axis %d", t.Name, t.Shape, first.Shape, op.Axis)
			}
		}
		shape[op.Axis] += t.Shape[op.Axis]
	}
	return shape, nil
}
