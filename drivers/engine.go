package drivers

import (
	"fmt"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
)

// This file holds the engine policies: an exact policy that names an
// inference engine (Policy.Engine) computes every layer bit for bit as that
// engine does (reference.Engine, emulated in package reference and held to
// the real engine by package engines). A layer whose engine arithmetic the
// NPU has runs there, by the exact routes of route.go like any layer of an
// exact policy; a layer the engine computes in arithmetic no NPU command
// has (ONNX Runtime's float32 QLinearAdd, Arm NN's float32 accumulation)
// takes the host CPU route, whose kernel is the engine's own
// (HostLayer.Engine). The cost of the run is then what the engine's
// arithmetic costs on that NPU.

// checkEngine validates the engine field: an engine emulation, on an exact
// policy, with the engine's requantization where the NPU may compute it.
func (p *Policy) checkEngine() error {
	switch p.Engine {
	case "":
		return nil
	case reference.ONNXRuntime, reference.ArmNNRef:
	case reference.TFLite:
		return fmt.Errorf("engine: tflite is the reference policy's arithmetic; leave engine unset")
	default:
		_, err := reference.ParseEngine(string(p.Engine))
		return fmt.Errorf("engine: %w", err)
	}
	switch {
	case !p.Exact:
		return fmt.Errorf("engine: only an exact policy computes as an engine does (set exact: true)")
	case p.Fallback == FallbackNone || p.Fallback == FallbackEmulate:
		return fmt.Errorf("engine: an engine policy runs the engine's float32 layers on the host CPU " +
			"(fallback: auto or cpu)")
	case p.Fusion == FusionSeparate || p.ResidualFusion || p.ExpandFusion != "":
		return fmt.Errorf("engine: an engine policy fuses as the engine does (activation_fusion, " +
			"residual_add_fusion and expand_depthwise_fusion must be unset)")
	case p.Engine == reference.ONNXRuntime && (p.Requant == nil || *p.Requant != quant.VariantFP32):
		return fmt.Errorf("engine: onnxruntime requantizes in float32 (requant: fp32)")
	}
	return nil
}

// engineOnCPU says whether an engine computes an op in arithmetic the NPU
// lacks, so that the op takes the host CPU with the engine's kernel, and
// why; an op the engine's emulation does not compute is an
// UnsupportedError.
func engineOnCPU(e reference.Engine, m *workloads.Model, op *workloads.Op) (bool, string, error) {
	var why string
	var err error
	switch e {
	case reference.ONNXRuntime:
		why, err = ortOnCPU(m, op)
	case reference.ArmNNRef:
		why, err = armnnOnCPU(op)
	}
	if err != nil {
		return false, "", unsupported("engine %s cannot compute %v: %v", e, op.Kind, err)
	}
	return why != "", why, nil
}

// ortOnCPU is engineOnCPU for ONNX Runtime's QOperator kernels (see
// reference/onnxruntime.go): QLinearConv's int32 accumulation and float32
// requantization, MaxPool, Clip and Reshape are the NPU's arithmetic under
// the fp32 requantization mode; its ADD, global average pool and SOFTMAX
// compute in float32 on the CPU.
func ortOnCPU(m *workloads.Model, op *workloads.Op) (string, error) {
	switch op.Kind {
	case workloads.Conv2D, workloads.DepthwiseConv2D, workloads.FullyConnected, workloads.MaxPool2D,
		workloads.Relu, workloads.Relu1, workloads.Relu6, workloads.Reshape:
		return "", nil
	case workloads.Concatenation:
		out := m.Tensors[op.Output].Params
		for _, i := range op.Inputs {
			if !sameGrid(m.Tensors[i].Params, out) {
				return "onnxruntime's QLinearConcat moves an input to the output's grid in float32", nil
			}
		}
		return "", nil
	case workloads.Mul:
		return "onnxruntime's QLinearMul scales the product in float32", nil
	case workloads.Logistic:
		return "onnxruntime's QLinearSigmoid evaluates MLAS's float32 rational approximation", nil
	case workloads.Add:
		return "onnxruntime's QLinearAdd computes in float32 with fused multiply-adds", nil
	case workloads.AveragePool2D:
		in := m.Tensors[op.Inputs[0]]
		if op.FilterH != in.Shape[1] || op.FilterW != in.Shape[2] || op.Padding != (workloads.Padding{}) {
			return "", fmt.Errorf("only a global average pool is exported (QLinearGlobalAveragePool)")
		}
		return "onnxruntime's QLinearGlobalAveragePool scales the sum by a float32 factor", nil
	case workloads.Softmax:
		if op.Beta != 1 {
			return "", fmt.Errorf("softmax beta %v is not exported", op.Beta)
		}
		return "onnxruntime's QLinearSoftmax divides float32 table entries by their float32 sum", nil
	}
	return "", fmt.Errorf("its emulation has no such layer")
}

// armnnOnCPU is engineOnCPU for Arm NN's reference backend (see
// reference/armnn.go), which decodes every operand to float32: only a max
// pool without activation (the maximum commutes with the monotone decode
// and encode) and a reshape are the NPU's arithmetic.
func armnnOnCPU(op *workloads.Op) (string, error) {
	switch op.Kind {
	case workloads.Reshape:
		return "", nil
	case workloads.MaxPool2D:
		if op.Activation == quant.ActNone {
			return "", nil
		}
		return "armnn-ref clamps in a float32 Activation layer", nil
	case workloads.Conv2D, workloads.DepthwiseConv2D, workloads.FullyConnected:
		return "armnn-ref accumulates decoded float32 products in float32", nil
	case workloads.Add, workloads.AveragePool2D, workloads.Softmax:
		return fmt.Sprintf("armnn-ref computes %v on decoded float32 values", op.Kind), nil
	case workloads.Relu, workloads.Relu1, workloads.Relu6:
		return "armnn-ref's Activation layer decodes, clamps in float32 and encodes", nil
	}
	return "", fmt.Errorf("its emulation has no such layer")
}

// EnginePresets lists the presets that are engine policies, in the order
// of Presets.
func EnginePresets() []string {
	var names []string
	for _, name := range Presets() {
		if p, err := LoadPolicy(name); err == nil && p.Engine != "" {
			names = append(names, name)
		}
	}
	return names
}
