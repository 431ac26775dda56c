package drivers

import (
	"math"
	"math/bits"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// convLayer is a convolution, depthwise convolution or fully connected layer
// prepared for planning: its geometry, operands, constants in DRAM and the
// requantization it ends with.
type convLayer struct {
	op                    *workloads.Op
	in, filter, bias, out *workloads.Tensor
	g                     window
	batches, k, dm        int
	inAddr, outAddr       uint64
	// inRes and outRes are the input's and output's addresses in the
	// activation scratchpad when they are kept there, else inDRAM.
	inRes, outRes int
	// caps are the scratchpad bytes the layer's buffers may take.
	caps capacities
	// band is the output rows the plan covers; preloaded says an earlier
	// band's plan already loaded the weights, records and table.
	band              rowBand
	preloaded         bool
	table             uint64 // DRAM address of the activation table
	weights, records  uint64 // DRAM addresses of the constants
	ones              uint64 // and of a folded zero point's ones
	a, b              npu.Operand8
	lo, hi            int32 // the requantization clamp
	inScale, outScale float32
	zp                int32 // the output's zero point
	// fold is a residual ADD folded into the requantization; wideIn and
	// wideOut mark a 16-bit input or output (vendorfusion.go).
	fold                   *residualFold
	wideIn, wideOut        bool
	actLUT                 []byte // a separate activation pass, if the policy wants one
	depthwise, fullyLinked bool
}

// prepareConv gathers a layer's geometry and lays its constants out in
// DRAM: the filter as stored ([outC][K] for convolutions and FC, [taps][outC]
// for depthwise) and one requantization record per output channel.
func (pl *planner) prepareConv(op *workloads.Op, a arithmetic) *convLayer {
	m := pl.m
	l := &convLayer{op: op, in: m.Tensors[op.Inputs[0]], filter: m.Tensors[op.Inputs[1]],
		bias: m.Tensors[op.Inputs[2]], out: m.Tensors[op.Output]}
	l.depthwise, l.fullyLinked = op.Kind == workloads.DepthwiseConv2D, op.Kind == workloads.FullyConnected
	l.g, l.batches = convWindow(l)
	l.k = l.g.fh * l.g.fw * l.g.c
	if l.depthwise {
		l.k, l.dm = l.g.fh*l.g.fw, op.DepthMultiplier
	}
	l.inAddr, l.outAddr = pl.tensorAddr[op.Inputs[0]], pl.tensorAddr[op.Output]
	l.inRes, l.outRes, l.caps = pl.residentAt(op.Inputs[0]), pl.residentAt(op.Output), pl.caps()
	l.a = npu.Operand8{Signed: l.in.Type.Signed(), Zero: l.in.Params.ZeroPoint}
	l.b = npu.Operand8{Signed: l.filter.Type.Signed(), Zero: l.filter.Params.ZeroPoint}
	l.inScale, l.outScale, l.zp = l.in.Params.Scale, l.out.Params.Scale, l.out.Params.ZeroPoint
	l.lo, l.hi = op.Activation.Range(l.out.Type, l.out.Params.Scale, l.out.Params.ZeroPoint)
	if a.separate && op.Activation != quant.ActNone {
		lo, hi := l.lo, l.hi
		l.actLUT = lut(l.out.Type, func(x int32) int32 { return min(max(x, lo), hi) })
		l.lo, l.hi = l.out.Type.Min(), l.out.Type.Max()
	}
	pl.vendorGrids(l)
	l.band = rowBand{0, l.g.oh}
	l.weights = pl.placeWeights(l, a.emu)
	var rec []byte
	for ch := range l.g.oc {
		rec = append(rec, npu.EncodeRecord(l.biasAt(ch), l.multiplier(a, ch))...)
	}
	l.records = pl.dram.constant(rec)
	if l.actLUT != nil {
		l.table = pl.dram.constant(l.actLUT)
	}
	return l
}

// convWindow is a layer's sliding-window geometry and its number of
// images; a fully connected layer is a 1x1 convolution over its rows.
func convWindow(l *convLayer) (window, int) {
	op := l.op
	if l.fullyLinked {
		units, size := l.filter.Shape[0], l.filter.Shape[1]
		rows := l.in.Len() / size
		return window{h: 1, w: rows, c: size, oh: 1, ow: rows, oc: units, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1}, 1
	}
	dh, dw := op.Dilation()
	is, os := l.in.Shape, l.out.Shape
	return window{h: is[1], w: is[2], c: is[3], oh: os[1], ow: os[2], oc: os[3],
		fh: l.filter.Shape[1], fw: l.filter.Shape[2], sh: op.StrideH, sw: op.StrideW,
		dh: dh, dw: dw, top: op.Padding.Top, left: op.Padding.Left}, is[0]
}

// requant is the requantization of an M x N accumulator block whose
// columns are output channels, into the activation scratchpad.
func (l *convLayer) requant(a arithmetic, m, n int, acc npu.AccRegion, records, out, outStride int) *npu.Requant {
	return &npu.Requant{M: m, N: n, Acc: acc, Records: records, Variant: a.variant,
		ZeroPoint: l.zp, Lo: l.lo, Hi: l.hi, Out: out, OutRowStride: outStride}
}

// psumShift chooses the power-of-two scale that fits a block's partial sums
// into int16: from the calibrated output range (the accumulator that maps to
// the largest output, with a factor of two of headroom), or, without a
// range, from the worst case of the reduction.
func (l *convLayer) psumShift(n0, n int) int {
	var bound float64
	if r := l.out.Range; r != nil {
		for ch := n0; ch < n0+n; ch++ {
			s := float64(l.in.Params.Scale) * float64(l.filter.Params.ChannelScale(ch))
			bound = max(bound, 2*max(math.Abs(r.Min), math.Abs(r.Max))/s)
		}
	} else {
		bound = float64(l.k) * 255 * 255
	}
	return max(0, bits.Len64(uint64(bound))-15)
}

// outputAt is where a tile's output channels from n0 go in the activation
// scratchpad, and the stride between its pixels: into the kept output
// tensor, or the tile's slot of the output buffers (stride oc).
func (l *convLayer) outputAt(t tile, slot, n0 int) (addr, stride int) {
	if kept(l.outRes) {
		return l.outRes + l.g.pixelOffset(t)*l.g.oc + n0, l.g.oc
	}
	return slot + n0, l.g.oc
}

// window is the im2col window of a tile whose input was loaded at buf, or
// of the kept input tensor.
func (l *convLayer) window(t tile, buf int) npu.Im2col {
	if kept(l.inRes) {
		return l.g.residentWindow(t, l.inRes)
	}
	return l.g.im2col(t, buf)
}
