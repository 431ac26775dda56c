// Package cases reads op test cases: files of single-operation tests in the
// schema of Android NNAPI's quant8 test vectors (the project's CASES.md
// describes it). A file names one operation (CONV_2D, ADD, SOFTMAX, ...),
// its constant filter and bias where the op has them, its parameters
// (padding, strides, activation, ...), and cases: input tensors with the
// output the op must produce, every tensor with its type, shape and
// quantization (scale and zero point, or per-channel scales).
//
// Each case becomes a one-op workloads.Model, so that the reference
// interpreter, a driver and the simulated NPU all run it as they run a
// network: npusim check compares their outputs with the expected ones, and
// LoadWorkload turns a whole file into a workload any command can run.
//
// Reading is strict: an unknown parameter, a value outside its type, a
// shape that does not match its data or a non-finite scale is an error
// that names the file and the field ("case conv.json:
// cases[0].inputs[0].zeroPoint: 300 outside 0..255 for
// TENSOR_QUANT8_ASYMM").
package cases
