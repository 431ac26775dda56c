package quant

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Mode names one requantization arithmetic.
type Mode string

// The requantization arithmetics of QUANT.md sections 4 and 5.
const (
	// DoubleRounding is gemmlowp's SaturatingRoundingDoublingHighMul followed
	// by RoundingDivideByPOT: TFLite's legacy default and what NNAPI 1.0's
	// expected outputs need.
	DoubleRounding Mode = "double-rounding"
	// DoubleRoundingNoSat is DoubleRounding without the INT32_MIN*INT32_MIN
	// saturation (CMSIS-NN's default build): that one product wraps.
	DoubleRoundingNoSat Mode = "double-rounding-nosat"
	// SingleRounding multiplies in 64 bits and rounds once, halves toward
	// +infinity (TFLITE_SINGLE_ROUNDING; XNNPACK "rndnu" with Bits 32).
	SingleRounding Mode = "single-rounding"
	// RoundHalfAway rounds once with halves away from zero (XNNPACK "rndna").
	RoundHalfAway Mode = "round-half-away"
	// Truncate shifts the 64-bit product right with no rounding constant
	// (cheap fixed-function units): a bias of about -0.5 LSB.
	Truncate Mode = "truncate"
	// Mult24 takes a 24-bit significand straight from the float32 scale and
	// rounds once (XNNPACK "rndnu").
	Mult24 Mode = "mult24"
	// FP32 multiplies float32(acc) by a float32 scale and rounds half to even
	// (XNNPACK fp32, ONNX Runtime, Gemmini, Edge TPU).
	FP32 Mode = "fp32"
)

// Variant is a serialisable description of a requantization arithmetic: a mode
// and, for the single-rounding family (SingleRounding, RoundHalfAway and
// Truncate), the width in bits of the signed fixed-point multiplier the
// hardware holds. Bits 0 means 32. Its text form is the variant's name
// ("double-rounding", "mult16", "truncate/20"); see ParseVariant.
type Variant struct {
	Mode Mode
	Bits int
}

// The named variants.
var (
	VariantDoubleRounding      = Variant{Mode: DoubleRounding}
	VariantDoubleRoundingNoSat = Variant{Mode: DoubleRoundingNoSat}
	VariantSingleRounding      = Variant{Mode: SingleRounding}
	VariantRoundHalfAway       = Variant{Mode: RoundHalfAway}
	VariantTruncate            = Variant{Mode: Truncate}
	VariantMult24              = Variant{Mode: Mult24}
	VariantMult16              = Variant{Mode: SingleRounding, Bits: 16}
	VariantFP32                = Variant{Mode: FP32}
)

// Variants lists every named variant, reference first.
func Variants() []Variant {
	return []Variant{
		VariantDoubleRounding, VariantSingleRounding, VariantFP32, VariantMult24,
		VariantMult16, VariantRoundHalfAway, VariantTruncate, VariantDoubleRoundingNoSat,
	}
}

// bits returns the multiplier width, 32 unless narrowed.
func (v Variant) bits() int {
	if v.Bits == 0 {
		return 32
	}
	return v.Bits
}

func (v Variant) narrowable() bool {
	return v.Mode == SingleRounding || v.Mode == RoundHalfAway || v.Mode == Truncate
}

// String returns the variant's name: "mult16" for a 16-bit single rounding,
// "mode/bits" for other narrowed multipliers, else the mode.
func (v Variant) String() string {
	if v == VariantMult16 {
		return "mult16"
	}
	if v.narrowable() && v.bits() != 32 {
		return fmt.Sprintf("%s/%d", v.Mode, v.Bits)
	}
	return string(v.Mode)
}

// ParseVariant reads a variant name: a mode, "mult16", or "mode/bits" for the
// single-rounding family with a narrower multiplier (8 to 32 bits).
func ParseVariant(s string) (Variant, error) {
	if s == "mult16" {
		return VariantMult16, nil
	}
	name, bitsText, narrowed := strings.Cut(s, "/")
	v := Variant{Mode: Mode(name)}
	switch v.Mode {
	case DoubleRounding, DoubleRoundingNoSat, SingleRounding, RoundHalfAway, Truncate, Mult24, FP32:
	default:
		return Variant{}, fmt.Errorf("unknown requantization variant %q (want one of %s)", s, variantNames())
	}
	if !narrowed {
		return v, nil
	}
	bits, err := strconv.Atoi(bitsText)
	if err != nil || !v.narrowable() || bits < 8 || bits > 32 {
		return Variant{}, fmt.Errorf("bad requantization variant %q: only single-rounding, round-half-away "+
			"and truncate take a multiplier width, 8 to 32 bits", s)
	}
	if bits != 32 {
		v.Bits = bits
	}
	return v, nil
}

func variantNames() string {
	var names []string
	for _, v := range Variants() {
		names = append(names, v.String())
	}
	return strings.Join(names, ", ")
}

// MarshalText implements encoding.TextMarshaler.
func (v Variant) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Variant) UnmarshalText(b []byte) error {
	p, err := ParseVariant(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// Multiplier is one channel's requantization factor in the form a variant
// consumes. Fixed-point modes use Q and Shift: the real multiplier is
// Q * 2^(Shift-F), where F, the number of fraction bits, is set by the variant
// (31 for 32-bit multipliers, Bits-1 when narrowed, 24 for Mult24). FP32 uses
// Scale.
type Multiplier struct {
	Q     int32
	Shift int
	Scale float32
}

// FracBits is the number of fraction bits of the variant's fixed-point
// multiplier (0 for FP32).
func (v Variant) FracBits() int {
	switch v.Mode {
	case FP32:
		return 0
	case Mult24:
		return 24
	}
	return v.bits() - 1
}

// MultiplierFor derives a channel's multiplier from the three scales of a
// layer the way the variant's software does: the fixed-point modes from the
// float64 product (TFLite), FP32 and Mult24 from the float32 one (XNNPACK).
func (v Variant) MultiplierFor(inScale, weightScale, outScale float32) Multiplier {
	switch v.Mode {
	case FP32, Mult24:
		return v.MultiplierFromFloat32(Float32Scale(inScale, weightScale, outScale))
	}
	return v.MultiplierFromReal(RealMultiplier(inScale, weightScale, outScale))
}

// MultiplierFromReal derives a multiplier from a real value m >= 0 computed
// in float64.
func (v Variant) MultiplierFromReal(m float64) Multiplier {
	switch v.Mode {
	case FP32, Mult24:
		return v.MultiplierFromFloat32(float32(m))
	case DoubleRounding, DoubleRoundingNoSat:
		q, shift := QuantizeMultiplier(m)
		return Multiplier{Q: q, Shift: shift}
	}
	q, shift := QuantizeMultiplierSingleRounding(m)
	return narrow(q, shift, v.bits())
}

// MultiplierFromFloat32 derives a multiplier from a float32 scale. For the
// fixed-point modes this goes through the float64 path.
func (v Variant) MultiplierFromFloat32(s float32) Multiplier {
	switch v.Mode {
	case FP32:
		return Multiplier{Scale: s}
	case Mult24:
		return mult24FromFloat32(s)
	}
	return v.MultiplierFromReal(float64(s))
}

// narrow rounds a Q31 significand to a signed bits-wide one, (Q + 2^(31-b)) >>
// (32-b); a carry to 2^(b-1), which a bits-wide register cannot hold, is
// renormalised to 2^(b-2) with the shift raised by one (the same value).
func narrow(q int32, shift, bits int) Multiplier {
	if bits == 32 {
		return Multiplier{Q: q, Shift: shift}
	}
	nq := (int64(q) + 1<<(31-bits)) >> (32 - bits)
	if nq == 1<<(bits-1) {
		nq >>= 1
		shift++
	}
	return Multiplier{Q: int32(nq), Shift: shift}
}

// mult24FromFloat32 reads XNNPACK's rndnu multiplier off a float32's bits: the
// 24-bit significand with its hidden bit, and the exponent as a shift (scale =
// Q * 2^(Shift-24)). Zero, subnormal and non-finite scales give zero.
func mult24FromFloat32(s float32) Multiplier {
	b := math.Float32bits(s)
	e := int(b>>23) & 0xff
	if s <= 0 || e == 0 || e == 0xff {
		return Multiplier{Scale: s}
	}
	return Multiplier{Q: int32(b&0x7fffff | 0x800000), Shift: e - 126, Scale: s}
}

// Scale applies the variant's rounding multiplication to an accumulator: the
// integer nearest (by the variant's rule) to acc times the real multiplier,
// saturated to int32. It does not add a zero point or clamp.
func (v Variant) Scale(acc int32, m Multiplier) int32 {
	switch v.Mode {
	case DoubleRounding:
		return MultiplyByQuantizedMultiplier(acc, m.Q, m.Shift)
	case DoubleRoundingNoSat:
		left, right := max(m.Shift, 0), max(-m.Shift, 0)
		return RoundingDivideByPOT(doublingHighMulNoSat(acc<<left, m.Q), right)
	case FP32:
		return saturate32(math.RoundToEven(float64(float32(acc) * m.Scale)))
	}
	return shiftRound(v.Mode, int64(acc)*int64(m.Q), v.FracBits()-m.Shift)
}

// shiftRound divides a 64-bit product by 2^total with the rounding of a
// single-rounding mode, saturating to int32; a non-positive total shifts left.
func shiftRound(mode Mode, p int64, total int) int32 {
	if p == 0 {
		return 0
	}
	if total <= 0 {
		if -total >= 31 || p > math.MaxInt64>>-total || p < math.MinInt64>>-total {
			if p > 0 {
				return math.MaxInt32
			}
			return math.MinInt32
		}
		return saturate64(p << -total)
	}
	if total > 62 {
		// |p| < 2^62, so the quotient rounds to 0, or to -1 when truncating.
		if mode == Truncate && p < 0 {
			return -1
		}
		return 0
	}
	switch mode {
	case Truncate:
	case RoundHalfAway:
		if p < 0 {
			p--
		}
		p += 1 << (total - 1)
	default:
		p += 1 << (total - 1)
	}
	return saturate64(p >> total)
}

// Requantize maps an accumulator to the output grid: the variant's scaling,
// plus the output zero point, clamped to [lo, hi] (the fused activation range).
// FP32 clamps in float before rounding, as XNNPACK does; the result is the same
// integer since the bounds are integers.
func (v Variant) Requantize(acc int32, m Multiplier, zeroPoint, lo, hi int32) int32 {
	if v.Mode == FP32 {
		f := float32(acc) * m.Scale
		f = min(max(f, float32(lo-zeroPoint)), float32(hi-zeroPoint))
		return int32(math.RoundToEven(float64(f))) + zeroPoint
	}
	return Clamp(int64(v.Scale(acc, m))+int64(zeroPoint), lo, hi)
}

// Clamp limits x to [lo, hi].
func Clamp(x int64, lo, hi int32) int32 {
	return int32(min(max(x, int64(lo)), int64(hi)))
}

func saturate64(x int64) int32 {
	return int32(min(max(x, math.MinInt32), math.MaxInt32))
}

func saturate32(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}
