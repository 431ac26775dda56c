package quant

import (
	"fmt"
	"math"
)

// Activation is a fused activation function, numbered as NNAPI's
// FuseCode operand (0 NONE, 1 RELU, 2 RELU1, 3 RELU6).
type Activation int

// The fused activations of NNAPI.
const (
	ActNone  Activation = 0
	ActRelu  Activation = 1
	ActRelu1 Activation = 2
	ActRelu6 Activation = 3
)

var activationNames = [...]string{"NONE", "RELU", "RELU1", "RELU6"}

// String returns NNAPI's name for the activation.
func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Valid reports whether a is one of the four fused activations.
func (a Activation) Valid() bool { return a >= ActNone && a <= ActRelu6 }

// ParseActivation reads an activation name (NONE, RELU, RELU1, RELU6).
func ParseActivation(s string) (Activation, error) {
	for i, n := range activationNames {
		if n == s {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("unknown activation %q (want NONE, RELU, RELU1 or RELU6)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (a Activation) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Activation) UnmarshalText(b []byte) error {
	v, err := ParseActivation(string(b))
	*a = v
	return err
}

// Range returns the clamp bounds of the activation on an output of type t with
// scale and zero point, as NNAPI's CalculateActivationRange computes them:
// each real bound f becomes zeroPoint + round(f/scale) (the division in
// float32, halves away from zero), clipped to the type's range.
func (a Activation) Range(t Type, scale float32, zeroPoint int32) (lo, hi int32) {
	lo, hi = t.Min(), t.Max()
	quantize := func(f float32) int64 {
		r := math.Round(float64(float32(f / scale)))
		r = min(max(r, math.MinInt32), math.MaxInt32)
		return int64(zeroPoint) + int64(r)
	}
	switch a {
	case ActRelu:
		lo = Clamp(quantize(0), lo, hi)
	case ActRelu6:
		lo, hi = Clamp(quantize(0), lo, hi), Clamp(quantize(6), lo, hi)
	case ActRelu1:
		lo, hi = Clamp(quantize(-1), lo, hi), Clamp(quantize(1), lo, hi)
	}
	return lo, hi
}
