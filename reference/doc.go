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
package reference
