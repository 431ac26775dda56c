package onnx

import (
	"fmt"
	"regexp"
	"slices"

	pb "github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
	"google.golang.org/protobuf/proto"
)

// exporter turns one IR model into an ONNX graph.
type exporter struct {
	m      *workloads.Model
	g      *pb.GraphProto
	names  []string        // IR tensor -> ONNX value name
	used   map[string]bool // ONNX names taken
	params map[int][2]string
}

// Export writes a model in ONNX's QOperator form (see the package comment).
// 4-D activations become NCHW; constants are initializers.
func Export(m *workloads.Model) (*pb.ModelProto, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("model %s: %w", m.Name, err)
	}
	e := &exporter{m: m, g: &pb.GraphProto{Name: m.Name, DocString: m.Description},
		names: make([]string, len(m.Tensors)), used: map[string]bool{}, params: map[int][2]string{}}
	for i, t := range m.Tensors {
		e.names[i] = e.fresh(t.Name)
	}
	for _, i := range m.Inputs {
		e.g.Input = append(e.g.Input, valueInfo(e.names[i], elemType(m.Tensors[i].Type), e.onnxShape(i)))
		e.annotate(i)
	}
	for _, op := range m.Ops {
		if err := e.op(op); err != nil {
			return nil, fmt.Errorf("op %s (%v): %w", op.Name, op.Kind, err)
		}
	}
	for _, i := range m.Outputs {
		e.g.Output = append(e.g.Output, valueInfo(e.names[i], elemType(m.Tensors[i].Type), e.onnxShape(i)))
	}
	opsets := []*pb.OperatorSetIdProto{{Domain: "", Version: opsetONNX}, {Domain: msDomain, Version: opsetMicrosoft}}
	return &pb.ModelProto{IrVersion: irVersion, ProducerName: "npusim", Graph: e.g, DocString: m.Description,
		OpsetImport: opsets}, nil
}

// Marshal exports a model and encodes it as an ONNX file's bytes.
func Marshal(m *workloads.Model) ([]byte, error) {
	mp, err := Export(m)
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(mp)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_./:-]`)

// fresh returns a unique ONNX name close to base.
func (e *exporter) fresh(base string) string {
	base = unsafeName.ReplaceAllString(base, "_")
	if base == "" {
		base = "t"
	}
	name := base
	for k := 1; e.used[name]; k++ {
		name = fmt.Sprintf("%s_%d", base, k)
	}
	e.used[name] = true
	return name
}

func elemType(t quant.Type) int32 {
	switch t {
	case quant.Uint8:
		return dtUint8
	case quant.Int32:
		return dtInt32
	}
	return dtInt8
}

// nchw reports whether an IR tensor is an image stored NCHW in ONNX.
func (e *exporter) nchw(i int) bool {
	t := e.m.Tensors[i]
	return len(t.Shape) == 4 && !t.Constant()
}

func (e *exporter) onnxShape(i int) []int {
	if e.nchw(i) {
		return toNCHW(e.m.Tensors[i].Shape)
	}
	return e.m.Tensors[i].Shape
}

func (e *exporter) init(t *pb.TensorProto) string {
	t.Name = e.fresh(t.Name)
	e.g.Initializer = append(e.g.Initializer, t)
	return t.Name
}

func (e *exporter) node(opType, domain, name string, inputs, outputs []string, attrs ...*pb.AttributeProto) {
	e.g.Node = append(e.g.Node, &pb.NodeProto{OpType: opType, Domain: domain, Name: e.fresh(name),
		Input: inputs, Output: outputs, Attribute: attrs})
}

// quantParams returns the names of an activation's scale and zero point.
func (e *exporter) quantParams(i int) (scale, zeroPoint string) {
	if p, ok := e.params[i]; ok {
		return p[0], p[1]
	}
	t := e.m.Tensors[i]
	scale = e.init(floatTensor(e.names[i]+"_scale", nil, []float32{t.Params.Scale}))
	zeroPoint = e.init(codesTensor(e.names[i]+"_zero_point", elemType(t.Type), nil, []int32{t.Params.ZeroPoint}))
	e.params[i] = [2]string{scale, zeroPoint}
	return scale, zeroPoint
}

// annotate records an input's scale and zero point in the graph's
// quantization annotation, so that readers know them before any op uses it.
func (e *exporter) annotate(i int) {
	s, z := e.quantParams(i)
	names := []*pb.StringStringEntryProto{{Key: "SCALE_TENSOR", Value: s}, {Key: "ZERO_POINT_TENSOR", Value: z}}
	e.g.QuantizationAnnotation = append(e.g.QuantizationAnnotation,
		&pb.TensorAnnotation{TensorName: e.names[i], QuantParameterTensorNames: names})
}

// quantized returns an activation's name, scale and zero point, the
// QLinear* ops' operand triple.
func (e *exporter) quantized(i int) []string {
	s, z := e.quantParams(i)
	return []string{e.names[i], s, z}
}

func (e *exporter) op(op *workloads.Op) error {
	switch op.Kind {
	case workloads.Conv2D, workloads.DepthwiseConv2D:
		return e.conv(op)
	case workloads.FullyConnected:
		return e.fullyConnected(op)
	case workloads.Add, workloads.Mul:
		return e.binary(op)
	case workloads.AveragePool2D, workloads.MaxPool2D:
		return e.pool(op)
	case workloads.Relu, workloads.Relu1, workloads.Relu6:
		act, _ := op.Kind.ReluActivation()
		e.clip(op.Name, e.names[op.Inputs[0]], e.names[op.Output], op.Output, act)
		return nil
	case workloads.Softmax, workloads.Logistic:
		return e.probability(op)
	case workloads.Concatenation:
		return e.concat(op)
	case workloads.Reshape:
		e.reshape(op.Name, op.Inputs[0], op.Output)
		return nil
	}
	return fmt.Errorf("no ONNX form for %v", op.Kind)
}

// withActivation emits a node writing op's output, followed by a Clip on the
// stored codes when the op has a fused activation.
func (e *exporter) withActivation(opType, domain string, op *workloads.Op, out string, inputs []string,
	attrs ...*pb.AttributeProto) {
	if op.Activation == quant.ActNone {
		e.node(opType, domain, op.Name, inputs, []string{out}, attrs...)
		return
	}
	tmp := e.fresh(op.Name + "/pre_activation")
	e.node(opType, domain, op.Name, inputs, []string{tmp}, attrs...)
	e.clip(op.Name+"/"+op.Activation.String(), tmp, out, op.Output, op.Activation)
}

// clip clamps stored codes to an activation's range on tensor t's grid.
func (e *exporter) clip(name, in, out string, t int, act quant.Activation) {
	tt := e.m.Tensors[t]
	lo, hi := act.Range(tt.Type, tt.Params.Scale, tt.Params.ZeroPoint)
	loName := e.init(codesTensor(name+"_min", elemType(tt.Type), nil, []int32{lo}))
	hiName := e.init(codesTensor(name+"_max", elemType(tt.Type), nil, []int32{hi}))
	e.node("Clip", "", name, []string{in, loName, hiName}, []string{out})
}

// plainView returns the name under which tensor i lists its elements in IR
// (NHWC) order, transposing an NCHW image whose layouts differ.
func (e *exporter) plainView(i int) string {
	t := e.m.Tensors[i]
	if !e.nchw(i) || orderFree(t.Shape) {
		return e.names[i]
	}
	out := e.fresh(e.names[i] + "/nhwc")
	e.node("Transpose", "", out, []string{e.names[i]}, []string{out}, attrInts("perm", 0, 2, 3, 1))
	return out
}

// reshape writes tensor out as tensor in under out's shape.
func (e *exporter) reshape(name string, in, out int) {
	x := e.plainView(in)
	shape := e.m.Tensors[out].Shape
	if e.nchw(out) && !orderFree(shape) {
		tmp := e.fresh(name + "/nhwc")
		e.node("Reshape", "", name, []string{x, e.init(int64Tensor(name+"_shape", dims64(shape)))}, []string{tmp})
		e.node("Transpose", "", name+"/nchw", []string{tmp}, []string{e.names[out]}, attrInts("perm", 0, 3, 1, 2))
		return
	}
	target := e.init(int64Tensor(name+"_shape", dims64(e.onnxShape(out))))
	e.node("Reshape", "", name, []string{x, target}, []string{e.names[out]})
}

// weights stores a filter (already in ONNX's [M, C/group, kH, kW] order) and
// returns its name, scale and zero point.
func (e *exporter) weights(w *workloads.Tensor, shape []int, data []int32) []string {
	name := e.init(codesTensor(w.Name, elemType(w.Type), shape, data))
	if w.Params.PerChannel() {
		zeros := make([]int32, len(w.Params.Scales))
		return []string{name, e.init(floatTensor(w.Name+"_scale", []int{len(zeros)}, w.Params.Scales)),
			e.init(codesTensor(w.Name+"_zero_point", dtInt8, []int{len(zeros)}, zeros))}
	}
	return []string{name, e.init(floatTensor(w.Name+"_scale", nil, []float32{w.Params.Scale})),
		e.init(codesTensor(w.Name+"_zero_point", elemType(w.Type), nil, []int32{w.Params.ZeroPoint}))}
}

func (e *exporter) conv(op *workloads.Op) error {
	w := e.m.Tensors[op.Inputs[1]]
	var shape []int
	var data []int32
	group := 1
	if op.Kind == workloads.Conv2D {
		oc, fh, fw, ic := w.Shape[0], w.Shape[1], w.Shape[2], w.Shape[3]
		shape, data = []int{oc, ic, fh, fw}, nhwcToNCHW(w.Data, w.Shape)
	} else {
		fh, fw, oc := w.Shape[1], w.Shape[2], w.Shape[3]
		shape, data = []int{oc, 1, fh, fw}, nhwcToNCHW(w.Data, w.Shape)
		group = e.m.Tensors[op.Inputs[0]].Shape[3]
	}
	dh, dw := op.Dilation()
	p := op.Padding
	inputs := slices.Concat(e.quantized(op.Inputs[0]), e.weights(w, shape, data), e.quantized(op.Output)[1:],
		[]string{e.bias(op.Inputs[2])})
	e.withActivation("QLinearConv", "", op, e.names[op.Output], inputs,
		attrInts("kernel_shape", int64(shape[2]), int64(shape[3])),
		attrInts("pads", int64(p.Top), int64(p.Left), int64(p.Bottom), int64(p.Right)),
		attrInts("strides", int64(op.StrideH), int64(op.StrideW)),
		attrInts("dilations", int64(dh), int64(dw)), attrInt("group", int64(group)))
	return nil
}

func (e *exporter) bias(i int) string {
	b := e.m.Tensors[i]
	return e.init(int32Tensor(b.Name, b.Shape, b.Data))
}

// fullyConnected writes FULLY_CONNECTED as Reshape -> 1x1 QLinearConv ->
// Reshape, which keeps the int32 bias that QLinearMatMul lacks.
func (e *exporter) fullyConnected(op *workloads.Op) error {
	in, w, out := e.m.Tensors[op.Inputs[0]], e.m.Tensors[op.Inputs[1]], e.m.Tensors[op.Output]
	units, size := w.Shape[0], w.Shape[1]
	batches := in.Len() / size
	flat := e.fresh(op.Name + "/input_4d")
	e.node("Reshape", "", op.Name+"/flatten", []string{e.plainView(op.Inputs[0]),
		e.init(int64Tensor(op.Name+"_input_shape", []int64{int64(batches), int64(size), 1, 1}))}, []string{flat})
	s, z := e.quantParams(op.Inputs[0])
	conv := e.fresh(op.Name + "/output_4d")
	inputs := slices.Concat([]string{flat, s, z}, e.weights(w, []int{units, size, 1, 1}, w.Data),
		e.quantized(op.Output)[1:], []string{e.bias(op.Inputs[2])})
	e.withActivation("QLinearConv", "", op, conv, inputs, attrInts("kernel_shape", 1, 1))
	shape := e.init(int64Tensor(op.Name+"_output_shape", dims64(out.Shape)))
	e.node("Reshape", "", op.Name+"/unflatten", []string{conv, shape}, []string{e.names[op.Output]})
	return nil
}

func (e *exporter) binary(op *workloads.Op) error {
	a, b := e.m.Tensors[op.Inputs[0]], e.m.Tensors[op.Inputs[1]]
	if !slices.Equal(a.Shape, b.Shape) && (len(a.Shape) == 4 || len(b.Shape) == 4) {
		return fmt.Errorf("broadcasting %v with %v: NCHW broadcasting differs from NHWC", a.Shape, b.Shape)
	}
	opType := map[workloads.OpKind]string{workloads.Add: "QLinearAdd", workloads.Mul: "QLinearMul"}[op.Kind]
	inputs := slices.Concat(e.quantized(op.Inputs[0]), e.quantized(op.Inputs[1]), e.quantized(op.Output)[1:])
	e.withActivation(opType, msDomain, op, e.names[op.Output], inputs)
	return nil
}

func (e *exporter) pool(op *workloads.Op) error {
	in := e.m.Tensors[op.Inputs[0]]
	p := op.Padding
	window := []*pb.AttributeProto{attrInts("kernel_shape", int64(op.FilterH), int64(op.FilterW)),
		attrInts("pads", int64(p.Top), int64(p.Left), int64(p.Bottom), int64(p.Right)),
		attrInts("strides", int64(op.StrideH), int64(op.StrideW))}
	if op.Kind == workloads.MaxPool2D {
		e.withActivation("MaxPool", "", op, e.names[op.Output], []string{e.names[op.Inputs[0]]}, window...)
		return nil
	}
	inputs := slices.Concat(e.quantized(op.Inputs[0]), e.quantized(op.Output)[1:])
	if op.FilterH == in.Shape[1] && op.FilterW == in.Shape[2] && p == (workloads.Padding{}) {
		e.withActivation("QLinearGlobalAveragePool", msDomain, op, e.names[op.Output], inputs)
		return nil
	}
	e.withActivation("QLinearAveragePool", msDomain, op, e.names[op.Output], inputs, window...)
	return nil
}

func (e *exporter) probability(op *workloads.Op) error {
	inputs := slices.Concat(e.quantized(op.Inputs[0]), e.quantized(op.Output)[1:])
	if op.Kind == workloads.Logistic {
		e.node("QLinearSigmoid", msDomain, op.Name, inputs, []string{e.names[op.Output]})
		return nil
	}
	if op.Beta != 1 {
		return fmt.Errorf("beta: %v; QLinearSoftmax has no beta, only 1 is exported", op.Beta)
	}
	axis := int64(len(e.m.Tensors[op.Inputs[0]].Shape) - 1)
	if e.nchw(op.Inputs[0]) {
		axis = 1
	}
	e.node("QLinearSoftmax", msDomain, op.Name, inputs, []string{e.names[op.Output]},
		attrInt("axis", axis), attrInt("opset", opsetONNX))
	return nil
}

func (e *exporter) concat(op *workloads.Op) error {
	axis := op.Axis
	if e.nchw(op.Output) {
		axis = onnxAxis(axis)
	}
	out := e.m.Tensors[op.Output]
	same := true
	var inputs []string
	for _, i := range op.Inputs {
		t := e.m.Tensors[i]
		same = same && t.Params.Scale == out.Params.Scale && t.Params.ZeroPoint == out.Params.ZeroPoint
		inputs = append(inputs, e.quantized(i)...)
	}
	if same {
		names := make([]string, len(op.Inputs))
		for k, i := range op.Inputs {
			names[k] = e.names[i]
		}
		e.node("Concat", "", op.Name, names, []string{e.names[op.Output]}, attrInt("axis", int64(axis)))
		return nil
	}
	inputs = append(e.quantized(op.Output)[1:], inputs...)
	e.node("QLinearConcat", msDomain, op.Name, inputs, []string{e.names[op.Output]}, attrInt("axis", int64(axis)))
	return nil
}
