// Package quant holds the exact integer arithmetic of quantized neural
// networks: tensor types, quantization parameters, the conversion of a real
// multiplier into a fixed-point one, and every requantization variant that
// real inference stacks use, each as a pure function.
//
// A quantized value q stands for the real number scale*(q-zeroPoint). A layer
// accumulates integer products in 32 bits and must then scale the accumulator
// by a real multiplier m = inputScale*weightScale/outputScale to land on the
// output's grid. How that multiplication by m is carried out in integers (one
// rounding or two, a 32-bit or a 16-bit multiplier, fixed point or float32) is
// the single place where otherwise identical integer pipelines disagree, and
// it is the subject of this package: see [Variant].
//
// The reference arithmetic follows gemmlowp and TensorFlow Lite's reference
// kernels (double rounding: SaturatingRoundingDoublingHighMul followed by
// RoundingDivideByPOT); the alternatives follow the public sources listed in
// the project's QUANT.md. Nothing here keeps state; the hardware model and the
// reference interpreter call the same functions.
package quant
