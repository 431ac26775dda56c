package area

import (
	"fmt"
	"slices"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

// ExactOnly reports whether a requantization mode exists only to be
// bit-exact: gemmlowp's double rounding, the arithmetic NNAPI's expected
// outputs and TFLite's reference kernels use, with or without its INT32_MIN
// saturation (which no multiplier QuantizeMultiplier makes can reach). Every
// other mode is a cheaper arithmetic a driver may choose instead.
func ExactOnly(v quant.Variant) bool { return doubleRounding(v) }

// WithoutExact is the configuration with the requantization modes that exist
// only to be bit-exact removed, every other mode keeping its lanes. When no
// mode would remain, the unit keeps the cheapest mode, mult16, in as many
// lanes as the widest exact mode had: a requantizer must have some mode.
func WithoutExact(c *npu.Config) *npu.Config {
	out := *c
	out.Requant.Modes = nil
	lanes := 0
	for _, m := range c.Requant.Modes {
		if ExactOnly(m.Variant) {
			lanes = max(lanes, m.Lanes)
			continue
		}
		out.Requant.Modes = append(out.Requant.Modes, m)
	}
	if len(out.Requant.Modes) == 0 {
		out.Requant.Modes = []npu.RequantMode{{Variant: quant.VariantMult16, Lanes: lanes}}
	}
	return &out
}

// Exact is the area a configuration spends on bit-exact arithmetic, in
// square millimetres: its area minus that of WithoutExact, which is the
// requantizer's hardware that serves only the double-rounding family (its
// left shift, 64-bit nudge adder, INT32_MIN compares and rounding divide,
// and whatever multiplier width, lanes or output stages no other mode
// uses). Zero when the configuration has no exact-only mode.
func Exact(c *npu.Config) float64 {
	if !slices.ContainsFunc(c.Requant.Modes, func(m npu.RequantMode) bool { return ExactOnly(m.Variant) }) {
		return 0
	}
	return max(Of(c).TotalMM2()-Of(WithoutExact(c)).TotalMM2(), 0)
}

// Summary is what a result carries of its hardware: its area, and the
// choices the design space is drawn over.
type Summary struct {
	// Digest starts the configuration's npu.Config.Digest.
	Digest string  `json:"digest"`
	NodeNM float64 `json:"nodeNm"`
	// TotalMM2 is the modelled area; ExactMM2 the part of it spent on
	// bit-exact arithmetic only (Exact), and ExactShare their ratio.
	TotalMM2   float64 `json:"totalMM2"`
	ExactMM2   float64 `json:"exactMM2"`
	ExactShare float64 `json:"exactShare"`
	// MACs is the array's size (rows x columns); Requant lists the
	// requantization modes with their lanes ("mult16:64"), Accumulators
	// the accumulator modes ("acc32-wrap").
	MACs         int      `json:"macs"`
	Requant      []string `json:"requant"`
	Accumulators []string `json:"accumulators"`
}

// Summarize is a configuration's summary.
func Summarize(c *npu.Config) Summary {
	total := Of(c).TotalMM2()
	exact := Exact(c)
	s := Summary{
		Digest: c.Digest()[:16], NodeNM: c.Area.NodeNM, MACs: c.Array.Rows * c.Array.Cols,
		TotalMM2: total, ExactMM2: exact, ExactShare: exact / total,
	}
	for _, m := range c.Requant.Modes {
		s.Requant = append(s.Requant, fmt.Sprintf("%s:%d", m.Variant, m.Lanes))
	}
	for _, a := range c.Array.Accumulators {
		s.Accumulators = append(s.Accumulators, a.String())
	}
	return s
}
