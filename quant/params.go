package quant

import (
	"fmt"
	"math"
)

// Params are the quantization parameters of a tensor: real = scale*(q-zeroPoint).
//
// A per-tensor tensor uses Scale and ZeroPoint. A per-channel tensor
// (Int8PerChannel) has one scale per index of dimension Axis in Scales, and
// zero point 0. Scales are float32, as in NNAPI and TFLite model files.
type Params struct {
	Scale     float32   `json:"scale"`
	ZeroPoint int32     `json:"zeroPoint"`
	Scales    []float32 `json:"scales,omitempty"`
	Axis      int       `json:"channelDim,omitempty"`
}

// PerChannel reports whether the parameters hold one scale per channel.
func (p Params) PerChannel() bool { return len(p.Scales) > 0 }

// ChannelScale returns the scale of channel c (the tensor scale when the
// parameters are per tensor).
func (p Params) ChannelScale(c int) float32 {
	if p.PerChannel() {
		return p.Scales[c]
	}
	return p.Scale
}

// Dequantize returns the real value a stored integer stands for (per-tensor).
func (p Params) Dequantize(q int32) float64 {
	return float64(p.Scale) * float64(q-p.ZeroPoint)
}

// Validate checks the parameters against a tensor type and shape. Errors name
// the offending field (scale, scales[i], zeroPoint, channelDim).
func (p Params) Validate(t Type, shape []int) error {
	switch t {
	case Int8PerChannel:
		if p.ZeroPoint != 0 {
			return fmt.Errorf("zeroPoint: must be 0 for %v, got %d", t, p.ZeroPoint)
		}
		if p.Axis < 0 || p.Axis >= len(shape) {
			return fmt.Errorf("channelDim: %d outside the %d dimensions of the shape", p.Axis, len(shape))
		}
		if len(p.Scales) != shape[p.Axis] {
			return fmt.Errorf("scales: %d scales for %d channels along dimension %d", len(p.Scales), shape[p.Axis], p.Axis)
		}
		for i, s := range p.Scales {
			if err := checkScale(s); err != nil {
				return fmt.Errorf("scales[%d]: %w", i, err)
			}
		}
		return nil
	case Int32:
		if p.ZeroPoint != 0 {
			return fmt.Errorf("zeroPoint: must be 0 for %v, got %d", t, p.ZeroPoint)
		}
		if p.PerChannel() {
			for i, s := range p.Scales {
				if err := checkScale(s); err != nil {
					return fmt.Errorf("scales[%d]: %w", i, err)
				}
			}
			return nil
		}
		if p.Scale < 0 || isBad(p.Scale) {
			return fmt.Errorf("scale: must be a finite number >= 0, got %v", p.Scale)
		}
		return nil
	case Uint8, Int8:
		if p.PerChannel() {
			return fmt.Errorf("scales: per-channel scales need type %v, not %v", Int8PerChannel, t)
		}
		if err := checkScale(p.Scale); err != nil {
			return fmt.Errorf("scale: %w", err)
		}
		if p.ZeroPoint < t.Min() || p.ZeroPoint > t.Max() {
			return fmt.Errorf("zeroPoint: %d outside %d..%d for %v", p.ZeroPoint, t.Min(), t.Max(), t)
		}
		return nil
	}
	return fmt.Errorf("type: unknown tensor type %v", t)
}

func checkScale(s float32) error {
	if isBad(s) || s <= 0 {
		return fmt.Errorf("must be a finite number > 0, got %v", s)
	}
	return nil
}

func isBad(s float32) bool {
	f := float64(s)
	return math.IsNaN(f) || math.IsInf(f, 0)
}
