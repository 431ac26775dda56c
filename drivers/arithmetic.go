package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
)

// This file is the compiler's first stage: it resolves a policy against the
// hardware and the device state into the arithmetic of every layer.

// arithmetic is a policy's choices made concrete for one hardware and one
// layer: what the later stages build the layer's commands from.
type arithmetic struct {
	variant     quant.Variant
	accumulate  npu.Accumulation
	partialSums PartialSums
	// separate clamps a fused activation in its own vector pass instead of
	// in the requantization unit.
	separate bool
	// vectorDW runs depthwise convolutions on the vector unit.
	vectorDW bool
	// exact, for a policy that takes exact routes, says which it allows;
	// emu is the emulation the plan stage chose for the layer (route.go).
	exact *exactRouting
	emu   *emulation
	// engine is the engine an exact policy computes as (engine.go).
	engine reference.Engine
	// foldResidual and wideExpand are the policy's vendor fusions
	// (vendorfusion.go).
	foldResidual, wideExpand bool
}

// resolution is the output of the resolve stage: the policy's base
// arithmetic on the hardware, each op's arithmetic (the base with the
// dynamic rules that hold for it applied) and the choices reported to the
// user.
type resolution struct {
	base    arithmetic
	layers  []arithmetic // indexed like the model's ops
	choices []LayerChoice
}

// resolvePolicy checks a policy against the hardware and decides every op's
// arithmetic under the device state.
func resolvePolicy(p *Policy, hw *npu.Config, m *workloads.Model, state Conditions) (*resolution, error) {
	base, err := p.resolve(hw)
	if err != nil {
		return nil, err
	}
	r := &resolution{base: base}
	for _, op := range m.Ops {
		a, fired := p.forLayer(base, op.Kind, state, hw)
		r.layers = append(r.layers, a)
		r.choices = append(r.choices, p.choice(op, a, fired))
	}
	return r, nil
}

// choice describes an op's arithmetic and the dynamic rules that chose it.
func (p *Policy) choice(op *workloads.Op, a arithmetic, fired []int) LayerChoice {
	ch := LayerChoice{Layer: op.Name, Requant: a.variant, Accumulate: a.accumulate, PartialSums: a.partialSums}
	if op.Kind == workloads.DepthwiseConv2D {
		ch.Depthwise = "array"
		if a.vectorDW {
			ch.Depthwise = "vector"
		}
	}
	for _, i := range fired {
		ch.Rules = append(ch.Rules, fmt.Sprintf("rule %d (%s)", i, p.Dynamic[i].When))
	}
	return ch
}

// resolve checks the policy, and every override its dynamic rules may
// apply, against the hardware, and returns its base choices: a policy asking
// for something the hardware lacks is an error naming both.
func (p *Policy) resolve(hw *npu.Config) (arithmetic, error) {
	if p.takesRoutes() {
		return p.resolveExact(hw)
	}
	r := arithmetic{variant: hw.Requant.Modes[0].Variant, partialSums: PartialSumsInt32,
		separate: p.Fusion == FusionSeparate}
	a := hw.Array.Accumulators[0]
	r.accumulate = npu.Accumulation{Bits: a.Bits, Overflow: a.Overflow}
	r.vectorDW = hw.Vector.Depthwise
	if err := p.resolveFusions(&r, hw); err != nil {
		return r, err
	}
	base := Rule{Requant: p.Requant, PartialSums: p.PartialSums, Depthwise: p.Depthwise, Accumulator: p.Accumulator}
	r, err := p.override(r, base, hw)
	if err != nil {
		return r, err
	}
	for i, rule := range p.Dynamic {
		if _, err := p.override(r, rule, hw); err != nil {
			return r, fmt.Errorf("%w (dynamic rule %d)", err, i)
		}
	}
	return r, nil
}

// override applies the choices a rule sets to r.
func (p *Policy) override(r arithmetic, rule Rule, hw *npu.Config) (arithmetic, error) {
	if rule.Requant != nil {
		if _, ok := hw.RequantMode(*rule.Requant); !ok {
			return r, unsupported("policy %s asks for requantization mode %v, which %s does not implement (it has %v)",
				p.Label(), *rule.Requant, hw.Name, hw.RequantVariants())
		}
		r.variant = *rule.Requant
	}
	if rule.Accumulator != (Accumulator{}) {
		if _, ok := hw.AccumulatorMode(rule.Accumulator.Bits, rule.Accumulator.Overflow); !ok {
			return r, unsupported("policy %s asks for %d-bit %s accumulators, which %s does not implement",
				p.Label(), rule.Accumulator.Bits, rule.Accumulator.Overflow, hw.Name)
		}
		r.accumulate = npu.Accumulation{Bits: rule.Accumulator.Bits, Overflow: rule.Accumulator.Overflow}
	}
	if rule.PartialSums != "" {
		r.partialSums = rule.PartialSums
	}
	switch rule.Depthwise {
	case DepthwiseVector:
		if !hw.Vector.Depthwise {
			return r, unsupported("policy %s asks for depthwise on the vector unit, which %s does not have", p.Label(), hw.Name)
		}
		r.vectorDW = true
	case DepthwiseArray:
		r.vectorDW = false
	}
	return r, nil
}

// forLayer applies the dynamic rules that hold for an op under the device
// state to the base choices, and says which fired.
func (p *Policy) forLayer(base arithmetic, op workloads.OpKind, state Conditions, hw *npu.Config) (arithmetic, []int) {
	r := base
	var fired []int
	for i, rule := range p.Dynamic {
		if rule.When.holds(op, state) {
			r, _ = p.override(r, rule, hw) // checked by resolve
			fired = append(fired, i)
		}
	}
	return r, fired
}
