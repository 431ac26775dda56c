package drivers

import (
	"math"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// Vendor fusions: fusions that skip or change a rounding step, so that the
// outputs change. A policy asks for them (residual_add_fusion,
// expand_depthwise_fusion) and the hardware must have the datapaths they
// use (npu.FusionConfig).
//
// Residual fold. A convolution without activation whose only reader is an
// ADD (a residual block's last convolution and its shortcut) requantizes
// straight into the ADD's output: one rounding of the convolution's sum,
// scaled to the ADD's output grid, plus the other operand rescaled to it
// (npu.RequantAdd). Unfused, the convolution rounds to its own int8 grid,
// then the ADD rescales both operands with rounding and rounds the sum. The
// ADD's layer disappears: its operand loads, its vector pass and the
// convolution's int8 output. With that output goes its clamp: where the
// convolution's sum leaves its own int8 range, the fused sum keeps what
// the unfused one clips, and differs from it by far more than a rounding.
//
// 16-bit expansion. A 1x1 expansion convolution and the depthwise layer
// that reads it fuse into bands like the exact links of fusion.go, but the
// intermediate is kept at 16 bits: on the expansion's grid with 8 more
// fraction bits (scale/256, zero point x256), its activation clamped there.
// The depthwise reads 16-bit inputs (npu.DepthwiseWide, half the lanes).
// The expanded tensor, the largest of an inverted residual block, then
// never goes to DRAM; the exact compiler does not fuse this link
// (docs/calibration.md says what that leaves to the reference).

// ExpandInt16 is the expand_depthwise_fusion that keeps the intermediate at
// 16 bits.
const ExpandInt16 = "int16"

// resolveFusions checks the policy's vendor fusions against the hardware.
func (p *Policy) resolveFusions(r *arithmetic, hw *npu.Config) error {
	if p.ResidualFusion {
		if hw.Fusion.Residual == nil {
			return unsupported("policy %s folds residual ADDs into requantization, "+
				"which %s cannot do (no fusion.residual path)", p.Label(), hw.Name)
		}
		r.foldResidual = true
	}
	if p.ExpandFusion == ExpandInt16 {
		if hw.Fusion.WideDepthwise == nil {
			return unsupported("policy %s keeps expansions at 16 bits for the depthwise layer, "+
				"which %s cannot read (no fusion.wide_depthwise path)", p.Label(), hw.Name)
		}
		r.wideExpand = true
	}
	return nil
}

// residualFold is a residual ADD folded into a convolution.
type residualFold struct {
	skip     *workloads.Tensor // the ADD's other operand
	skipRes  int               // its address when kept, else inDRAM
	skipAddr uint64
	operand  npu.Operand8
	mult     quant.Multiplier // skip scale / output scale
}

// vendorOps are the ops the unit being planned fuses with vendor fusions:
// the convolution that absorbs an ADD, and the ends of a 16-bit link.
type vendorOps struct {
	foldConv, foldAdd  *workloads.Op
	wideProd, wideCons *workloads.Op
}

// foldable reports whether op k is a convolution whose ADD, op k+1, it can
// absorb.
func foldable(m *workloads.Model, lives []lifetime, k int) bool {
	if k+1 >= len(m.Ops) {
		return false
	}
	c, add := m.Ops[k], m.Ops[k+1]
	if c.Kind != workloads.Conv2D || c.Activation != quant.ActNone || add.Kind != workloads.Add || isOutput(m, c.Output) {
		return false
	}
	if r := lives[c.Output].readers; len(r) != 1 || r[0] != k+1 {
		return false
	}
	a, b := m.Tensors[add.Inputs[0]], m.Tensors[add.Inputs[1]]
	return add.Inputs[0] != add.Inputs[1] && quant.NumElements(a.Shape) == quant.NumElements(b.Shape) &&
		quant.NumElements(a.Shape) == quant.NumElements(m.Tensors[c.Output].Shape)
}

// expandFusable reports whether op k is a 1x1 stride-1 convolution whose
// only reader, op k+1, is a depthwise layer on the vector unit.
func expandFusable(m *workloads.Model, lives []lifetime, k int, next arithmetic) bool {
	if k+1 >= len(m.Ops) {
		return false
	}
	p, c := m.Ops[k], m.Ops[k+1]
	if p.Kind != workloads.Conv2D || c.Kind != workloads.DepthwiseConv2D || !next.vectorDW || isOutput(m, p.Output) {
		return false
	}
	t := m.Tensors[p.Output]
	f := m.Tensors[p.Inputs[1]].Shape
	r := lives[p.Output].readers
	return len(r) == 1 && r[0] == k+1 && c.Inputs[0] == p.Output && len(t.Shape) == 4 && t.Shape[0] == 1 &&
		f[1] == 1 && f[2] == 1 && p.StrideH == 1 && p.StrideW == 1
}

// isOutput reports whether tensor i is a model output.
func isOutput(m *workloads.Model, i int) bool {
	for _, o := range m.Outputs {
		if o == i {
			return true
		}
	}
	return false
}

// vendorGrids applies the unit's vendor fusions to a convolution being
// prepared: the 16-bit grid of a wide link's intermediate, or the ADD a
// fold writes into.
func (pl *planner) vendorGrids(l *convLayer) {
	v := pl.vendor
	if v.wideProd == l.op {
		l.wideOut, l.actLUT = true, nil // the clamp is the requantization's, at 16 bits
		l.outScale, l.zp = wideGrid(l.out)
		l.lo, l.hi = wideRange(l.op.Activation, l.outScale, l.zp)
	}
	if v.wideCons == l.op {
		l.wideIn = true
		l.inScale, l.a.Zero = wideGrid(l.in)
	}
	if v.foldConv == l.op {
		add := v.foldAdd
		skip := add.Inputs[0]
		if skip == l.op.Output {
			skip = add.Inputs[1]
		}
		st, out := pl.m.Tensors[skip], pl.m.Tensors[add.Output]
		l.fold = &residualFold{skip: st, skipRes: pl.residentAt(skip), skipAddr: pl.tensorAddr[skip],
			operand: npu.Operand8{Signed: st.Type.Signed(), Zero: st.Params.ZeroPoint},
			mult:    exactMultiplier(float64(st.Params.Scale) / float64(out.Params.Scale))}
		l.outScale, l.zp, l.actLUT = out.Params.Scale, out.Params.ZeroPoint, nil
		l.lo, l.hi = add.Activation.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
		l.outAddr, l.outRes = pl.tensorAddr[add.Output], pl.residentAt(add.Output)
	}
}

// multiplier is channel ch's requantization multiplier: the policy's
// variant, or, folding a residual, the exact one the single rounding uses.
func (l *convLayer) multiplier(a arithmetic, ch int) quant.Multiplier {
	ws := l.filter.Params.ChannelScale(ch)
	if l.fold != nil {
		return exactMultiplier(quant.RealMultiplier(l.inScale, ws, l.outScale))
	}
	return a.variant.MultiplierFor(l.inScale, ws, l.outScale)
}

// biasAt is channel ch's bias on the accumulators' grid: a 16-bit input
// makes each accumulator 256 times finer.
func (l *convLayer) biasAt(ch int) int32 {
	b := int64(l.bias.Data[ch])
	if l.wideIn {
		b *= 256
	}
	return quant.Clamp(b, math.MinInt32, math.MaxInt32)
}

// exactMultiplier is m as QuantizeMultiplier represents it.
func exactMultiplier(m float64) quant.Multiplier {
	q, shift := quant.QuantizeMultiplier(m)
	return quant.Multiplier{Q: q, Shift: shift, Scale: float32(m)}
}

// wideGrid is the 16-bit grid of an 8-bit tensor: its scale / 256, its
// zero point x 256 (less 32768 for uint8, so that the codes are signed).
func wideGrid(t *workloads.Tensor) (scale float32, zp int32) {
	zp = 256 * t.Params.ZeroPoint
	if !t.Type.Signed() {
		zp -= 32768
	}
	return t.Params.Scale / 256, zp
}

// wideRange is an activation's clamp on a 16-bit grid.
func wideRange(act quant.Activation, scale float32, zp int32) (lo, hi int32) {
	lo, hi = act.Range(quant.Int32, scale, zp)
	return quant.Clamp(int64(lo), -1<<15, 1<<15-1), quant.Clamp(int64(hi), -1<<15, 1<<15-1)
}

// requantOp is the requantization of m pixels x n channels (from n0) of a
// tile: plain, into 16 bits, or with the folded residual (skip is the
// tile's slot of the skip buffers when the skip operand is in DRAM).
func (l *convLayer) requantOp(a arithmetic, t tile, n0, n int, acc npu.AccRegion,
	records, out, stride, skip int) npu.Operation {
	r := l.requant(a, t.pixels(), n, acc, records, out, stride)
	switch {
	case l.wideOut:
		r.Out = l.outRes + 2*(l.g.pixelOffset(t)*l.g.oc+n0)
		return &npu.RequantWide{Requant: *r}
	case l.fold != nil:
		at := skip + n0
		if kept(l.fold.skipRes) {
			at = l.fold.skipRes + l.g.pixelOffset(t)*l.g.oc + n0
		}
		return &npu.RequantAdd{M: r.M, N: r.N, Acc: r.Acc, Records: r.Records,
			Skip: at, SkipRowStride: l.g.oc, SkipOperand: l.fold.operand, SkipMult: l.fold.mult,
			ZeroPoint: r.ZeroPoint, Lo: r.Lo, Hi: r.Hi, Out: r.Out, OutRowStride: r.OutRowStride}
	}
	return r
}

// skipInDRAM reports a folded residual whose skip operand the plan loads
// tile by tile.
func (l *convLayer) skipInDRAM() bool { return l.fold != nil && !kept(l.fold.skipRes) }

// loadSkip loads a tile's skip operand (shaped like its output) into buf.
func (l *convLayer) loadSkip(t tile, buf int) *npu.DMA {
	d := l.g.store(l.fold.skipAddr, t, buf, l.g.oc, 0, l.g.oc)
	d.Store = false
	return d
}

// wideWindow is the im2col window of a tile reading 16-bit inputs held,
// row 0 at base, in a band buffer.
func (g *window) wideWindow(t tile, base int) npu.Im2col {
	a := g.residentWindow(t, base)
	r0, _ := g.inRows(t.oy, t.oy+t.rows)
	c0, _ := g.inCols(t.ox, t.ox+t.cols)
	a.Base = base + 2*((t.batch*g.h+r0)*g.w+c0)*g.c
	a.RowStride, a.PixelStride = 2*g.w*g.c, 2*g.c
	return a
}
