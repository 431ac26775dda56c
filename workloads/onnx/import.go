package onnx

import (
	"errors"
	"fmt"
	"slices"

	pb "github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/npusim/npusim/internal/printable"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
	"google.golang.org/protobuf/proto"
)

// value is what an ONNX value name stands for while a graph is read: a
// quantized IR tensor (image tensors NCHW in ONNX, NHWC in the IR), or, in
// the QDQ form, a float value on its way to a QuantizeLinear.
type value struct {
	t     int // IR tensor; -1 for float values
	nchw  bool
	float *floatValue
}

// floatValue is a float tensor of a QDQ graph: the dequantized view of an IR
// tensor, a float graph input, or the result of a float op that a
// QuantizeLinear will turn into a quantized op.
type floatValue struct {
	deq     int // IR tensor dequantized, -1 if none
	input   string
	pending *pending
}

// importer reads one graph into an IR model.
type importer struct {
	m      *workloads.Model
	consts map[string]*constant
	values map[string]*value
	uses   map[string]int
	bound  []bool // IR tensor has its quantization
	node   *pb.NodeProto
	// floatInputs are the float graph inputs, quantized by the
	// QuantizeLinear that reads them.
	floatInputs []floatInput
	// deqConsts are dequantized constants (QDQ weights and biases).
	deqConsts map[string]*qconst
	// deqLayout is the ONNX layout of each dequantized IR tensor.
	deqLayout map[int]bool
}

type floatInput struct {
	name  string
	shape []int
}

// Unmarshal reads an ONNX file's bytes into an IR model named name.
func Unmarshal(data []byte, name string) (*workloads.Model, error) {
	mp := &pb.ModelProto{}
	if err := proto.Unmarshal(data, mp); err != nil {
		return nil, fmt.Errorf("not an ONNX model: the file is not a valid protocol buffer (%d bytes)", len(data))
	}
	return Import(mp, name)
}

// Import reads an ONNX model into an IR model named name. Errors name the
// node, its op and the attribute or input at fault.
func Import(mp *pb.ModelProto, name string) (*workloads.Model, error) {
	g := mp.GetGraph()
	if g == nil {
		return nil, fmt.Errorf("graph: the model has none")
	}
	im := &importer{m: &workloads.Model{Name: name, Description: g.DocString},
		consts: map[string]*constant{}, deqConsts: map[string]*qconst{}, deqLayout: map[int]bool{},
		values: map[string]*value{}, uses: map[string]int{}}
	if err := im.readGraph(g); err != nil {
		return nil, errors.New(printable.String(err.Error())) // node and value names come from the file
	}
	foldFullyConnected(im.m)
	if err := im.m.Validate(); err != nil {
		return nil, fmt.Errorf("imported model: %s", printable.String(err.Error()))
	}
	return im.m, nil
}

func (im *importer) readGraph(g *pb.GraphProto) error {
	for _, t := range g.Initializer {
		c, err := decodeTensor(t)
		if err != nil {
			return err
		}
		im.consts[t.Name] = c
	}
	for _, n := range g.Node {
		for _, in := range n.Input {
			im.uses[in]++
		}
	}
	for _, o := range g.Output {
		im.uses[o.Name]++
	}
	if err := im.readInputs(g); err != nil {
		return err
	}
	for _, n := range g.Node {
		im.node = n
		if err := im.readNode(n); err != nil {
			return fmt.Errorf("node %s (%s): %w", nodeName(n), n.OpType, err)
		}
	}
	im.node = nil
	return im.readOutputs(g)
}

func nodeName(n *pb.NodeProto) string {
	if n.Name != "" {
		return n.Name
	}
	if len(n.Output) > 0 {
		return n.Output[0]
	}
	return "(unnamed)"
}

// readInputs creates the IR inputs of quantized graph inputs and records
// float ones for the QuantizeLinear that must follow them.
func (im *importer) readInputs(g *pb.GraphProto) error {
	annotated := map[string]map[string]string{}
	for _, a := range g.QuantizationAnnotation {
		kv := map[string]string{}
		for _, e := range a.QuantParameterTensorNames {
			kv[e.Key] = e.Value
		}
		annotated[a.TensorName] = kv
	}
	for _, in := range g.Input {
		if _, ok := im.consts[in.Name]; ok {
			continue // an initializer listed as an input (IR version < 4)
		}
		tt := in.GetType().GetTensorType()
		if tt == nil {
			return fmt.Errorf("input %s: not a tensor", in.Name)
		}
		shape, err := staticShape(in.Name, tt.GetShape())
		if err != nil {
			return err
		}
		if tt.ElemType == dtFloat {
			im.values[in.Name] = &value{t: -1, float: &floatValue{deq: -1, input: in.Name}}
			im.floatInputs = append(im.floatInputs, floatInput{in.Name, shape})
			continue
		}
		typ, ok := quantType(tt.ElemType)
		if !ok {
			return fmt.Errorf("input %s: element type %v not supported (want UINT8, INT8 or FLOAT)",
				in.Name, pb.TensorProto_DataType(tt.ElemType))
		}
		v := im.newValue(in.Name, typ, shape, quant.Params{})
		im.m.Inputs = append(im.m.Inputs, v.t)
		if kv, ok := annotated[in.Name]; ok {
			if err := im.bindNames(v.t, kv["SCALE_TENSOR"], kv["ZERO_POINT_TENSOR"]); err != nil {
				return fmt.Errorf("input %s: quantization_annotation: %w", in.Name, err)
			}
		}
	}
	return nil
}

func staticShape(name string, s *pb.TensorShapeProto) ([]int, error) {
	if s == nil {
		return nil, fmt.Errorf("input %s: no shape", name)
	}
	var shape []int
	for i, d := range s.Dim {
		v := d.GetDimValue()
		if v <= 0 || v > 1<<24 {
			return nil, fmt.Errorf("input %s: dimension %d is %q, want a fixed size", name, i, d.String())
		}
		shape = append(shape, int(v))
	}
	if err := quant.ValidateShape(shape); err != nil {
		return nil, fmt.Errorf("input %s: %w", name, err)
	}
	return shape, nil
}

func (im *importer) readOutputs(g *pb.GraphProto) error {
	for _, o := range g.Output {
		v, ok := im.values[o.Name]
		if !ok {
			return fmt.Errorf("output %s: no node writes it", o.Name)
		}
		t := v.t
		if v.float != nil {
			if v.float.deq < 0 {
				return fmt.Errorf("output %s: a float result that is never quantized", o.Name)
			}
			t = v.float.deq // DequantizeLinear at the end of a QDQ graph
		}
		if !im.bound[t] {
			return fmt.Errorf("output %s: its quantization is never given", o.Name)
		}
		im.m.Outputs = append(im.m.Outputs, t)
	}
	if len(im.m.Outputs) == 0 {
		return fmt.Errorf("graph: no outputs")
	}
	return nil
}

// newValue adds an IR tensor for an ONNX value of the given ONNX shape; a
// 4-D shape is an NCHW image, stored NHWC.
func (im *importer) newValue(name string, typ quant.Type, onnxShape []int, p quant.Params) *value {
	shape, nchw := slices.Clone(onnxShape), len(onnxShape) == 4
	if nchw {
		shape = toNHWC(onnxShape)
	}
	t := im.m.AddTensor(&workloads.Tensor{Name: name, Tensor: quant.Tensor{Type: typ, Shape: shape, Params: p}})
	im.bound = append(im.bound, p.Scale != 0)
	v := &value{t: t, nchw: nchw}
	im.values[name] = v
	return v
}

// onnxShape is the shape an ONNX reader sees for a quantized value.
func (im *importer) onnxShape(v *value) []int {
	s := im.m.Tensors[v.t].Shape
	if v.nchw {
		return toNCHW(s)
	}
	return s
}

// quantValue returns the quantized value of an input name.
func (im *importer) quantValue(name string) (*value, error) {
	v, ok := im.values[name]
	switch {
	case !ok && im.consts[name] != nil:
		return nil, fmt.Errorf("input %s: a constant where an activation is expected", name)
	case !ok:
		return nil, fmt.Errorf("input %s: no node writes it before this one", name)
	case v.float != nil:
		return nil, fmt.Errorf("input %s: a float tensor where a quantized one is expected", name)
	}
	return v, nil
}
