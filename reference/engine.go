package reference

import (
	"fmt"
	"strings"
)

// Engine names an inference engine whose integer arithmetic the interpreter
// reproduces for whole networks. TFLite is the reference (the kernels of
// this package with double rounding); the others are emulations written
// from each engine's published source and held bit for bit to the real
// engine by differential tests. A driver policy can name an engine by its
// string to mean "compute as this engine does".
type Engine string

// The engines.
const (
	// TFLite is TensorFlow Lite's reference kernels as NNAPI runs them: int32
	// accumulation, gemmlowp double-rounding requantization, fixed-point
	// ADD, SOFTMAX and LOGISTIC.
	TFLite Engine = "tflite"
	// ONNXRuntime is ONNX Runtime's CPU execution provider running the model
	// as package onnx exports it (QOperator form): int32 accumulation,
	// float32 requantization rounding half to even, float QLinearAdd and
	// QLinearMul, a float QLinearGlobalAveragePool, and lookup tables for
	// QLinearSoftmax, QLinearSigmoid and QLinearConcat's change of grid.
	ONNXRuntime Engine = "onnxruntime"
	// ArmNNRef is Arm NN 20.08's reference backend (CpuRef): every quantized
	// operand decoded to float32, products accumulated in float32, results
	// encoded by round-half-away-from-zero; activations are separate layers.
	ArmNNRef Engine = "armnn-ref"
)

// Engines lists the engines, reference first.
func Engines() []Engine { return []Engine{TFLite, ONNXRuntime, ArmNNRef} }

// ParseEngine checks an engine name.
func ParseEngine(s string) (Engine, error) {
	for _, e := range Engines() {
		if string(e) == s {
			return e, nil
		}
	}
	names := make([]string, len(Engines()))
	for i, e := range Engines() {
		names[i] = string(e)
	}
	return "", fmt.Errorf("unknown engine %q (want one of %s)", s, strings.Join(names, ", "))
}

// String returns the engine's name.
func (e Engine) String() string { return string(e) }
