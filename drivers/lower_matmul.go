package drivers

import (
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

// blocks is the number of output-channel blocks.
func (p *matmulPlan) blocks() int { return (p.g.oc + p.tiling.nb - 1) / p.tiling.nb }

// block returns block b's first output channel and width.
func (p *matmulPlan) block(b int) (n0, n int) {
	n0 = b * p.tiling.nb
	return n0, min(p.tiling.nb, p.g.oc-n0)
}

// appendSchedule appends the pipeline, or the split reduction's schedule.
func (p *matmulPlan) appendSchedule(s []step) []step {
	t := p.tiling
	s = onesLoad(s, p.arith.emu)
	if t.split(p.k) {
		shape := splitShape{tiles: len(p.tiles), blocks: p.blocks(), chunks: (p.k + t.kb - 1) / t.kb,
			table: p.actLUT != nil, recordsResident: t.recordsResident}
		return splitSchedule(s, shape)
	}
	shape := pipelineShape{tiles: len(p.tiles), blocks: p.blocks(), table: p.actLUT != nil,
		weightsResident: t.weightsResident, recordsResident: t.recordsResident,
		inputPerBlock: t.inputPerBlock, preloaded: p.preloaded, skip: p.skipInDRAM()}
	return pipelineSchedule(s, shape)
}

// lower turns a step of the schedule into operations.
func (p *matmulPlan) lower(s step) []npu.Operation {
	switch {
	case s.kind == loadTable:
		return ops(loadTableAt(p.table, p.buf.table))
	case s.kind == loadOnes:
		return ops(loadBytes(p.ones, npu.WeightSRAM, p.buf.emu.ones, p.k))
	case p.tiling.split(p.k):
		return p.lowerSplit(s)
	}
	b := &p.buf
	switch s.kind {
	case loadRecords:
		return ops(p.loadRecords(s))
	case loadWeights:
		return ops(p.loadWeights(s))
	case loadInput:
		switch {
		case s.operand == 1:
			return ops(p.loadSkip(p.tiles[s.tile], b.skip[s.tile%2]))
		case kept(p.inRes):
			return nil
		}
		return ops(p.loadInput(s))
	case compute:
		return p.emulated(s, p.multiply(s))
	case requantize:
		n0, n := p.block(s.block)
		t := p.tiles[s.tile]
		out, stride := p.outputAt(t, b.out[s.tile%2], n0)
		acc, records := p.accAt(s.pass, n), p.recordsAt(s.block, s.pass)
		if p.arith.emu != nil {
			r := p.requant(p.arith, t.pixels(), n, acc, records, out, stride)
			return requantOps(r, n0, p.arith.emu, b.emu, p.out.Type.Signed())
		}
		return ops(p.requantOp(p.arith, t, n0, n, acc, records, out, stride, b.skip[s.tile%2]))
	case activate:
		out, stride := p.outputAt(p.tiles[s.tile], b.out[s.tile%2], 0)
		return ops(activationPass(b.table, out, p.tiles[s.tile].pixels(), p.g.oc, stride, p.out.Type))
	case store:
		if kept(p.outRes) {
			return nil
		}
		return ops(p.g.store(p.outAddr, p.tiles[s.tile], b.out[s.tile%2], p.g.oc, 0, p.g.oc))
	}
	panic("matmul layer: no lowering for " + s.String())
}

// ops collects operations.
func ops(o ...npu.Operation) []npu.Operation { return o }

// accAt is the accumulator block of a pass, n channels wide.
func (p *matmulPlan) accAt(pass, n int) npu.AccRegion {
	return npu.AccRegion{Base: p.buf.acc[pass%2], RowStride: n}
}

// recordsAt is where block b's records are during a pass.
func (p *matmulPlan) recordsAt(b, pass int) int {
	if p.tiling.recordsResident {
		return p.buf.records + b*p.tiling.nb*npu.RecordBytes
	}
	return p.buf.records + pass%3*p.tiling.nb*npu.RecordBytes
}

// loadRecords loads all the records, or block b's into its ring slot.
func (p *matmulPlan) loadRecords(s step) *npu.DMA {
	if s.block == all {
		return loadBytes(p.records, npu.WeightSRAM, p.buf.records, p.g.oc*npu.RecordBytes)
	}
	n0, n := p.block(s.block)
	return loadBytes(p.records+uint64(n0*npu.RecordBytes), npu.WeightSRAM, p.recordsAt(s.block, s.pass), n*npu.RecordBytes)
}

// loadWeights loads all the weights, or block b's into the pass's slot.
func (p *matmulPlan) loadWeights(s step) *npu.DMA {
	if s.block == all {
		return loadBytes(p.weights, npu.WeightSRAM, p.buf.weights[0], p.k*p.g.oc)
	}
	n0, n := p.block(s.block)
	if p.depthwise { // [taps][outC]: the block is a column of n bytes per tap
		return &npu.DMA{DRAM: p.weights + uint64(n0), SRAM: npu.WeightSRAM, Addr: p.buf.weights[s.pass%2],
			RunBytes: n, Rows: p.k, Planes: 1, DRAMRowStride: p.g.oc, SRAMRowStride: n}
	}
	return loadBytes(p.weights+uint64(n0*p.k), npu.WeightSRAM, p.buf.weights[s.pass%2], n*p.k)
}

// inputSlot is the input buffer a step's tile (or pass) uses.
func (p *matmulPlan) inputSlot(s step) int {
	if p.tiling.inputPerBlock {
		return p.buf.in[s.pass%2]
	}
	return p.buf.in[s.tile%2]
}

// loadInput loads a tile's input window, or a block's channels of it.
func (p *matmulPlan) loadInput(s step) *npu.DMA {
	t := p.tiles[s.tile]
	if !p.tiling.inputPerBlock {
		return p.g.load(p.inAddr, t, p.inputSlot(s))
	}
	n0, n := p.block(s.block)
	return p.g.loadChannels(p.inAddr, t, p.inputSlot(s), n0/p.dm, n/p.dm)
}

// multiply is a pass's matmul: one command, or for a depthwise layer on
// the array one per input channel.
func (p *matmulPlan) multiply(s step) []npu.Operation {
	t := p.tiles[s.tile]
	n0, n := p.block(s.block)
	win, acc, first := p.window(t, p.inputSlot(s)), p.accAt(s.pass, n), n0/max(p.dm, 1)
	if p.tiling.inputPerBlock {
		win, first = p.g.im2colChannels(t, p.inputSlot(s), n/p.dm), 0
	}
	w, tapStride := p.buf.weights[s.pass%2], n // a streamed depthwise block is [taps][n]
	switch {
	case p.tiling.weightsResident && p.depthwise: // [taps][outC]: the block starts at column n0
		w, tapStride = p.buf.weights[0]+n0, p.g.oc
	case p.tiling.weightsResident:
		w = p.buf.weights[0] + n0*p.k
	}
	if p.depthwise {
		return p.depthwiseOnArray(win, t, first, n, w, tapStride, acc)
	}
	return ops(&npu.MatMul{M: t.pixels(), K: p.k, N: n, A: win, AOperand: p.a,
		B: w, BColStride: p.k, BRowStride: 1, BOperand: p.b, Acc: acc, Mode: p.arith.accumulate})
}

// depthwiseOnArray runs a block of n output channels of a depthwise layer
// on the array one input channel at a time (the block's first is channel
// first of the window): M = pixels, K = taps, N = the depth multiplier; the
// block's weights are at w, tapStride bytes per tap. The array's
// utilisation is poor, and that is real.
func (p *matmulPlan) depthwiseOnArray(win npu.Im2col, t tile, first, n, w, tapStride int,
	acc npu.AccRegion) []npu.Operation {
	mms := make([]npu.MatMul, (n+p.dm-1)/p.dm) // one allocation for the block's commands
	o := make([]npu.Operation, len(mms))
	for c := range mms {
		j := c * p.dm
		a := win
		a.Channel, a.Channels = first+c, 1
		mms[c] = npu.MatMul{M: t.pixels(), K: p.k, N: p.dm, A: a, AOperand: p.a,
			B: w + j, BColStride: 1, BRowStride: tapStride, BOperand: p.b,
			Acc: npu.AccRegion{Base: acc.Base + 4*j, RowStride: acc.RowStride}, Mode: p.arith.accumulate}
		o[c] = &mms[c]
	}
	return o
}

// loadBytes is the DMA of n contiguous bytes from DRAM into a scratchpad.
func loadBytes(dram uint64, s npu.SRAM, addr, n int) *npu.DMA {
	return &npu.DMA{DRAM: dram, SRAM: s, Addr: addr, RunBytes: n, Rows: 1, Planes: 1}
}

// loadTableAt is the DMA of a lookup table into the weight scratchpad.
func loadTableAt(dram uint64, addr int) *npu.DMA {
	return loadBytes(dram, npu.WeightSRAM, addr, tableBytes)
}

// storeBytes is the DMA of n contiguous scratchpad bytes to DRAM.
func storeBytes(s npu.SRAM, addr int, dram uint64, n int) *npu.DMA {
	return &npu.DMA{Store: true, DRAM: dram, SRAM: s, Addr: addr, RunBytes: n, Rows: 1, Planes: 1}
}

// activationPass is a separate activation clamp (a table lookup) over rows
// x cols outputs, stride bytes apart, in place, when the policy does not
// fuse it.
func activationPass(table, buf, rows, cols, stride int, t quant.Type) *npu.Eltwise {
	return &npu.Eltwise{Kind: npu.EltLUT, Rows: rows, Cols: cols, A: buf, ARowStride: stride, AColStride: 1,
		Signed: t.Signed(), LUT: table, Lo: t.Min(), Hi: t.Max(), Out: buf, OutRowStride: stride}
}
