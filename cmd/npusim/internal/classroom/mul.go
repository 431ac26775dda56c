package classroom

import (
	"fmt"
	"math"
	"strconv"

	"github.com/npusim/npusim/sim/demo"
)

// MulView is panel 1: the "2 x 3" walkthrough of demo.Mul, with the
// numbers formatted as npusim demo prints them.
type MulView struct {
	Inputs demo.MulInputs `json:"inputs"`
	// QX and QW are the stored codes of x and w, Acc their
	// zero-point-corrected product.
	QX  int32 `json:"qx"`
	QW  int32 `json:"qw"`
	Acc int32 `json:"acc"`
	// Multiplier is x-scale x w-scale / out-scale in float64; Exact the
	// accumulator times the exact multiplier.
	Multiplier string `json:"multiplier"`
	Exact      string `json:"exact"`
	// Product is x x w, and Target the output code nearest it, which stands
	// for TargetReal.
	Product    string        `json:"product"`
	Target     int32         `json:"target"`
	TargetReal string        `json:"targetReal"`
	Variants   []VariantView `json:"variants"`
}

// VariantView is one requantization variant's steps.
type VariantView struct {
	Variant string `json:"variant"`
	// Q and Shift are the fixed-point multiplier (real value Q x
	// 2^(Shift-FracBits)); FP32 uses a float32 scale instead.
	Q        int32 `json:"q"`
	Shift    int   `json:"shift"`
	FracBits int   `json:"fracBits"`
	// MultiplierText and ShiftText are the multiplier as npusim demo
	// prints it: Q and the shift, or the scale and "-" when Q is 0.
	MultiplierText string `json:"multiplierText"`
	ShiftText      string `json:"shiftText"`
	// Scaled is the rounded product before the zero point, Code the output
	// code and Real the value it stands for; Right says whether Code is the
	// target.
	Scaled int32  `json:"scaled"`
	Code   int32  `json:"code"`
	Real   string `json:"real"`
	Right  bool   `json:"right"`
	Why    string `json:"why"`
}

// Mul computes panel 1 for the given inputs.
func Mul(in demo.MulInputs) (*MulView, error) {
	d, err := demo.NewMulOf(in)
	if err != nil {
		return nil, err
	}
	return NewMulView(in, d), nil
}

// NewMulView formats a demo built from in: multipliers with 12 decimals, the
// exact product with 10 and reals with 4, as npusim demo prints them.
func NewMulView(in demo.MulInputs, d *demo.Mul) *MulView {
	v := &MulView{
		Inputs: in, QX: d.QX, QW: d.QW, Acc: d.Acc,
		Multiplier: fmt.Sprintf("%.12f", d.Multiplier), Exact: fmt.Sprintf("%.10f", d.Exact),
		Product: formatReal(d.X * d.W), Target: d.Target, TargetReal: fmt.Sprintf("%.4f", d.OutPars.Dequantize(d.Target)),
	}
	for _, r := range d.Rows {
		row := VariantView{
			Variant: r.Variant.String(), Q: r.Multiplier.Q, Shift: r.Multiplier.Shift, FracBits: r.Variant.FracBits(),
			Scaled: r.Scaled, Code: r.Code, Real: fmt.Sprintf("%.4f", r.Real), Right: r.Six, Why: r.Why,
		}
		row.MultiplierText, row.ShiftText = strconv.Itoa(int(r.Multiplier.Q)), strconv.Itoa(r.Multiplier.Shift)
		if r.Multiplier.Q == 0 {
			row.MultiplierText, row.ShiftText = fmt.Sprintf("%.9g", r.Multiplier.Scale), "-"
		}
		v.Variants = append(v.Variants, row)
	}
	return v
}

// formatReal prints a real number in its shortest exact decimal form.
func formatReal(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// FormatScale prints a float32 scale in its shortest form that reads back
// as the same float32.
func FormatScale(s float32) string { return strconv.FormatFloat(float64(s), 'g', -1, 32) }

// OutScaleSweep is panel 1's slider: the output scale swept over a range and
// every variant's output code at each point, so the page can show where the
// variants start to disagree.
type OutScaleSweep struct {
	// Scales are the sweep's output scales, increasing, as float32 values
	// formatted to read back exactly.
	Scales []string `json:"scales"`
	// Variants name the variants in the order of Codes.
	Variants []string `json:"variants"`
	// Codes[v][i] is variant v's output code at Scales[i].
	Codes [][]int32 `json:"codes"`
	// Disagree[i] counts the variants whose code at Scales[i] differs from
	// the reference's (double rounding, the first variant).
	Disagree []int `json:"disagree"`
}

// SweepOutScale runs the multiply at n output scales spaced evenly in
// logarithm: from the scale that puts x x w at code 127 to the one that puts
// it at code 4, and never as low as x-scale x w-scale (the multiplier stays
// below 1). The codes come from the same quant calls demo.Mul makes for
// each variant.
func SweepOutScale(in demo.MulInputs, n int) (*OutScaleSweep, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if n < 2 {
		return nil, fmt.Errorf("the sweep needs at least 2 points, got %d", n)
	}
	lo, hi := sweepRange(in)
	d, err := demo.NewMulOf(in)
	if err != nil {
		return nil, err
	}
	s := &OutScaleSweep{}
	for _, r := range d.Rows {
		s.Variants = append(s.Variants, r.Variant.String())
	}
	s.Codes = make([][]int32, len(d.Rows))
	for i := range n {
		scale := float32(lo * math.Pow(hi/lo, float64(i)/float64(n-1)))
		s.Scales = append(s.Scales, FormatScale(scale))
		disagree := 0
		for k, r := range d.Rows {
			v := r.Variant
			m := v.MultiplierFor(in.XParams.Scale, in.WParams.Scale, scale)
			code := v.Requantize(d.Acc, m, in.OutParams.ZeroPoint, d.OutType.Min(), d.OutType.Max())
			s.Codes[k] = append(s.Codes[k], code)
			if code != s.Codes[0][i] {
				disagree++
			}
		}
		s.Disagree = append(s.Disagree, disagree)
	}
	return s, nil
}

// sweepRange is the output scales the slider covers: x x w from code 127
// down to code 4 (a range around the current scale when x x w is 0), above
// x-scale x w-scale.
func sweepRange(in demo.MulInputs) (lo, hi float64) {
	p := math.Abs(in.X * in.W)
	floor := float64(in.XParams.Scale) * float64(in.WParams.Scale) * 1.001
	lo, hi = p/127, p/4
	if p == 0 {
		lo, hi = float64(in.OutParams.Scale)/8, float64(in.OutParams.Scale)*8
	}
	lo = max(lo, floor)
	hi = max(hi, lo*16)
	return lo, hi
}
