// Package demo is the classroom "2 x 3": why a phone may not answer 6.
//
// A real 2.0 activation and a real 3.0 weight are stored as int8 codes with
// the scales a TFLite model would give them (zoo's mac2x3 workload), their
// codes multiplied into an int32 accumulator, and the accumulator scaled
// back onto the output's grid by the real multiplier 0.25 x (3/127) / 0.0625
// = 12/127. That multiplier has no finite binary expansion, so every
// requantization variant rounds it, and the products land on either side of
// the exact 96 (6.0): NewMul computes each variant's integers and says, with
// the numbers, why it lands where it does. OnNPU then runs the multiply as a
// one-layer workload on the simulated NPU under every driver preset.
//
// The results are plain values (Mul, Row, NPURow) for any front end to
// show: the command line prints them as tables.
package demo

import (
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
)

// Mul is the classroom "2 x 3" walkthrough: a real 2.0 activation and a
// real 3.0 weight, quantized with parameters a real int8 model could have,
// multiplied, and requantized under every variant.
type Mul struct {
	X, W                      float64
	XType, WType, OutType     quant.Type
	XParams, WParams, OutPars quant.Params
	// QX and QW are the stored codes of X and W; Acc their
	// zero-point-corrected product.
	QX, QW, Acc int32
	// Target is the output code nearest the real product X x W (96, which
	// stands for 6.0, in the default 2 x 3).
	Target int32
	// Multiplier is the real requantization multiplier in float64, and
	// Exact the real-valued scaled accumulator Acc*Multiplier.
	Multiplier, Exact float64
	Rows              []Row
	exact             *big.Rat
}

// exactProduct is acc*in*w/out in exact rational arithmetic on the float32
// scales' exact values.
func exactProduct(acc int32, in, w, out float32) *big.Rat {
	r := new(big.Rat).SetInt64(int64(acc))
	r.Mul(r, new(big.Rat).SetFloat64(float64(in)))
	r.Mul(r, new(big.Rat).SetFloat64(float64(w)))
	return r.Quo(r, new(big.Rat).SetFloat64(float64(out)))
}

// Row is one variant's arithmetic on the demo's accumulator.
type Row struct {
	Variant    quant.Variant
	Multiplier quant.Multiplier
	// Scaled is the variant's rounded product before the zero point; Code
	// the output code; Real the value the code stands for.
	Scaled, Code int32
	Real         float64
	// Six reports whether Code is the demo's Target (whether 2 x 3 came
	// out as 6 in the default demo).
	Six bool
	// Why explains, with the numbers, how the variant lands on its code.
	Why string
}

// NewMul builds the walkthrough on the parameters of the mac2x3 workload
// (see zoo.Mac2x3Input): 6.0 is exactly representable on the output,
// but the real multiplier 0.25*(3/127)/0.0625 = 12/127 has no finite binary
// expansion, so every variant must round it, and their products land on
// either side of the exact 96.
func NewMul() *Mul { return newMul(DefaultMulInputs()) }

func newMul(in MulInputs) *Mul {
	d := &Mul{
		X: in.X, W: in.W,
		XType: quant.Int8, WType: quant.Int8, OutType: quant.Int8,
		XParams: in.XParams, WParams: in.WParams, OutPars: in.OutParams,
	}
	d.QX = quantize(d.X, d.XParams, d.XType)
	d.QW = quantize(d.W, d.WParams, d.WType)
	d.Target = quantize(d.X*d.W, d.OutPars, d.OutType)
	d.Acc = (d.QX - d.XParams.ZeroPoint) * (d.QW - d.WParams.ZeroPoint)
	d.Multiplier = quant.RealMultiplier(d.XParams.Scale, d.WParams.Scale, d.OutPars.Scale)
	d.exact = exactProduct(d.Acc, d.XParams.Scale, d.WParams.Scale, d.OutPars.Scale)
	d.Exact, _ = d.exact.Float64()
	for _, v := range quant.Variants() {
		d.Rows = append(d.Rows, d.row(v))
	}
	return d
}

// quantize stores a real value on a grid: round half away from zero, clamp
// (in float64 first, so that no value is too large to convert).
func quantize(x float64, p quant.Params, t quant.Type) int32 {
	q := math.Round(x/float64(p.Scale)) + float64(p.ZeroPoint)
	return int32(min(max(q, float64(t.Min())), float64(t.Max())))
}

func (d *Mul) row(v quant.Variant) Row {
	m := v.MultiplierFor(d.XParams.Scale, d.WParams.Scale, d.OutPars.Scale)
	zp := d.OutPars.ZeroPoint
	r := Row{Variant: v, Multiplier: m, Scaled: v.Scale(d.Acc, m)}
	r.Code = v.Requantize(d.Acc, m, zp, d.OutType.Min(), d.OutType.Max())
	r.Real = d.OutPars.Dequantize(r.Code)
	r.Six = r.Code == d.Target
	r.Why = d.explain(v, m, r.Scaled)
	return r
}

// explain states, from the numbers, where the variant's product fell and which
// rounding rule took it to its result.
func (d *Mul) explain(v quant.Variant, m quant.Multiplier, scaled int32) string {
	if v.Mode == quant.FP32 {
		p := float32(d.Acc) * m.Scale
		return fmt.Sprintf("float32 scale %.9g; float32(%d) x scale = %.9g, rounded half to even -> %d",
			m.Scale, d.Acc, p, scaled)
	}
	total := v.FracBits() - m.Shift
	product := new(big.Rat).SetFrac(big.NewInt(int64(d.Acc)*int64(m.Q)), new(big.Int).Lsh(big.NewInt(1), uint(total)))
	exact, _ := product.Float64()
	diff, _ := new(big.Rat).Sub(product, d.exact).Float64()
	note := "the exact value"
	if diff != 0 {
		note = fmt.Sprintf("%+.2g off the exact value", diff)
	}
	what := fmt.Sprintf("%d x %d / 2^%d = %.10f (%s)", d.Acc, m.Q, total, exact, note)
	switch v.Mode {
	case quant.DoubleRounding, quant.DoubleRoundingNoSat:
		high := quant.SaturatingRoundingDoublingHighMul(d.Acc, m.Q)
		return fmt.Sprintf("%s; rounded twice: / 2^31 -> %d, then / 2^%d -> %d", what, high, -m.Shift, scaled)
	case quant.Truncate:
		return fmt.Sprintf("%s; truncation drops the fraction -> %d", what, scaled)
	case quant.RoundHalfAway:
		return fmt.Sprintf("%s; rounded once, halves away from zero -> %d", what, scaled)
	}
	return fmt.Sprintf("%s; rounded once, halves up -> %d", what, scaled)
}

// NPURow is the 2 x 3 workload run by one driver policy on the NPU.
type NPURow struct {
	Policy string
	// Code is the output code the NPU left in DRAM and Real the value it
	// stands for.
	Code     int32
	Real     float64
	Six      bool
	Commands int
	Cycles   uint64
	EnergyPJ float64
	// Requant names the arithmetic mode the requantization unit ran.
	Requant string
}

// OnNPU runs the demo's multiply as a one-layer workload (for the default
// inputs, the mac2x3 workload) under every driver preset on the named
// hardware and reports what the NPU computed and what it cost.
func (d *Mul) OnNPU(hw string) ([]NPURow, error) {
	w, err := d.workload()
	if err != nil {
		return nil, err
	}
	cfg, err := npu.LoadConfig(hw)
	if err != nil {
		return nil, err
	}
	var rows []NPURow
	for _, name := range drivers.Presets() {
		p, err := drivers.LoadPolicy(name)
		if err != nil {
			return nil, err
		}
		compiled, err := drivers.Compile(w.Model, p, cfg)
		if err != nil {
			return nil, err
		}
		run, err := experiment.RunCompiled(compiled, w.Inputs[0])
		if err != nil {
			return nil, err
		}
		out := run.Outputs[0]
		r := NPURow{Policy: name, Code: out.Data[0], Real: out.Params.Dequantize(out.Data[0]),
			Commands: len(compiled.Program.Commands), Cycles: run.Stats.Cycles, EnergyPJ: run.Stats.Energy.Total()}
		r.Six = r.Code == d.Target
		for _, mode := range sortedModes(run.Stats.Counters.RequantOutputs) {
			r.Requant = mode
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func sortedModes(m map[string]uint64) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
