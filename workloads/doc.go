// Package workloads is npusim's graph format: the quantized networks that a
// driver compiles for the NPU and the reference interpreter runs, and the
// float networks they are quantized from.
//
// # A quantized model
//
// A Model is a list of Tensors and a list of Ops in topological order, with
// the indices of its input and output tensors. An Op names its kind as NNAPI
// does (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SOFTMAX, ...), its
// inputs and output by tensor index, and its attributes (padding in pixels,
// strides, dilations, fused activation, ...). A Tensor is a quant.Tensor
// with a name: a type (int8, uint8, int32), a shape (NHWC for images), the
// quantization parameters that map its stored codes to real numbers (a
// scale and a zero point, or a scale per output channel), and, for
// constants such as weights and biases, its values. Validate checks a model
// as NNAPI would: operand counts, types, shapes, and the grids the spec
// fixes (a bias's scale is its input's times its filter's). Summarize counts
// its MACs and parameters.
//
// For example, the classroom "2 x 3" is one FULLY_CONNECTED op: an int8
// input x of shape [1, 1] at scale 0.25, a constant int8 weight [[127]] at
// scale 3/127 (so 127 stands for 3.0), a zero int32 bias at scale 0.25 x
// 3/127, and an int8 output at scale 0.0625, on which 6.0 is code 96.
//
// # From a float network
//
// A Builder assembles a FloatModel layer by layer (Conv, Depthwise, FC,
// Pool, Add, Softmax, ...), with given weights or with seeded synthetic
// ones that look like a trained network's. FloatModel.Run is a plain
// float32 interpreter. Quantize is post-training quantization to TFLite's
// int8 scheme: it runs the float model on calibration inputs, observes
// every activation's range, and stores activations as asymmetric int8 and
// weights as symmetric int8 (per output channel for convolutions);
// QuantizeInput puts real input values on a model input's grid.
//
// # Workloads
//
// A Workload is a model with the input set it ships with (and, for
// classifiers trained on real data, the labels). Where workloads come from
// lives in packages of their own: zoo (the built-in networks), cases (op
// test case files in NNAPI's schema), inputfile (users' own inputs),
// scalesim (SCALE-Sim topologies) and loader, which turns the spec a
// --workload flag takes into a workload from any of them.
package workloads
