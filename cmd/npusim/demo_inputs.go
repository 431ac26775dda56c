package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/cmd/npusim/internal/classroom"
	"github.com/npusim/npusim/sim/demo"
	"github.com/spf13/cobra"
)

// addMulFlags adds the flags that change the demo's inputs; their names
// are the fields demo.MulInputs.Validate names in its errors.
func addMulFlags(cmd *cobra.Command, in *demo.MulInputs) {
	f := cmd.Flags()
	f.Float64Var(&in.X, "x", in.X, "the real activation")
	f.Float64Var(&in.W, "w", in.W, "the real weight")
	f.Float32Var(&in.XParams.Scale, "x-scale", in.XParams.Scale, "the activation's scale")
	f.Int32Var(&in.XParams.ZeroPoint, "x-zero-point", in.XParams.ZeroPoint, "the activation's zero point (-128..127)")
	f.Float32Var(&in.WParams.Scale, "w-scale", in.WParams.Scale, "the weight's scale")
	f.Int32Var(&in.WParams.ZeroPoint, "w-zero-point", in.WParams.ZeroPoint, "the weight's zero point (-128..127)")
	f.Float32Var(&in.OutParams.Scale, "out-scale", in.OutParams.Scale, "the output's scale (above x-scale x w-scale)")
	f.Int32Var(&in.OutParams.ZeroPoint, "out-zero-point", in.OutParams.ZeroPoint, "the output's zero point (-128..127)")
}

// realText prints a real number with at least one decimal (2.0, 2.5, 0.125).
func realText(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// weightScaleText names the default weight scale for what it is, 3/127.
func weightScaleText(d *demo.Mul) string {
	s := fmt.Sprint(d.WParams.Scale)
	if d.WParams.Scale == zoo.Mac2x3Weight.Scale {
		s = "3/127 = " + s
	}
	if d.WParams.ZeroPoint != 0 {
		s += fmt.Sprintf(" zero point %d", d.WParams.ZeroPoint)
	}
	return s
}

// targetText says which code is the right answer.
func targetText(d *demo.Mul) string {
	if d.OutPars.Dequantize(d.Target) == d.X*d.W {
		return fmt.Sprintf("%s is code %d", realText(d.X*d.W), d.Target)
	}
	return fmt.Sprintf("the code nearest %s is %d", realText(d.X*d.W), d.Target)
}

// accText is the accumulator's formula.
func accText(d *demo.Mul) string {
	if d.WParams.ZeroPoint == 0 {
		return fmt.Sprintf("(%d - %d) x %d", d.QX, d.XParams.ZeroPoint, d.QW)
	}
	return fmt.Sprintf("(%d - %d) x (%d - %d)", d.QX, d.XParams.ZeroPoint, d.QW, d.WParams.ZeroPoint)
}

// exactNote explains why the default's exact product is not quite 96.
func exactNote(d *demo.Mul) string {
	if d.WParams.Scale == zoo.Mac2x3Weight.Scale {
		return " (the float32 weight scale is a hair below 3/127)"
	}
	return ""
}

// rightHeader heads the column that says whether a variant got x x w.
func rightHeader(d *demo.Mul) string {
	return "= " + strconv.FormatFloat(d.X*d.W, 'g', -1, 64) + "?"
}

// demoJSON is npusim demo --json: the classroom page's view of the
// walkthrough and the NPU's rows.
type demoJSON struct {
	*classroom.MulView
	NPU []demoNPUJSON `json:"npu"`
}

type demoNPUJSON struct {
	Policy   string  `json:"policy"`
	Requant  string  `json:"requant"`
	Code     int32   `json:"code"`
	Real     float64 `json:"real"`
	Right    bool    `json:"right"`
	Commands int     `json:"commands"`
	Cycles   uint64  `json:"cycles"`
	EnergyPJ float64 `json:"energyPJ"`
}

func printDemoJSON(cmd *cobra.Command, in demo.MulInputs, d *demo.Mul, rows []demo.NPURow) error {
	out := demoJSON{MulView: classroom.NewMulView(in, d)}
	for _, r := range rows {
		out.NPU = append(out.NPU, demoNPUJSON{Policy: r.Policy, Requant: r.Requant, Code: r.Code, Real: r.Real, Right: r.Six,
			Commands: r.Commands, Cycles: r.Cycles, EnergyPJ: r.EnergyPJ})
	}
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
