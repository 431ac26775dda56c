package classroom

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/demo"
)

// MulForm is panel 1's form as the student typed it: every field a string,
// named like npusim demo's flags and read as they read them (x and w as
// float64, scales as float32, zero points as integers).
type MulForm struct {
	X            string `json:"x"`
	W            string `json:"w"`
	XScale       string `json:"x-scale"`
	XZeroPoint   string `json:"x-zero-point"`
	WScale       string `json:"w-scale"`
	WZeroPoint   string `json:"w-zero-point"`
	OutScale     string `json:"out-scale"`
	OutZeroPoint string `json:"out-zero-point"`
}

// NewMulForm writes inputs as the form shows them.
func NewMulForm(in demo.MulInputs) MulForm {
	zp := func(z int32) string { return strconv.Itoa(int(z)) }
	return MulForm{
		X: formatReal(in.X), W: formatReal(in.W),
		XScale: FormatScale(in.XParams.Scale), XZeroPoint: zp(in.XParams.ZeroPoint),
		WScale: FormatScale(in.WParams.Scale), WZeroPoint: zp(in.WParams.ZeroPoint),
		OutScale: FormatScale(in.OutParams.Scale), OutZeroPoint: zp(in.OutParams.ZeroPoint),
	}
}

// Inputs reads the form; errors name the field.
func (f MulForm) Inputs() (demo.MulInputs, error) {
	var in demo.MulInputs
	var err error
	number := func(name, s string, bits int) float64 {
		x, e := strconv.ParseFloat(strings.TrimSpace(s), bits)
		if e != nil && err == nil {
			err = fmt.Errorf("%s: %q is not a number", name, s)
		}
		return x
	}
	zero := func(name, s string) int32 {
		z, e := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
		if e != nil && err == nil {
			err = fmt.Errorf("%s: %q is not a whole number", name, s)
		}
		return int32(z)
	}
	in.X, in.W = number("x", f.X, 64), number("w", f.W, 64)
	in.XParams = quant.Params{Scale: float32(number("x-scale", f.XScale, 32)),
		ZeroPoint: zero("x-zero-point", f.XZeroPoint)}
	in.WParams = quant.Params{Scale: float32(number("w-scale", f.WScale, 32)),
		ZeroPoint: zero("w-zero-point", f.WZeroPoint)}
	in.OutParams = quant.Params{Scale: float32(number("out-scale", f.OutScale, 32)),
		ZeroPoint: zero("out-zero-point", f.OutZeroPoint)}
	if err != nil {
		return demo.MulInputs{}, err
	}
	return in, in.Validate()
}
