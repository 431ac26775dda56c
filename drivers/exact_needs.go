package drivers

import (
	"fmt"
	"strings"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// This file finds what an op of an exact policy needs that the hardware
// lacks, and the emulations that could provide it.

// requantRoute is how an emulated layer requantizes.
type requantRoute uint8

// The requantization routes.
const (
	// requantNative uses the requantization unit as it is.
	requantNative requantRoute = iota
	// requantGroups issues one requant command per group of consecutive
	// channels that share a multiplier, for a per-tensor requantizer.
	requantGroups
	// requantVector runs the variant as a vector integer sequence.
	requantVector
)

// emulation is an exact route on the NPU: how the layer requantizes,
// whether it folds a weight zero point, and where its reduction splits.
type emulation struct {
	variant quant.Variant
	requant requantRoute
	// mults are the layer's per-channel multipliers (for groups and the
	// single-rounding sequence's precondition).
	mults []quant.Multiplier
	// fold folds the weight zero point wzp (the stored zero point less 128
	// for uint8 weights, which are shifted to int8) as row sums.
	fold bool
	wzp  int32
	// split keeps exact int32 partial sums of the reduction chunks that
	// start at chunks; chunks is nil when no split can be exact.
	split  bool
	chunks []int
	// bits is the width of the vector datapath's multipliers.
	bits int
}

// sequence names the emulation's sequences, joined by " + ".
func (e *emulation) sequence() string {
	var parts []string
	if e.fold {
		parts = append(parts, seqWeightZero)
	}
	if e.split {
		parts = append(parts, seqSplitAcc)
	}
	switch e.requant {
	case requantGroups:
		parts = append(parts, seqGroups)
	case requantVector:
		parts = append(parts, seqVectorRequant+e.variant.String())
	}
	return strings.Join(parts, " + ")
}

// usesVector reports whether the emulation issues vector integer commands.
func (e *emulation) usesVector() bool { return e.requant == requantVector || e.fold || e.split }

// feasible says why the hardware cannot run the emulation, nil if it can.
func (e *emulation) feasible(a arithmetic, hw *npu.Config) error {
	switch {
	case e.usesVector() && hw.Vector.Integer == nil:
		return fmt.Errorf("the vector unit of %s has no integer datapath", hw.Name)
	case e.requant == requantVector && !emulatedVariant(e.variant):
		return fmt.Errorf("no integer sequence computes %v", e.variant)
	case e.requant == requantVector && !doubleRounding(e.variant) && !singleRoundingOK(e.variant, e.mults):
		return fmt.Errorf("a multiplier's total shift lies outside the single-rounding sequence's 1..62")
	case e.split && e.chunks == nil:
		return fmt.Errorf("no split of the reduction keeps the %d-bit accumulators exact", a.accumulate.Bits)
	}
	return nil
}

// emulations lists the emulations that provide what an op needs: one per
// way to requantize (channel groups, the vector unit).
func (pl *planner) emulations(a arithmetic, n *need) []*emulation {
	base := emulation{variant: a.variant, mults: n.mults, fold: n.fold, wzp: n.wzp, split: n.split, chunks: n.chunks}
	if v := pl.hw.Vector.Integer; v != nil {
		base.bits = v.MultiplierBits
	}
	if !n.requant {
		return []*emulation{&base}
	}
	var list []*emulation
	if n.groups {
		g := base
		g.requant = requantGroups
		list = append(list, &g)
	}
	v := base
	v.requant = requantVector
	return append(list, &v)
}

// needsOf finds what an op's exact arithmetic needs that the hardware
// lacks, with the array's accumulator mode it will use.
func (pl *planner) needsOf(op *workloads.Op, a arithmetic) (*need, error) {
	hw := pl.hw
	n := &need{accMode: a.accumulate}
	if a.engine != "" {
		cpu, why, err := engineOnCPU(a.engine, pl.m, op)
		if err != nil || cpu {
			n.engine, n.why = cpu, []string{why}
			return n, err
		}
	}
	switch op.Kind {
	case workloads.Conv2D, workloads.FullyConnected, workloads.DepthwiseConv2D, workloads.Mul:
	default:
		return n, nil
	}
	n.mults = pl.multipliers(op, a.variant)
	if _, ok := hw.RequantMode(a.variant); !ok {
		n.requant = true
		n.why = append(n.why, fmt.Sprintf("the requantizer of %s has %v, not %v", hw.Name, hw.RequantVariants(), a.variant))
	} else if !hw.PerChannelRequant() {
		if d := distinct(n.mults); d > 1 {
			n.requant, n.groups = true, true
			n.why = append(n.why, fmt.Sprintf("a per-tensor requantizer meets %d distinct channel multipliers", d))
		}
	}
	if op.Kind == workloads.Mul {
		return n, nil
	}
	filter := pl.m.Tensors[op.Inputs[1]]
	if zp := filter.Params.ZeroPoint; zp != 0 && !hw.Array.WeightZeroPoint {
		n.fold, n.wzp = true, zp
		if !filter.Type.Signed() {
			n.wzp = zp - 128
		}
		n.why = append(n.why, fmt.Sprintf("the array of %s takes no weight zero point (%d)", hw.Name, zp))
	}
	return n, pl.checkAccumulation(op, a, n)
}

// multipliers are an op's per-channel multipliers under a variant.
func (pl *planner) multipliers(op *workloads.Op, v quant.Variant) []quant.Multiplier {
	in, out := pl.m.Tensors[op.Inputs[0]], pl.m.Tensors[op.Output]
	if op.Kind == workloads.Mul {
		return []quant.Multiplier{quant.NewMulParams(in.Params, pl.m.Tensors[op.Inputs[1]].Params, out.Params, v).Multiplier}
	}
	filter := pl.m.Tensors[op.Inputs[1]]
	mults := make([]quant.Multiplier, out.Shape[len(out.Shape)-1])
	for ch := range mults {
		mults[ch] = v.MultiplierFor(in.Params.Scale, filter.Params.ChannelScale(ch), out.Params.Scale)
	}
	return mults
}

// distinct counts the distinct multipliers.
func distinct(mults []quant.Multiplier) int {
	seen := map[quant.Multiplier]bool{}
	for _, m := range mults {
		seen[m] = true
	}
	return len(seen)
}
