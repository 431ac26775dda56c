// Package reference is the bit-exact CPU interpreter that every driver policy
// is measured against: one plain, readable kernel per NNAPI operation, with
// TFLite's and NNAPI's integer semantics.
//
// Each kernel reads quantized tensors and writes its output tensor, whose
// type, shape and quantization parameters the caller sets. Convolutions,
// fully connected layers and MUL accumulate exactly in 32 bits and requantize
// with a quant.Variant (double rounding reproduces NNAPI's expected outputs);
// ADD, SOFTMAX and LOGISTIC use TFLite's fixed-point algorithms from package
// quant. The kernels favour clarity over speed: loops mirror the definitions,
// and the work is linear in the number of multiply-accumulates.
//
// Convolutions, fully connected layers and ADD also run on the SIMD
// kernels of internal/kernels, held bit for bit to those loops by tests.
// The kernels read and write 8-bit activations as their stored bytes
// (Stored); Conv2DStored, DepthwiseConv2DStored, FullyConnectedStored and
// AddStored take them in that form, so that an interpreter can keep
// activations stored from one op to the next, and their filters prepared
// for the kernels from one input to the next (Filters).
package reference
