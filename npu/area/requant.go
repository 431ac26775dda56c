package area

import (
	"fmt"
	"slices"
	"strings"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

// A feature is a piece of a requantization lane that some arithmetic modes
// need: the integer multiplier, a rounding adder, the rounding divide of
// gemmlowp's second rounding, and so on. A unit with several modes builds
// each feature once, as wide as its widest user needs and in as many lanes
// as its busiest user has, and every mode that needs it uses it: a mode is a
// configuration of the unit, as a 32x32 multiplier array splits into twice
// as many 32x16 lanes. A feature's area per lane depends on the mode.
type feature struct {
	name string
	// size is the area of the feature in one lane of the mode at 40 nm,
	// and how it is built; false when the mode does not need it.
	size func(v quant.Variant) (float64, string, bool)
}

// multiplierBits is the width of the fixed-point multiplier a mode
// multiplies the int32 accumulator by (0 for float32).
func multiplierBits(v quant.Variant) int {
	switch v.Mode {
	case quant.FP32:
		return 0
	case quant.Mult24:
		return 24
	case quant.DoubleRounding, quant.DoubleRoundingNoSat:
		return 32
	}
	if v.Bits == 0 {
		return 32
	}
	return v.Bits
}

// doubleRounding reports whether a mode is gemmlowp's double rounding
// (SaturatingRoundingDoublingHighMul, then RoundingDivideByPOT).
func doubleRounding(v quant.Variant) bool {
	return v.Mode == quant.DoubleRounding || v.Mode == quant.DoubleRoundingNoSat
}

// singleRounding reports whether a mode rounds its product once, with an
// adder and a variable shift (the single-rounding family and mult24).
func singleRounding(v quant.Variant) bool {
	return v.Mode == quant.SingleRounding || v.Mode == quant.RoundHalfAway || v.Mode == quant.Mult24
}

// features are the pieces of a requantization lane, in the order of its
// pipeline (npu/rtl: bias, multiply, first rounding, shift and second
// rounding, zero point, clamp).
var features = []feature{
	{"integer multiplier", func(v quant.Variant) (float64, string, bool) {
		b := multiplierBits(v)
		return Multiplier(32, b) + Register(32+b), fmt.Sprintf("32x%d multiplier + %d-bit product register", b, 32+b), b > 0
	}},
	{"float multiplier", func(v quant.Variant) (float64, string, bool) {
		return FloatMultiplierUM2 + Logic(32) + Shifter(32) + Adder(8) + Shifter(32) + Adder(32),
			"fp32 multiplier + int-to-float (leading-zero logic, normalising shift, 8-bit exponent)" +
				" + float-to-int (shift, round-to-even add)", v.Mode == quant.FP32
	}},
	{"left shift", func(v quant.Variant) (float64, string, bool) {
		return Shifter(32), "32-bit shift of the accumulator for positive exponents", doubleRounding(v)
	}},
	{"rounding adder", func(v quant.Variant) (float64, string, bool) {
		b := multiplierBits(v)
		if doubleRounding(v) {
			return Adder(64), "64-bit adder: the nudge of the rounding doubling high multiply", true
		}
		return Adder(32 + b), fmt.Sprintf("%d-bit adder: the rounding constant", 32+b), singleRounding(v)
	}},
	{"product shift", func(v quant.Variant) (float64, string, bool) {
		b := multiplierBits(v)
		return Shifter(32 + b), fmt.Sprintf("%d-bit variable shift of the product", 32+b), b > 0 && !doubleRounding(v)
	}},
	{"doubling saturation", func(v quant.Variant) (float64, string, bool) {
		return 2 * Comparator(32), "two 32-bit compares: INT32_MIN x INT32_MIN saturates", v.Mode == quant.DoubleRounding
	}},
	{"rounding divide", func(v quant.Variant) (float64, string, bool) {
		return 2*Logic(32) + 2*Adder(32) + Comparator(32) + Shifter(32),
			"RoundingDivideByPOT: mask and remainder (2 logic), threshold and increment (2 adders), compare, shift",
			doubleRounding(v)
	}},
	{"half-away correction", func(v quant.Variant) (float64, string, bool) {
		return Logic(32), "sign-dependent rounding constant (1 logic op)", v.Mode == quant.RoundHalfAway
	}},
}

// outputStage is the part of a lane every mode shares: the bias and zero
// point adders, the saturation to int32 and the clamp, and the pipeline's
// registers.
func outputStage(depth int) (float64, string) {
	return 2*Adder(32) + 4*Comparator(32) + Register(32*depth),
		fmt.Sprintf("bias and zero-point adders, int32 saturation and clamp (4 compares), "+
			"%d pipeline registers of 32 bits", depth)
}

// requantParts are the requantization unit's parts at 40 nm: each feature
// some mode needs, in as many lanes as the mode that needs the most area
// for it, and the output stage in as many lanes as the widest mode.
func requantParts(c *npu.Config) []Part {
	var parts []Part
	for _, f := range features {
		var best Part
		var users []string
		for _, m := range c.Requant.Modes {
			size, how, ok := f.size(m.Variant)
			if !ok {
				continue
			}
			users = append(users, m.Variant.String())
			if p := (Part{Count: m.Lanes, UM2: size, Derivation: how}); p.TotalUM2() > best.TotalUM2() {
				best = p
			}
		}
		if len(users) > 0 {
			best.Unit, best.Name = "requant", f.name
			best.Derivation += "; for " + strings.Join(users, ", ")
			parts = append(parts, best)
		}
	}
	lanes := slices.MaxFunc(c.Requant.Modes, func(a, b npu.RequantMode) int { return a.Lanes - b.Lanes }).Lanes
	size, how := outputStage(c.Requant.PipelineDepth)
	return append(parts, Part{Unit: "requant", Name: "output stage", Count: lanes, UM2: size, Derivation: how})
}

// LaneUM2 is the area of one lane of a requantization unit that implements
// only the given mode, at 40 nm, with the given pipeline depth: the sum of
// the features the mode needs and the output stage.
func LaneUM2(v quant.Variant, depth int) float64 {
	total, _ := outputStage(depth)
	for _, f := range features {
		if size, _, ok := f.size(v); ok {
			total += size
		}
	}
	return total
}
