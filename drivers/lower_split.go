package drivers

import "github.com/npusim/npusim/npu"

// lowerSplit turns a step of a split reduction's schedule into operations:
// single input, output and accumulator buffers, weight chunks alternating
// between two slots, and partial sums spilled to DRAM between chunks, as
// exact int32 or, under a 16-bit partial-sum policy, narrowed to int16.
func (p *matmulPlan) lowerSplit(s step) []npu.Operation {
	b := &p.buf
	switch s.kind {
	case loadInput:
		if kept(p.inRes) {
			return nil
		}
		return ops(p.g.load(p.inAddr, p.tiles[s.tile], b.in[0]))
	case loadWeights:
		return ops(p.loadChunk(s))
	case loadRecords:
		return ops(p.loadSplitRecords(s))
	case loadPartials:
		return p.loadPartials(s)
	case compute:
		return p.emulated(s, ops(p.multiplyChunk(s)))
	case requantize:
		n0, n := p.block(s.block)
		records := b.records
		if p.tiling.recordsResident {
			records += n0 * npu.RecordBytes
		}
		out, stride := p.splitOutput(s)
		r := p.requant(p.arith, p.tiles[s.tile].pixels(), n, p.splitAcc(n), records, out, stride)
		return requantOps(r, n0, p.arith.emu, b.emu, p.out.Type.Signed())
	case activate:
		_, n := p.block(s.block)
		out, stride := p.splitOutput(s)
		return ops(activationPass(b.table, out, p.tiles[s.tile].pixels(), n, stride, p.out.Type))
	case store:
		if kept(p.outRes) {
			return nil
		}
		n0, n := p.block(s.block)
		return ops(p.g.store(p.outAddr, p.tiles[s.tile], b.out[0]-n0, n, n0, n))
	case spillPartials:
		return p.spillPartials(s)
	}
	panic("split matmul layer: no lowering for " + s.String())
}

// splitOutput is where a split layer requantizes a tile's block: into the
// kept output tensor, or the output buffer, packed n channels per pixel.
func (p *matmulPlan) splitOutput(s step) (addr, stride int) {
	n0, n := p.block(s.block)
	if kept(p.outRes) {
		return p.outputAt(p.tiles[s.tile], 0, n0)
	}
	return p.buf.out[0], n
}

// chunkAt returns reduction chunk c's first index and length.
func (p *matmulPlan) chunkAt(c int) (k0, kb int) {
	k0 = c * p.tiling.kb
	return k0, min(p.tiling.kb, p.k-k0)
}

// splitAcc is the accumulator block of a split layer, n channels wide.
func (p *matmulPlan) splitAcc(n int) npu.AccRegion {
	return npu.AccRegion{Base: p.buf.acc[0], RowStride: n}
}

// loadSplitRecords loads all the records, or (no requantization is pending
// when a block's last chunk starts: one buffer will do) block b's.
func (p *matmulPlan) loadSplitRecords(s step) *npu.DMA {
	if s.block == all {
		return loadBytes(p.records, npu.WeightSRAM, p.buf.records, p.g.oc*npu.RecordBytes)
	}
	n0, n := p.block(s.block)
	return loadBytes(p.records+uint64(n0*npu.RecordBytes), npu.WeightSRAM, p.buf.records, n*npu.RecordBytes)
}

// loadChunk loads block b's weights for one reduction chunk: n rows of kb
// bytes out of rows of k.
func (p *matmulPlan) loadChunk(s step) *npu.DMA {
	n0, n := p.block(s.block)
	k0, kb := p.chunkAt(s.chunk)
	return &npu.DMA{DRAM: p.weights + uint64(n0*p.k+k0), SRAM: npu.WeightSRAM, Addr: p.buf.weights[s.pass%2],
		RunBytes: kb, Rows: n, Planes: 1, DRAMRowStride: p.k, SRAMRowStride: kb}
}

// multiplyChunk is one chunk's matmul on one tile, accumulating onto the
// partial sums of the chunks before it.
func (p *matmulPlan) multiplyChunk(s step) *npu.MatMul {
	t := p.tiles[s.tile]
	_, n := p.block(s.block)
	k0, kb := p.chunkAt(s.chunk)
	win := p.window(t, p.buf.in[0])
	win.K0 = k0
	return &npu.MatMul{M: t.pixels(), K: kb, N: n, A: win, AOperand: p.a,
		B: p.buf.weights[s.pass%2], BColStride: kb, BRowStride: 1, BOperand: p.b,
		Acc: p.splitAcc(n), Accumulate: k0 > 0, Mode: p.arith.accumulate}
}

// spill returns where a tile's partial sums wait in DRAM and their bytes.
func (p *matmulPlan) spill(s step) (at uint64, n int, bytes int) {
	_, n = p.block(s.block)
	t := p.tiling
	w := p.psumWidth()
	return p.psum + uint64(s.tile*t.rows*t.cols*t.nb*w), n, p.tiles[s.tile].pixels() * n * w
}

// loadPartials brings a tile's partial sums back into the accumulators,
// widening them from int16 under a 16-bit policy.
func (p *matmulPlan) loadPartials(s step) []npu.Operation {
	at, n, bytes := p.spill(s)
	if p.psumWidth() == 4 {
		return ops(loadBytes(at, npu.AccumulatorSRAM, p.buf.acc[0], bytes))
	}
	n0, _ := p.block(s.block)
	widen := &npu.Psum{M: p.tiles[s.tile].pixels(), N: n, Acc: p.splitAcc(n),
		Half: p.buf.half, HalfRowStride: n, Shift: p.psumShift(n0, n)}
	return ops(loadBytes(at, npu.AccumulatorSRAM, p.buf.half, bytes), widen)
}

// spillPartials sends a tile's partial sums to DRAM, narrowed to int16
// under a 16-bit policy.
func (p *matmulPlan) spillPartials(s step) []npu.Operation {
	at, n, bytes := p.spill(s)
	if p.psumWidth() == 4 {
		return ops(storeBytes(npu.AccumulatorSRAM, p.buf.acc[0], at, bytes))
	}
	n0, _ := p.block(s.block)
	narrow := &npu.Psum{Narrow: true, M: p.tiles[s.tile].pixels(), N: n, Acc: p.splitAcc(n),
		Half: p.buf.half, HalfRowStride: n, Shift: p.psumShift(n0, n)}
	return ops(narrow, storeBytes(npu.AccumulatorSRAM, p.buf.half, at, bytes))
}
