package quant

import "math"

// This file holds the per-element integer algorithms of TFLite's reference
// kernels for ADD, MUL, SOFTMAX, LOGISTIC and AVERAGE_POOL_2D, as NNAPI's CPU
// executor parameterises them. Both the reference interpreter and the NPU's
// vector unit compute with these functions.

// AddParams are the fixed-point parameters of a quantized ADD: both inputs are
// brought to a common scale (twice the larger input scale) with 20 bits of
// headroom, added, and the sum is requantized to the output.
type AddParams struct {
	InOffset  [2]int32
	InQ       [2]int32
	InShift   [2]int
	OutOffset int32
	OutQ      int32
	OutShift  int
}

// addLeftShift is the headroom TFLite gives 8-bit ADD inputs.
const addLeftShift = 20

// NewAddParams derives ADD's parameters from the two input and the output
// quantization parameters. Like NNAPI, it doubles the larger input scale in
// float32 and scales the output by (1<<20)*outScale in float32.
func NewAddParams(a, b, out Params) AddParams {
	twiceMax := float64(2 * max(a.Scale, b.Scale))
	p := AddParams{InOffset: [2]int32{-a.ZeroPoint, -b.ZeroPoint}, OutOffset: out.ZeroPoint}
	p.InQ[0], p.InShift[0] = QuantizeMultiplier(float64(a.Scale) / twiceMax)
	p.InQ[1], p.InShift[1] = QuantizeMultiplier(float64(b.Scale) / twiceMax)
	p.OutQ, p.OutShift = QuantizeMultiplier(twiceMax / float64(float32(1<<addLeftShift)*out.Scale))
	return p
}

// Apply adds two stored values and returns the output value before the
// activation clamp (the output zero point included).
func (p AddParams) Apply(x, y int32) int32 {
	return p.Combine(p.ScaleInput(0, x), p.ScaleInput(1, y))
}

// ScaleInput brings a stored value of input k (0 or 1) to the common scale,
// with the headroom shift: the first step of Apply.
func (p AddParams) ScaleInput(k int, x int32) int32 {
	return MultiplyByQuantizedMultiplier((x+p.InOffset[k])<<addLeftShift, p.InQ[k], p.InShift[k])
}

// Combine adds two inputs brought to the common scale (ScaleInput) and
// requantizes the sum to the output, the zero point included: the second
// step of Apply.
func (p AddParams) Combine(sx, sy int32) int32 {
	return MultiplyByQuantizedMultiplier(sx+sy, p.OutQ, p.OutShift) + p.OutOffset
}

// MulParams are the parameters of a quantized MUL: the product of the
// zero-point-corrected inputs is requantized by inScale1*inScale2/outScale.
type MulParams struct {
	InOffset   [2]int32
	OutOffset  int32
	Multiplier Multiplier
}

// NewMulParams derives MUL's parameters for a requantization variant. Like
// NNAPI, it forms the input product scale in float32.
func NewMulParams(a, b, out Params, v Variant) MulParams {
	return MulParams{
		InOffset:   [2]int32{-a.ZeroPoint, -b.ZeroPoint},
		OutOffset:  out.ZeroPoint,
		Multiplier: v.MultiplierFor(a.Scale*b.Scale, 1, out.Scale),
	}
}

// Product returns the accumulator of one MUL element: the product of the
// zero-point-corrected inputs.
func (p MulParams) Product(x, y int32) int32 {
	return (x + p.InOffset[0]) * (y + p.InOffset[1])
}

// The integer bits TFLite's softmax and logistic give their fixed-point inputs.
const (
	softmaxDiffIntegerBits   = 5
	softmaxAccumIntegerBits  = 12
	logisticInputIntegerBits = 4
)

// SoftmaxParams are the parameters of TFLite's quantized softmax: the input
// difference to the row maximum is scaled by beta*inputScale into Q5.26;
// differences below DiffMin contribute nothing.
type SoftmaxParams struct {
	InputMultiplier int32
	InputLeftShift  int
	DiffMin         int32
}

// NewSoftmaxParams derives the softmax parameters from beta and the input
// scale (TFLite's PreprocessSoftmaxScaling and CalculateInputRadius).
func NewSoftmaxParams(beta, inputScale float32) SoftmaxParams {
	m := min(float64(beta)*float64(inputScale)*(1<<(31-softmaxDiffIntegerBits)), 1<<31-1)
	q, shift := QuantizeMultiplier(m)
	return SoftmaxParams{
		InputMultiplier: q,
		InputLeftShift:  shift,
		DiffMin:         -inputRadius(softmaxDiffIntegerBits, shift),
	}
}

// inputRadius is the largest input magnitude that, scaled by 2^leftShift, still
// fits integerBits integer bits (TFLite's CalculateInputRadius).
func inputRadius(integerBits, leftShift int) int32 {
	r := float64(int64(1)<<integerBits-1) * float64(int64(1)<<(31-integerBits)) / math.Ldexp(1, leftShift)
	return int32(min(math.Floor(r), math.MaxInt32))
}

// SoftmaxRow computes one row of a quantized softmax into out, for an output
// of type t (scale 1/256, zero point t.Min()).
func (p SoftmaxParams) SoftmaxRow(in, out []int32, t Type) {
	maxIn := in[0]
	for _, v := range in {
		maxIn = max(maxIn, v)
	}
	var sumOfExps int32 // Q12.19
	for _, v := range in {
		if d := v - maxIn; d >= p.DiffMin {
			sumOfExps += rescale(p.expOfDiff(d), 0, softmaxAccumIntegerBits)
		}
	}
	scale, bitsOverUnit := GetReciprocal(sumOfExps, softmaxAccumIntegerBits)
	exponent := bitsOverUnit + 31 - 8
	for i, v := range in {
		d := v - maxIn
		if d < p.DiffMin {
			out[i] = t.Min()
			continue
		}
		u := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(scale, p.expOfDiff(d)), exponent)
		out[i] = Clamp(int64(u)+int64(t.Min()), t.Min(), t.Max())
	}
}

// expOfDiff returns exp(beta*scale*d) in Q0.31 for a difference d <= 0.
func (p SoftmaxParams) expOfDiff(d int32) int32 {
	scaled := MultiplyByQuantizedMultiplier(d, p.InputMultiplier, p.InputLeftShift)
	return ExpOnNegativeValues(scaled, softmaxDiffIntegerBits)
}

// LogisticParams are the parameters of TFLite's quantized logistic: the
// centred input is scaled into Q4.27; inputs beyond the radius saturate.
type LogisticParams struct {
	InputZeroPoint  int32
	InputMultiplier int32
	InputLeftShift  int
	InputRadius     int32
}

// NewLogisticParams derives the logistic parameters from the input's.
func NewLogisticParams(in Params) LogisticParams {
	q, shift := QuantizeMultiplier(float64(in.Scale) * (1 << (31 - logisticInputIntegerBits)))
	return LogisticParams{
		InputZeroPoint:  in.ZeroPoint,
		InputMultiplier: q,
		InputLeftShift:  shift,
		InputRadius:     inputRadius(logisticInputIntegerBits, shift),
	}
}

// Apply returns the logistic of one stored value for an output of type t
// (scale 1/256, zero point t.Min()).
func (p LogisticParams) Apply(x int32, t Type) int32 {
	c := x - p.InputZeroPoint
	var u int32
	switch {
	case c <= -p.InputRadius:
		u = 0
	case c >= p.InputRadius:
		u = 255
	default:
		scaled := MultiplyByQuantizedMultiplier(c, p.InputMultiplier, p.InputLeftShift)
		f := FixedPointLogistic(scaled, logisticInputIntegerBits)
		u = min(RoundingDivideByPOT(f, 23), 255) // Q0.31 to Q23.8; 256 saturates
	}
	return u + t.Min()
}

// AveragePoolRound divides a pool window's sum by its count of in-bounds
// pixels, rounding halves away from zero, as TFLite's reference does.
func AveragePoolRound(sum int32, count int32) int32 {
	if sum >= 0 {
		return (sum + count/2) / count
	}
	return (sum - count/2) / count
}
