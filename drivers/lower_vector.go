package drivers

import "github.com/npusim/npusim/npu"

// This file lowers the steps of the layers that run on the vector unit.

// appendSchedule appends the depthwise pipeline.
func (p *depthwiseVectorPlan) appendSchedule(s []step) []step {
	s = onesLoad(s, p.arith.emu)
	return depthwiseVectorSchedule(s, len(p.tiles), (p.g.oc+p.cb-1)/p.cb, p.actLUT != nil, p.preloaded)
}

// lower turns a step into operations: per tile and block of channels, one
// depthwise command into the accumulators, then a requantization.
func (p *depthwiseVectorPlan) lower(s step) []npu.Operation {
	b := &p.buf
	switch s.kind {
	case loadTable:
		return ops(loadTableAt(p.table, b.table))
	case loadOnes:
		return ops(loadBytes(p.ones, npu.WeightSRAM, b.emu.ones, p.cb))
	case loadWeights:
		return ops(loadBytes(p.weights, npu.WeightSRAM, b.weights, p.k*p.g.oc))
	case loadRecords:
		return ops(loadBytes(p.records, npu.WeightSRAM, b.records, p.g.oc*npu.RecordBytes))
	case loadInput:
		if kept(p.inRes) {
			return nil
		}
		return ops(p.g.load(p.inAddr, p.tiles[s.tile], b.in[s.tile%2]))
	case compute:
		t, n0, n := p.tiles[s.tile], s.block*p.cb, p.blockWidth(s.block)
		a := p.window(t, b.in[s.tile%2])
		if p.wideIn {
			a = p.g.wideWindow(t, p.inRes)
		}
		a.Channel, a.Channels = n0/p.dm, n/p.dm
		d := &npu.Depthwise{In: a, Pixels: t.pixels(), Multiplier: p.dm, AOperand: p.a,
			W: b.weights + n0, WTapStride: p.g.oc, WOperand: p.b, Acc: p.accAt(s.pass, n), Mode: p.arith.accumulate}
		switch {
		case p.arith.emu != nil:
			return p.arith.emu.depthwise(d, b.emu, s.pass)
		case p.wideIn:
			return ops(&npu.DepthwiseWide{Depthwise: *d})
		}
		return ops(d)
	case requantize:
		n0, n := s.block*p.cb, p.blockWidth(s.block)
		out, stride := p.outputAt(p.tiles[s.tile], b.out[s.tile%2], n0)
		r := p.requant(p.arith, p.tiles[s.tile].pixels(), n, p.accAt(s.pass, n), b.records+n0*npu.RecordBytes, out, stride)
		return requantOps(r, n0, p.arith.emu, b.emu, p.out.Type.Signed())
	case activate:
		out, stride := p.outputAt(p.tiles[s.tile], b.out[s.tile%2], 0)
		return ops(activationPass(b.table, out, p.tiles[s.tile].pixels(), p.g.oc, stride, p.out.Type))
	case store:
		if kept(p.outRes) {
			return nil
		}
		return ops(p.g.store(p.outAddr, p.tiles[s.tile], b.out[s.tile%2], p.g.oc, 0, p.g.oc))
	}
	panic("depthwise layer: no lowering for " + s.String())
}

// blockWidth is the number of output channels of block b.
func (p *depthwiseVectorPlan) blockWidth(b int) int { return min(p.cb, p.g.oc-b*p.cb) }

// accAt is the accumulator block of a pass, n channels wide.
func (p *depthwiseVectorPlan) accAt(pass, n int) npu.AccRegion {
	return npu.AccRegion{Base: p.buf.acc[pass%2], RowStride: n}
}

// appendSchedule appends one pool command per tile (and block of
// channels).
func (p *poolPlan) appendSchedule(s []step) []step { return poolSchedule(s, len(p.tiles), p.blocks()) }

// lower turns a step into operations. With channel blocks, a pass's
// buffers hold its block's channels packed.
func (p *poolPlan) lower(s step) []npu.Operation {
	t, slot, ch, nc := p.tiles[s.tile], s.tile%2, 0, p.g.c
	if s.block != all {
		slot, ch, nc = s.pass%2, s.block*p.cb, min(p.cb, p.g.c-s.block*p.cb)
	}
	in, out := p.buf.in[slot], p.buf.out[slot]
	switch s.kind {
	case loadInput:
		switch {
		case kept(p.inRes):
			return nil
		case s.block == all:
			return ops(p.g.load(p.in, t, in))
		}
		return ops(p.g.loadChannels(p.in, t, in, ch, nc))
	case compute:
		return ops(p.pool(t, in, out, ch, nc))
	case store:
		if kept(p.outRes) {
			return nil
		}
		return ops(p.g.store(p.out, t, out-ch, nc, ch, nc))
	}
	panic("pool: no lowering for " + s.String())
}

// pool is the pool command of a tile's channels [ch, ch+nc), from the input
// buffer in and into the output buffer out, or from and into the tensors
// kept in the activation scratchpad.
func (p *poolPlan) pool(t tile, in, out, ch, nc int) *npu.Pool {
	win, outStride := p.g.im2colChannels(t, in, nc), nc
	if kept(p.inRes) {
		win = p.g.residentWindow(t, p.inRes)
		win.Channel, win.Channels = ch, nc
	}
	if kept(p.outRes) {
		out, outStride = p.outRes+p.g.pixelOffset(t)*p.g.oc+ch, p.g.oc
	}
	return &npu.Pool{Max: p.max, In: win, Pixels: t.pixels(), Signed: p.signed, Lo: p.lo, Hi: p.hi,
		Out: out, OutPixelStride: outStride}
}

// appendSchedule appends the loads of both operands of each chunk, its
// computation and its store.
func (p *eltwisePlan) appendSchedule(s []step) []step {
	return chunkSchedule(s, chunkShape{chunks: p.count(), operands: 2, records: p.mul, compute: true, requant: p.mul})
}

// lower turns a step into operations.
func (p *eltwisePlan) lower(s step) []npu.Operation {
	b := &p.buf
	if s.kind == loadRecords {
		return ops(loadBytes(p.recordsAddr, npu.WeightSRAM, b.records, len(p.records)))
	}
	r0, n := p.span(s.tile)
	slot := s.tile % 2
	switch s.kind {
	case loadInput:
		v, buf := p.views[s.operand], [2][2]int{b.in, b.in2}[s.operand][slot]
		switch {
		case kept(p.inRes[s.operand]):
			return nil
		case v.rowStride == 0: // a broadcast row or scalar: load it whole
			return ops(loadBytes(p.from[s.operand], npu.ActivationSRAM, buf, v.rows*v.cols))
		}
		return ops(loadBytes(p.from[s.operand]+uint64(r0*v.rowStride), npu.ActivationSRAM, buf, n*v.rowStride))
	case compute:
		return ops(p.eltwise(slot, r0, n))
	case requantize:
		r := &npu.Requant{M: n, N: p.cols, Acc: npu.AccRegion{Base: b.acc[slot], RowStride: p.cols},
			Records: b.records, Variant: p.arith.variant, ZeroPoint: p.mulParams.OutOffset,
			Lo: p.lo, Hi: p.hi, Out: p.outAt(slot, r0), OutRowStride: p.cols}
		return requantOps(r, 0, p.arith.emu, b.emu, p.signed)
	case store:
		if kept(p.outRes) {
			return nil
		}
		return ops(storeBytes(npu.ActivationSRAM, b.out[slot], p.to+uint64(r0*p.cols), n*p.cols))
	}
	panic("element-wise layer: no lowering for " + s.String())
}

// operandAt is where operand k of the chunk starting at row r0 is: its
// buffer in the slot, or its rows in the kept tensor.
func (p *eltwisePlan) operandAt(k, slot, r0 int) int {
	if kept(p.inRes[k]) {
		return p.inRes[k] + r0*p.views[k].rowStride
	}
	return [2][2]int{p.buf.in, p.buf.in2}[k][slot]
}

// outAt is where the chunk starting at row r0 goes: the slot's output
// buffer, or its rows of the kept output tensor.
func (p *eltwisePlan) outAt(slot, r0 int) int {
	if kept(p.outRes) {
		return p.outRes + r0*p.cols
	}
	return p.buf.out[slot]
}

// eltwise is the ADD or MUL command of a chunk of n rows from row r0 in a
// slot.
func (p *eltwisePlan) eltwise(slot, r0, n int) *npu.Eltwise {
	va, vb := p.views[0], p.views[1]
	e := &npu.Eltwise{Rows: n, Cols: p.cols,
		A: p.operandAt(0, slot, r0), ARowStride: va.rowStride, AColStride: va.colStride,
		B: p.operandAt(1, slot, r0), BRowStride: vb.rowStride, BColStride: vb.colStride,
		Signed: p.signed, Lo: p.lo, Hi: p.hi, Out: p.outAt(slot, r0), OutRowStride: p.cols}
	if p.mul {
		products := npu.AccRegion{Base: p.buf.acc[slot], RowStride: p.cols}
		e.Kind, e.MulOffsets, e.Acc = npu.EltMul, p.mulParams.InOffset, products
	} else {
		e.Kind, e.Add = npu.EltAdd, p.add
	}
	return e
}

// appendSchedule appends the table's load, then each chunk's mapping.
func (p *tablePlan) appendSchedule(s []step) []step {
	return chunkSchedule(s, chunkShape{chunks: p.count(), operands: 1, table: true, compute: true})
}

// lower turns a step into operations.
func (p *tablePlan) lower(s step) []npu.Operation {
	if s.kind == loadTable {
		return ops(loadTableAt(p.tableAddr, p.buf.table))
	}
	off, n := p.span(s.tile)
	slot := s.tile % 2
	switch s.kind {
	case loadInput:
		return ops(loadBytes(p.from+uint64(off), npu.ActivationSRAM, p.buf.in[slot], n))
	case compute:
		return ops(&npu.Eltwise{Kind: npu.EltLUT, Rows: 1, Cols: n, A: p.buf.in[slot], AColStride: 1, Signed: p.typ.Signed(),
			LUT: p.buf.table, Lo: p.typ.Min(), Hi: p.typ.Max(), Out: p.buf.out[slot]})
	case store:
		return ops(storeBytes(npu.ActivationSRAM, p.buf.out[slot], p.to+uint64(off), n))
	}
	panic("table pass: no lowering for " + s.String())
}

// appendSchedule appends the load, computation and store of each chunk of
// rows.
func (p *softmaxPlan) appendSchedule(s []step) []step {
	return chunkSchedule(s, chunkShape{chunks: p.count(), operands: 1, compute: true})
}

// lower turns a step into operations.
func (p *softmaxPlan) lower(s step) []npu.Operation {
	r0, n := p.span(s.tile)
	slot := s.tile % 2
	switch s.kind {
	case loadInput:
		return ops(loadBytes(p.from+uint64(r0*p.depth), npu.ActivationSRAM, p.buf.in[slot], n*p.depth))
	case compute:
		return ops(&npu.Softmax{Rows: n, Depth: p.depth, In: p.buf.in[slot], InRowStride: p.depth, Signed: p.signed,
			Params: p.params, Out: p.buf.out[slot], OutRowStride: p.depth})
	case store:
		return ops(storeBytes(npu.ActivationSRAM, p.buf.out[slot], p.to+uint64(r0*p.depth), n*p.depth))
	}
	panic("softmax: no lowering for " + s.String())
}

// appendSchedule appends each chunk's copy, regridded in place first if
// needed.
func (p *concatPart) appendSchedule(s []step) []step {
	return chunkSchedule(s, chunkShape{chunks: p.count(), operands: 1, table: p.table != nil, compute: p.table != nil})
}

// lower turns a step into operations.
func (p *concatPart) lower(s step) []npu.Operation {
	if s.kind == loadTable {
		return ops(loadTableAt(p.tableAddr, p.buf.table))
	}
	r0, n := p.span(s.tile)
	buf := p.buf.in[s.tile%2]
	switch s.kind {
	case loadInput:
		return ops(loadBytes(p.from+uint64(r0*p.width), npu.ActivationSRAM, buf, n*p.width))
	case compute:
		return ops(&npu.Eltwise{Kind: npu.EltLUT, Rows: n, Cols: p.width, A: buf, ARowStride: p.width, AColStride: 1,
			Signed: p.typ.Signed(), LUT: p.buf.table, Lo: p.typ.Min(), Hi: p.typ.Max(), Out: buf, OutRowStride: p.width})
	case store:
		return ops(&npu.DMA{Store: true, DRAM: p.to + uint64(r0*p.outWidth), SRAM: npu.ActivationSRAM,
			Addr: buf, RunBytes: p.width, Rows: n, Planes: 1, DRAMRowStride: p.outWidth, SRAMRowStride: p.width})
	}
	panic("concatenation: no lowering for " + s.String())
}
