package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads"
)

// This file proves, from a layer's actual weights, when the array's
// accumulators cannot overflow, and otherwise cuts the reduction into
// chunks whose partial sums provably fit: a partial sum of the products of
// reduction indices K is at most max_n sum_{k in K} |w(k, n)| x X, where X
// is the largest |x - zero point| of the input type, whatever the input.

// weightView is a layer's weights as the array multiplies them: K x N
// values (k, n) and the largest input magnitude X.
type weightView struct {
	k, n int
	x    int64
	at   func(k, n int) int64
	// ones adds a column of ones (the row sums of a folded zero point).
	ones bool
}

// weightsOf views an op's filter as the array multiplies it: less the zero
// point where the array subtracts it, shifted to int8 where it is folded.
func (pl *planner) weightsOf(op *workloads.Op, n *need) weightView {
	in, filter, out := pl.m.Tensors[op.Inputs[0]], pl.m.Tensors[op.Inputs[1]], pl.m.Tensors[op.Output]
	oc := out.Shape[len(out.Shape)-1]
	zx := int64(in.Params.ZeroPoint)
	largest := max(zx-int64(in.Type.Min()), int64(in.Type.Max())-zx) // the largest |input - zero point|
	v := weightView{n: oc, k: len(filter.Data) / oc, x: largest, ones: n.fold}
	zw := int64(filter.Params.ZeroPoint)
	if n.fold {
		zw = 0
		if !filter.Type.Signed() {
			zw = 128
		}
	}
	data, dw := filter.Data, op.Kind == workloads.DepthwiseConv2D
	v.at = func(k, c int) int64 {
		i := c*v.k + k
		if dw { // [taps][outC]
			i = k*oc + c
		}
		return abs64(int64(data[i]) - zw)
	}
	return v
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// bound is the largest partial sum of reduction indices [k0, k1).
func (v weightView) bound(k0, k1 int) int64 {
	var most int64
	for c := range v.n {
		var s int64
		for k := k0; k < k1; k++ {
			s += v.at(k, c)
		}
		most = max(most, s)
	}
	if v.ones {
		most = max(most, int64(k1-k0))
	}
	return most * v.x
}

// chunks cuts the reduction greedily into chunks whose bound is at most
// limit and returns their starts, or nil if one product alone exceeds it.
func (v weightView) chunks(limit int64) []int {
	sums := make([]int64, v.n+1) // the last column is the ones
	starts := []int{0}
	for k := range v.k {
		over := false
		for c := range v.n {
			over = over || (sums[c]+v.at(k, c))*v.x > limit
		}
		over = over || (v.ones && (sums[v.n]+1)*v.x > limit)
		if over {
			if starts[len(starts)-1] == k {
				return nil
			}
			starts = append(starts, k)
			clear(sums)
		}
		for c := range v.n {
			sums[c] += v.at(k, c)
		}
		sums[v.n]++
	}
	return starts
}

// checkAccumulation picks the array's accumulator mode for an op that
// wants exact 32-bit wrapping sums on hardware without them, and where the
// mode could overflow, the chunks of the reduction (none for depthwise on
// the vector unit, whose taps do not split).
func (pl *planner) checkAccumulation(op *workloads.Op, a arithmetic, n *need) error {
	hw := pl.hw
	if _, ok := hw.AccumulatorMode(a.accumulate.Bits, a.accumulate.Overflow); ok {
		return nil
	}
	mode := hw.Array.Accumulators[0]
	for _, m := range hw.Array.Accumulators {
		if m.Bits > mode.Bits {
			mode = m
		}
	}
	n.accMode = npu.Accumulation{Bits: mode.Bits, Overflow: mode.Overflow}
	w := pl.weightsOf(op, n)
	limit := int64(1)<<(mode.Bits-1) - 1
	if b := w.bound(0, w.k); b <= limit {
		n.why = append(n.why, fmt.Sprintf("%v accumulators cannot overflow: partial sums at most %d", mode, b))
		return nil
	}
	n.split = true
	if op.Kind == workloads.DepthwiseConv2D && a.vectorDW {
		n.why = append(n.why, fmt.Sprintf("%v accumulators could overflow on the depthwise path", mode))
		return nil
	}
	n.chunks = w.chunks(limit)
	n.why = append(n.why, fmt.Sprintf("%v accumulators could overflow (partial sums up to %d): "+
		"%d chunks of the reduction of %d", mode, w.bound(0, w.k), len(n.chunks), w.k))
	return nil
}
