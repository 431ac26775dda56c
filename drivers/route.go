package drivers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/npusim/npusim/npu"
)

// This file holds the exact routes: how a policy that asks for exactness
// (Policy.Exact) runs a layer whose arithmetic the hardware lacks. The
// resolve stage gives such a policy its arithmetic without checking it
// against the hardware; the plan stage then finds, per layer, what the
// hardware lacks, plans every route that provides it (native, emulated on
// the NPU, on the host CPU), estimates each plan's cycles and keeps the
// cheapest (planExact). Shortcut policies never take these routes: they run
// what the hardware has, and asking for what it lacks is an error.

// Fallback is which exact routes a policy allows.
type Fallback string

// The fallbacks.
const (
	// FallbackAuto takes the cheaper of an emulation on the NPU and the
	// host CPU (the default of an exact policy).
	FallbackAuto Fallback = "auto"
	// FallbackEmulate allows only emulations on the NPU.
	FallbackEmulate Fallback = "emulate"
	// FallbackCPU allows only the host CPU.
	FallbackCPU Fallback = "cpu"
	// FallbackNone allows no route: a layer the hardware cannot run as
	// asked is an error naming the mode and the hardware.
	FallbackNone Fallback = "none"
)

// checkExact validates the exactness fields: an exact policy keeps the
// model's grids and weights, exact partial sums and a fixed arithmetic.
func (p *Policy) checkExact() error {
	switch p.Fallback {
	case "", FallbackAuto, FallbackEmulate, FallbackCPU, FallbackNone:
	default:
		return fmt.Errorf("fallback: %q is not auto, emulate, cpu or none", p.Fallback)
	}
	if !p.Exact {
		if p.Fallback != "" {
			return fmt.Errorf("fallback: only an exact policy takes fallback routes (set exact: true)")
		}
		return nil
	}
	switch {
	case p.NudgeZeroPoints || p.Weights != WeightsAsIs:
		return fmt.Errorf("exact: an exact policy keeps the model's grids and weights " +
			"(zero_point_nudge and weights must be unset)")
	case p.PartialSums == PartialSumsInt16:
		return fmt.Errorf("exact: an exact policy keeps exact int32 partial sums (partial_sums: int16)")
	case len(p.Dynamic) > 0:
		return fmt.Errorf("exact: an exact policy's arithmetic does not change with the device state (no dynamic rules)")
	case p.Accumulator != (Accumulator{}) && p.Accumulator != (Accumulator{Bits: 32, Overflow: npu.Wrap}):
		return fmt.Errorf("exact: an exact policy accumulates in exact 32-bit wrapping arithmetic, got %d-bit %s",
			p.Accumulator.Bits, p.Accumulator.Overflow)
	}
	return nil
}

// takesRoutes reports whether the policy lowers what the hardware lacks to
// exact routes instead of refusing it.
func (p *Policy) takesRoutes() bool { return p.Exact && p.Fallback != FallbackNone }

// allows reports whether the policy's fallback allows emulations on the
// NPU and the host CPU.
func (p *Policy) allows() (emulate, cpu bool) {
	switch p.Fallback {
	case FallbackEmulate:
		return true, false
	case FallbackCPU:
		return false, true
	}
	return true, true
}

// resolveExact is resolve for a policy that takes routes: its arithmetic as
// asked, whatever the hardware implements (the plan stage finds the routes).
func (p *Policy) resolveExact(hw *npu.Config) (arithmetic, error) {
	r := arithmetic{variant: hw.Requant.Modes[0].Variant, partialSums: PartialSumsInt32,
		separate: p.Fusion == FusionSeparate, accumulate: npu.Accumulation{Bits: 32, Overflow: npu.Wrap},
		vectorDW: hw.Vector.Depthwise}
	if p.Requant != nil {
		r.variant = *p.Requant
	}
	switch p.Depthwise {
	case DepthwiseVector:
		if !hw.Vector.Depthwise {
			return r, unsupported("policy %s asks for depthwise on the vector unit, which %s does not have", p.Label(), hw.Name)
		}
	case DepthwiseArray:
		r.vectorDW = false
	}
	emulate, cpu := p.allows()
	r.exact = &exactRouting{emulate: emulate, cpu: cpu}
	r.engine = p.Engine
	return r, nil
}

// RouteKind is how a layer runs.
type RouteKind string

// The route kinds.
const (
	RouteNative   RouteKind = "native"
	RouteEmulated RouteKind = "emulated"
	RouteCPU      RouteKind = "cpu"
)

// LayerRoute is the route one op took: native, an emulation (Sequence names
// it: "vector-requant/double-rounding", "weight-zero-point-fold",
// "split-accumulation", "per-channel-groups", joined by " + " when a layer
// needs several) or the host CPU, and Why: what the hardware lacks and why
// this route was the cheapest.
type LayerRoute struct {
	Layer    string    `json:"layer"`
	Kind     RouteKind `json:"kind"`
	Sequence string    `json:"sequence,omitempty"`
	Why      string    `json:"why,omitempty"`
}

// Label names the route for a table: "native" (also for a nil route),
// "emulated: <sequence>" or "cpu".
func (r *LayerRoute) Label() string {
	switch {
	case r == nil:
		return string(RouteNative)
	case r.Sequence != "":
		return string(r.Kind) + ": " + r.Sequence
	}
	return string(r.Kind)
}

// The emulation sequences' names.
const (
	seqVectorRequant = "vector-requant/"
	seqWeightZero    = "weight-zero-point-fold"
	seqSplitAcc      = "split-accumulation"
	seqGroups        = "per-channel-groups"
)

// SummarizeRoutes is a one-line summary of the routes that are not native
// ("emulated: 52 layers (vector-requant/double-rounding); cpu: 1 layer"),
// empty when every layer is native.
func SummarizeRoutes(routes []LayerRoute) string {
	var parts []string
	for _, kind := range []RouteKind{RouteEmulated, RouteCPU} {
		n, seqs := 0, []string{}
		for _, r := range routes {
			if r.Kind != kind {
				continue
			}
			n++
			if r.Sequence != "" && !slices.Contains(seqs, r.Sequence) {
				seqs = append(seqs, r.Sequence)
			}
		}
		if n == 0 {
			continue
		}
		part := fmt.Sprintf("%s: %d %s", kind, n, plural(n, "layer"))
		if len(seqs) > 0 {
			part += " (" + strings.Join(seqs, "; ") + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "; ")
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
