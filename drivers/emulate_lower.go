package drivers

import (
	"github.com/npusim/npusim/npu"
)

// This file lowers the emulations of exact routes: the scratchpad regions
// they use, a requantization by channel groups or on the vector unit, and
// the rewriting of a layer's matrix products for a split accumulation and a
// folded weight zero point.

// emuBuffers are the scratchpad regions of an emulation, placed in the
// layer's layout: the vector sequences' scratch, a chunk's partial sums,
// the row sums of a folded zero point (a pair, by pass parity) and the
// ones they are summed with (in the weight scratchpad).
type emuBuffers struct {
	scratch vectorScratch
	partial int
	rowsum  [2]int
	ones    int
}

// emuShape is what sizes an emulation's regions: an accumulator block of
// px rows by n columns, the reduction k the ones cover, and whether the row
// sums are per element (depthwise on the vector unit) or per row.
type emuShape struct {
	px, n, k    int
	perElement  bool
	onesPerCols bool
}

// placeEmulation places an emulation's regions in a layout (nothing for a
// layer without one).
func placeEmulation(lay *layout, e *emulation, sh emuShape) emuBuffers {
	var b emuBuffers
	if e == nil {
		return b
	}
	block := 4 * sh.px * sh.n
	temps := 0
	if e.requant == requantVector {
		temps = scratchTemps(e.variant, e.bits)
	}
	if e.fold {
		temps = max(temps, 2)
	}
	if temps > 0 {
		b.scratch.temps = lay.place(npu.AccumulatorSRAM, "emulation temporaries", temps*block)
		b.scratch.rows = lay.place(npu.AccumulatorSRAM, "emulation rows", scratchRows*4*sh.n)
	}
	if e.split {
		b.partial = lay.place(npu.AccumulatorSRAM, "chunk partial sums", block)
	}
	if e.fold {
		sums := 4 * sh.px
		if sh.perElement {
			sums = block
		}
		b.rowsum[0] = lay.place(npu.AccumulatorSRAM, "row sums[0]", sums)
		b.rowsum[1] = lay.place(npu.AccumulatorSRAM, "row sums[1]", sums)
		ones := sh.k
		if sh.onesPerCols {
			ones = sh.n
		}
		b.ones = lay.place(npu.WeightSRAM, "ones", ones)
	}
	return b
}

// requantOps lowers a requantization of a block whose first channel is n0:
// the command itself, one per channel group, or a vector sequence.
func requantOps(r *npu.Requant, n0 int, e *emulation, b emuBuffers, signed bool) []npu.Operation {
	switch {
	case e == nil || e.requant == requantNative:
		return ops(r)
	case e.requant == requantGroups:
		return channelGroups(r, n0, e)
	}
	return vectorRequant(jobOf(r, signed), e.bits, b.scratch)
}

// channelGroups cuts a requantization into one command per run of
// consecutive channels sharing a multiplier: what a per-tensor requantizer
// computes exactly.
func channelGroups(r *npu.Requant, n0 int, e *emulation) []npu.Operation {
	var o []npu.Operation
	for g := 0; g < r.N; {
		w := 1
		for g+w < r.N && e.mults[n0+g+w] == e.mults[n0+g] {
			w++
		}
		c := *r
		c.N, c.Records, c.Out = w, r.Records+g*npu.RecordBytes, r.Out+g
		c.Acc.Base += 4 * g
		o = append(o, &c)
		g += w
	}
	return o
}

// matmul rewrites one matrix product for the emulation: its reduction in
// chunks whose partial sums are added in exact int32 arithmetic on the
// vector unit, and the folded weight zero point subtracted as zw x the row
// sums of the input (computed by a product with a column of ones, when
// sums says this step computes them).
func (e *emulation) matmul(mm *npu.MatMul, b emuBuffers, pass int, sums bool) []npu.Operation {
	var o []npu.Operation
	for i, pc := range e.pieces(mm.A.K0, mm.K) {
		p := *mm
		p.A.K0, p.K, p.B = pc[0], pc[1]-pc[0], mm.B+(pc[0]-mm.A.K0)*mm.BRowStride
		if i == 0 && (!mm.Accumulate || !e.split) { // accumulating natively is exact without a split
			o = append(o, &p)
			continue
		}
		p.Accumulate, p.Acc = false, npu.AccRegion{Base: b.partial, RowStride: mm.N}
		o = append(o, &p, &npu.VALU{Op: npu.VAdd, M: mm.M, N: mm.N, A: npu.Block(mm.Acc), B: npu.Block(p.Acc), Dst: mm.Acc})
	}
	if !e.fold {
		return o
	}
	rs := npu.AccRegion{Base: b.rowsum[pass%2], RowStride: 1}
	if sums {
		o = append(o, &npu.MatMul{M: mm.M, K: mm.K, N: 1, A: mm.A, AOperand: mm.AOperand,
			B: b.ones, BColStride: 1, BRowStride: 1, BOperand: npu.Operand8{Signed: true}, Acc: rs, Mode: mm.Mode})
	}
	return append(o, e.correct(mm.M, mm.N, mm.Acc, npu.Column(rs.Base, 1), false, b)...)
}

// pieces cuts the reduction [k0, k0+k) at the emulation's chunk starts.
func (e *emulation) pieces(k0, k int) [][2]int {
	if !e.split {
		return [][2]int{{k0, k0 + k}}
	}
	var p [][2]int
	lo := k0
	for _, c := range e.chunks {
		if c > lo && c < k0+k {
			p = append(p, [2]int{lo, c})
			lo = c
		}
	}
	return append(p, [2]int{lo, k0 + k})
}

// correct subtracts wzp x sums from an m x n accumulator block: sums is a
// per-row operand (perElement false) or a block. The product of an 8-bit
// zero point and a row sum fits 32 bits; on a 16-bit datapath it is the
// sum of its 16-bit halves' products.
func (e *emulation) correct(m, n int, acc npu.AccRegion, sums npu.VSource, perElement bool,
	b emuBuffers) []npu.Operation {
	cols, src := 1, func(r npu.AccRegion) npu.VSource { return npu.Column(r.Base, 1) }
	if perElement {
		cols, src = n, npu.Block
	}
	t0 := npu.AccRegion{Base: b.scratch.temps, RowStride: cols}
	t1 := npu.AccRegion{Base: b.scratch.temps + 4*m*n, RowStride: cols}
	z := npu.Imm(e.wzp)
	var o []npu.Operation
	if e.bits >= 32 {
		o = append(o, &npu.VMul32{M: m, N: cols, A: sums, B: z, Hi: t1, Lo: t0})
	} else {
		o = append(o, &npu.VMul16{M: m, N: cols, A: sums, B: z, BSigned: true, Dst: t0},
			&npu.VMul16{M: m, N: cols, A: sums, AHigh: true, ASigned: true, B: z, BSigned: true, Dst: t1},
			&npu.VALU{Op: npu.VShl, M: m, N: cols, A: npu.Block(t1), B: npu.Imm(16), Dst: t1},
			&npu.VALU{Op: npu.VAdd, M: m, N: cols, A: npu.Block(t0), B: npu.Block(t1), Dst: t0})
	}
	return append(o, &npu.VALU{Op: npu.VSub, M: m, N: n, A: npu.Block(acc), B: src(t0), Dst: acc})
}

// depthwise rewrites a depthwise command on the vector unit for a folded
// weight zero point: the same command over a row of ones gives each output's
// sum of inputs, and the correction subtracts wzp times it.
func (e *emulation) depthwise(d *npu.Depthwise, b emuBuffers, pass int) []npu.Operation {
	if !e.fold {
		return ops(d)
	}
	n := d.In.Channels * d.Multiplier
	sums := npu.AccRegion{Base: b.rowsum[pass%2], RowStride: n}
	ones := *d
	ones.W, ones.WTapStride, ones.Acc = b.ones, 0, sums
	return append(ops(d, &ones), e.correct(d.Pixels, n, d.Acc, npu.Block(sums), true, b)...)
}

// placeWeights lays a layer's filter out in DRAM as the array multiplies
// it: for a folded zero point, uint8 weights shifted to int8 (w - 128,
// exactly) with the ones their row sums need.
func (pl *planner) placeWeights(l *convLayer, e *emulation) uint64 {
	data := l.filter.Bytes()
	if e == nil || !e.fold {
		return pl.dram.constant(data)
	}
	if !l.filter.Type.Signed() {
		for i := range data {
			data[i] ^= 0x80 // w - 128 as int8
		}
	}
	l.b = npu.Operand8{Signed: true}
	ones := make([]byte, max(l.k, l.g.oc))
	for i := range ones {
		ones[i] = 1
	}
	addr := pl.dram.constant(data)
	l.ones = pl.dram.constant(ones)
	return addr
}

// onesLoad appends to s the load of the ones that a layer folding a
// weight zero point reads: it comes before the rest of the schedule.
func onesLoad(s []step, e *emulation) []step {
	if e == nil || !e.fold {
		return s
	}
	return append(s, mkStep(loadOnes, all, all, all, all))
}

// emulated rewrites a compute step's matrix products for the layer's
// emulation. The row sums of a folded zero point depend on the tile's
// input only: the pipeline computes them with a tile's first block (into
// the pair's slot of the tile's parity) and reuses them for its other
// blocks; other schedules compute them with every product.
func (p *matmulPlan) emulated(s step, o []npu.Operation) []npu.Operation {
	e := p.arith.emu
	if e == nil || (!e.split && !e.fold) {
		return o
	}
	sums := p.depthwise || p.tiling.inputPerBlock || p.tiling.split(p.k) || s.block == 0
	var out []npu.Operation
	for _, op := range o {
		out = append(out, e.matmul(op.(*npu.MatMul), p.buf.emu, s.tile, sums)...)
	}
	return out
}
