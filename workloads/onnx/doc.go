// Package onnx reads and writes quantized ONNX models.
//
// ONNX describes a quantized network in one of two forms. In the QOperator
// form, every op works on stored integers and carries its quantization as
// inputs: QLinearConv(x, xScale, xZeroPoint, w, wScale, wZeroPoint, yScale,
// yZeroPoint, bias), QLinearMatMul, and the com.microsoft ops that ONNX
// Runtime adds for the rest (QLinearAdd, QLinearMul, QLinearGlobalAveragePool,
// QLinearAveragePool, QLinearSigmoid, QLinearSoftmax, QLinearConcat). In the
// QDQ form, which ONNX Runtime's static quantization writes by default, ops
// are the float ones (Conv, MatMul, Gemm, Add, AveragePool, Relu, Clip...)
// with every input taken through DequantizeLinear and every output through
// QuantizeLinear. Import reads both into npusim's graph IR
// (workloads.Model), folding each DequantizeLinear -> op -> QuantizeLinear
// chain into one quantized op, a following Relu or Clip into the op's fused
// activation, and ONNX's NCHW activations into the IR's NHWC layout. Anything
// the IR cannot represent (a group convolution that is neither plain nor
// depthwise, a float tensor that is never quantized, an attribute value
// other than those listed per op) is an error that names the node, its op
// and the attribute.
//
// Export writes any IR model in the QOperator form: standard ONNX ops where
// they exist (QLinearConv, MaxPool, Clip on stored codes for fused
// activations, Concat, Reshape, Transpose) and ONNX Runtime's com.microsoft
// ops for the rest. A FULLY_CONNECTED layer becomes a 1x1 QLinearConv between
// two Reshapes, so that its bias is kept; Import folds that pattern back.
// Exporting, then importing, gives back a model with the same arithmetic.
//
// The protobuf types are those of github.com/advancedclimatesystems/gonnx,
// generated from ONNX's own onnx.proto3.
package onnx
