package drivers

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// convLayer is a convolution, depthwise convolution or fully connected layer
// prepared for lowering: its geometry, operands, constants in DRAM and the
// requantization it ends with.
type convLayer struct {
	op                     *workloads.Op
	in, filter, bias, out  *workloads.Tensor
	g                      window
	batches, k, dm         int
	inAddr, outAddr        uint64
	weights, records       uint64 // DRAM addresses of the constants
	a, b                   npu.Operand8
	lo, hi                 int32  // the requantization clamp
	actLUT                 []byte // a separate activation pass, if the policy wants one
	depthwise, fullyLinked bool
}

// prepare gathers a layer's geometry and lays its constants out in DRAM:
// the filter as stored ([outC][K] for convolutions and FC, [taps][outC] for
// depthwise) and one requantization record per output channel.
func (c *compiler) prepare(op *workloads.Op) *convLayer {
	m := c.m
	l := &convLayer{op: op, in: m.Tensors[op.Inputs[0]], filter: m.Tensors[op.Inputs[1]], bias: m.Tensors[op.Inputs[2]], out: m.Tensors[op.Output]}
	l.depthwise, l.fullyLinked = op.Kind == workloads.DepthwiseConv2D, op.Kind == workloads.FullyConnected
	dh, dw := op.Dilation()
	if l.fullyLinked {
		units, size := l.filter.Shape[0], l.filter.Shape[1]
		rows := l.in.Len() / size
		l.g = window{h: 1, w: rows, c: size, oh: 1, ow: rows, oc: units, fh: 1, fw: 1, sh: 1, sw: 1, dh: 1, dw: 1}
		l.batches = 1
	} else {
		is, os := l.in.Shape, l.out.Shape
		l.g = window{h: is[1], w: is[2], c: is[3], oh: os[1], ow: os[2], oc: os[3], fh: l.filter.Shape[1], fw: l.filter.Shape[2],
			sh: op.StrideH, sw: op.StrideW, dh: dh, dw: dw, top: op.Padding.Top, left: op.Padding.Left}
		l.batches = is[0]
	}
	l.k = l.g.fh * l.g.fw * l.g.c
	if l.depthwise {
		l.k, l.dm = l.g.fh*l.g.fw, op.DepthMultiplier
	}
	l.inAddr, l.outAddr = c.tensorAddr[op.Inputs[0]], c.tensorAddr[op.Output]
	l.a = npu.Operand8{Signed: l.in.Type.Signed(), Zero: l.in.Params.ZeroPoint}
	l.b = npu.Operand8{Signed: l.filter.Type.Signed(), Zero: l.filter.Params.ZeroPoint}
	l.lo, l.hi = op.Activation.Range(l.out.Type, l.out.Params.Scale, l.out.Params.ZeroPoint)
	if c.res.separate && op.Activation != quant.ActNone {
		lo, hi := l.lo, l.hi
		l.actLUT = lut(l.out.Type, func(x int32) int32 { return min(max(x, lo), hi) })
		l.lo, l.hi = l.out.Type.Min(), l.out.Type.Max()
	}
	l.weights = c.image(l.filter.Bytes())
	var rec []byte
	for ch := range l.g.oc {
		mult := c.res.variant.MultiplierFor(l.in.Params.Scale, l.filter.Params.ChannelScale(ch), l.out.Params.Scale)
		rec = append(rec, npu.EncodeRecord(l.bias.Data[ch], mult)...)
	}
	l.records = c.image(rec)
	return l
}

// requant returns the requantization of an M x N accumulator block whose
// columns are output channels [ch, ch+n), into the activation scratchpad.
func (c *compiler) requant(l *convLayer, m, n int, acc npu.AccRegion, records, out, outStride int) npu.Command {
	return npu.Command{Op: &npu.Requant{M: m, N: n, Acc: acc, Records: records, Variant: c.res.variant,
		ZeroPoint: l.out.Params.ZeroPoint, Lo: l.lo, Hi: l.hi, Out: out, OutRowStride: outStride}}
}

// matmulPlan is how a convolution or FC is tiled.
type matmulPlan struct {
	nb, kb     int // output channels per block, reduction per chunk
	rows, cols int // output tile
	resident   bool
	// recordsResident says whether all the layer's requantization records
	// stay in the weight scratchpad; otherwise each block's records travel
	// with its weights through a ring of three buffers (the requantization
	// of a block runs after the next block's matmul, whose successor's
	// weights are already loading).
	recordsResident bool
}

// recordBytes is the weight scratchpad space the plan's records take.
func (p matmulPlan) recordBytes(oc int) int {
	if p.recordsResident {
		return oc * npu.RecordBytes
	}
	return 3 * p.nb * npu.RecordBytes
}

func (p matmulPlan) split(k int) bool { return p.kb < k }

// planMatMul chooses the block sizes: all weights resident when they fit,
// else double-buffered weight blocks, else a split reduction; then the
// largest output tile whose double-buffered input, output and accumulators
// fit.
func (c *compiler) planMatMul(l *convLayer) (matmulPlan, error) {
	hw := c.hw
	wSRAM := hw.Bytes(npu.WeightSRAM) - 512 // room for a lookup table and alignment
	oc, k := l.g.oc, l.k
	// One array width of output channels per block leaves the most accumulator
	// space for output pixels, and every pixel of a tile streams through each
	// fold: the longer the tile, the better the fold amortises its fill.
	p := matmulPlan{nb: min(oc, hw.Array.Cols), kb: k, recordsResident: oc*npu.RecordBytes <= wSRAM/4}
	if p.recordsResident {
		wSRAM -= oc*npu.RecordBytes + 64
	} else {
		wSRAM -= 3*p.nb*npu.RecordBytes + 64 // nb only shrinks below
	}
	if l.depthwise { // whole input channels per block, weights always resident
		p.nb = max(p.nb/l.dm*l.dm, l.dm)
		if k*oc+128 > wSRAM {
			return p, fmt.Errorf("the %d depthwise taps x %d channels do not fit %d bytes of weight SRAM", k, oc, hw.Bytes(npu.WeightSRAM))
		}
	}
	slot := func(nb, kb int) int { return kb*nb + 128 }
	switch {
	case k*oc+128 <= wSRAM:
		p.resident = true
	default:
		for p.nb > min(oc, hw.Array.Cols) && 2*slot(p.nb, k) > wSRAM {
			p.nb = max(p.nb/2, min(oc, hw.Array.Cols))
		}
		if 2*slot(p.nb, k) > wSRAM {
			p.kb = (wSRAM/2 - 128) / p.nb / hw.Array.Rows * hw.Array.Rows
			if p.kb < 1 {
				return p, fmt.Errorf("a weight block of %d channels does not fit %d bytes of weight SRAM", p.nb, hw.Bytes(npu.WeightSRAM))
			}
		}
	}
	var err error
	for {
		outChannels := oc
		if p.split(k) {
			outChannels = p.nb
		}
		p.rows, p.cols, err = l.g.chooseTile(func(inBytes, rows, cols int) bool {
			px := rows * cols
			return (&arena{hw: hw}).fits(2*inBytes+2*px*outChannels+256, 0, 2*px*p.nb*4+2*px*p.nb*2)
		})
		if err == nil || p.nb <= min(oc, hw.Array.Cols) {
			return p, err
		}
		p.nb = max(p.nb/2, min(oc, hw.Array.Cols))
	}
}

// lowerMatMul lowers a convolution or fully connected layer onto the array.
func (c *compiler) lowerMatMul(l *convLayer) error {
	p, err := c.planMatMul(l)
	if err != nil {
		return err
	}
	if p.split(l.k) {
		return c.lowerSplitMatMul(l, p)
	}
	ar := arena{hw: c.hw}
	g := &l.g
	maxPx := p.rows * p.cols
	inBytes := g.inputBytes(p.rows, p.cols)
	var inBuf, outBuf, accBuf, wBuf [2]int
	for i := range 2 {
		inBuf[i], _ = ar.alloc(npu.ActivationSRAM, inBytes)
		outBuf[i], _ = ar.alloc(npu.ActivationSRAM, maxPx*g.oc)
		accBuf[i], _ = ar.alloc(npu.AccumulatorSRAM, maxPx*p.nb*4)
	}
	slotBytes := l.k * p.nb
	if p.resident {
		slotBytes = l.k * g.oc
	}
	recBuf, _ := ar.alloc(npu.WeightSRAM, p.recordBytes(g.oc))
	wBuf[0], _ = ar.alloc(npu.WeightSRAM, slotBytes)
	if !p.resident {
		wBuf[1], _ = ar.alloc(npu.WeightSRAM, slotBytes)
		c.notes = append(c.notes, fmt.Sprintf("%s: weights streamed in blocks of %d output channels", l.op.Name, p.nb))
	}
	lutBuf := c.loadLUT(&ar, l.actLUT)
	type block struct{ n0, n, slot int }
	var blocks []block
	for n0 := 0; n0 < g.oc; n0 += p.nb {
		blocks = append(blocks, block{n0, min(p.nb, g.oc-n0), 0})
	}
	recordAt := func(bl block, step int) int {
		if p.recordsResident {
			return recBuf + bl.n0*npu.RecordBytes
		}
		return recBuf + step%3*p.nb*npu.RecordBytes
	}
	loadWeights := func(bl block, step int) {
		if !p.resident {
			c.loadBytes(l.weights+uint64(bl.n0*l.k), npu.WeightSRAM, wBuf[step%2], bl.n*l.k)
		}
		if !p.recordsResident {
			c.loadBytes(l.records+uint64(bl.n0*npu.RecordBytes), npu.WeightSRAM, recordAt(bl, step), bl.n*npu.RecordBytes)
		}
	}
	weightAt := func(bl block, step int) (w, rec int) {
		rec, slot := recordAt(bl, step), step%2
		switch {
		case p.resident && l.depthwise: // [taps][outC]: the block starts at column n0
			return wBuf[0] + bl.n0, rec
		case p.resident:
			return wBuf[0] + bl.n0*l.k, rec
		}
		return wBuf[slot], rec
	}
	if p.recordsResident {
		c.loadBytes(l.records, npu.WeightSRAM, recBuf, g.oc*npu.RecordBytes)
	}
	if p.resident {
		c.loadBytes(l.weights, npu.WeightSRAM, wBuf[0], l.k*g.oc)
	}
	tiles := g.tiles(l.batches, p.rows, p.cols)
	windows := make([]npu.Im2col, len(tiles))
	windows[0] = c.loadInput(g, l.inAddr, tiles[0], inBuf[0])
	var pending []func()
	flush := func() {
		for _, f := range pending {
			f()
		}
		pending = nil
	}
	step := 0
	loadWeights(blocks[0], 0)
	for ti, t := range tiles {
		if ti+1 < len(tiles) {
			windows[ti+1] = c.loadInput(g, l.inAddr, tiles[ti+1], inBuf[(ti+1)%2])
		}
		out := outBuf[ti%2]
		for bi, bl := range blocks {
			if bi+1 < len(blocks) {
				loadWeights(blocks[bi+1], step+1)
			} else if ti+1 < len(tiles) {
				loadWeights(blocks[0], step+1)
			}
			w, rec := weightAt(bl, step)
			acc := npu.AccRegion{Base: accBuf[step%2], RowStride: bl.n}
			if l.depthwise {
				c.depthwiseOnArray(l, windows[ti], t, bl.n0, bl.n, w, acc)
			} else {
				c.emit(npu.Command{Op: &npu.MatMul{M: t.pixels(), K: l.k, N: bl.n, A: windows[ti], AOperand: l.a,
					B: w, BColStride: l.k, BRowStride: 1, BOperand: l.b, Acc: acc, Mode: c.res.accumulate}})
			}
			flush()
			rq := c.requant(l, t.pixels(), bl.n, acc, rec, out+bl.n0, g.oc)
			pending = append(pending, func() { c.emit(rq) })
			step++
		}
		pending = append(pending, func() {
			c.activationPass(lutBuf, out, t.pixels(), g.oc, l.out.Type)
			c.storeOutput(g, l.outAddr, t, out, g.oc, 0, g.oc)
		})
	}
	flush()
	return nil
}

// depthwiseOnArray runs channels [ch0, ch0+n/dm) of a depthwise layer on the
// array one input channel at a time: M = pixels, K = taps, N = the depth
// multiplier. The array's utilisation is poor, and that is real.
func (c *compiler) depthwiseOnArray(l *convLayer, win npu.Im2col, t tile, n0, n, w int, acc npu.AccRegion) {
	for j := 0; j < n; j += l.dm {
		a := win
		a.Channel, a.Channels = (n0+j)/l.dm, 1
		c.emit(npu.Command{Op: &npu.MatMul{M: t.pixels(), K: l.k, N: l.dm, A: a, AOperand: l.a,
			B: w + j, BColStride: 1, BRowStride: l.g.oc, BOperand: l.b,
			Acc: npu.AccRegion{Base: acc.Base + 4*j, RowStride: acc.RowStride}, Mode: c.res.accumulate}})
	}
}

// lowerSplitMatMul lowers a layer whose reduction does not fit the weight
// scratchpad: for each block of output channels, the reduction is cut into
// chunks; each chunk's weights are loaded once and applied to every tile,
// and the partial sums wait in DRAM between chunks, as exact int32 or, under
// a 16-bit partial-sum policy, narrowed to int16.
func (c *compiler) lowerSplitMatMul(l *convLayer, p matmulPlan) error {
	if l.depthwise {
		return fmt.Errorf("a depthwise layer with %d taps does not fit the weight scratchpad", l.k)
	}
	ar := arena{hw: c.hw}
	g := &l.g
	maxPx := p.rows * p.cols
	inBuf, _ := ar.alloc(npu.ActivationSRAM, g.inputBytes(p.rows, p.cols))
	outBuf, _ := ar.alloc(npu.ActivationSRAM, maxPx*p.nb)
	accBuf, _ := ar.alloc(npu.AccumulatorSRAM, maxPx*p.nb*4)
	halfBuf, _ := ar.alloc(npu.AccumulatorSRAM, maxPx*p.nb*2)
	recBuf, _ := ar.alloc(npu.WeightSRAM, p.recordBytes(g.oc))
	var wBuf [2]int
	for i := range wBuf {
		wBuf[i], _ = ar.alloc(npu.WeightSRAM, p.kb*p.nb)
	}
	lutBuf := c.loadLUT(&ar, l.actLUT)
	if p.recordsResident {
		c.loadBytes(l.records, npu.WeightSRAM, recBuf, g.oc*npu.RecordBytes)
	}
	tiles := g.tiles(l.batches, p.rows, p.cols)
	narrow := c.res.partialSums == PartialSumsInt16
	width := 4
	if narrow {
		width = 2
	}
	psum := c.activation(len(tiles) * maxPx * p.nb * width)
	chunks := (l.k + p.kb - 1) / p.kb
	c.notes = append(c.notes, fmt.Sprintf("%s: reduction of %d split into %d chunks, %s partial sums", l.op.Name, l.k, chunks, c.res.partialSums))
	chunk := 0
	for n0 := 0; n0 < g.oc; n0 += p.nb {
		n := min(p.nb, g.oc-n0)
		shift := c.psumShift(l, n0, n)
		for k0 := 0; k0 < l.k; k0 += p.kb {
			kb := min(p.kb, l.k-k0)
			w := wBuf[chunk%2]
			chunk++
			c.emit(npu.Command{Op: &npu.DMA{DRAM: l.weights + uint64(n0*l.k+k0), SRAM: npu.WeightSRAM, Addr: w, RunBytes: kb, Rows: n, Planes: 1,
				DRAMRowStride: l.k, SRAMRowStride: kb}})
			last := k0+kb >= l.k
			records := recBuf + n0*npu.RecordBytes
			if !p.recordsResident { // no requantization is pending here: one buffer will do
				records = recBuf
				if last {
					c.loadBytes(l.records+uint64(n0*npu.RecordBytes), npu.WeightSRAM, recBuf, n*npu.RecordBytes)
				}
			}
			for ti, t := range tiles {
				win := c.loadInput(g, l.inAddr, t, inBuf)
				win.K0 = k0
				acc := npu.AccRegion{Base: accBuf, RowStride: n}
				at := psum + uint64(ti*maxPx*p.nb*width)
				spill := t.pixels() * n * width
				if k0 > 0 {
					if narrow {
						c.loadBytes(at, npu.AccumulatorSRAM, halfBuf, spill)
						c.emit(npu.Command{Op: &npu.Psum{M: t.pixels(), N: n, Acc: acc, Half: halfBuf, HalfRowStride: n, Shift: shift}})
					} else {
						c.loadBytes(at, npu.AccumulatorSRAM, accBuf, spill)
					}
				}
				c.emit(npu.Command{Op: &npu.MatMul{M: t.pixels(), K: kb, N: n, A: win, AOperand: l.a, B: w, BColStride: kb, BRowStride: 1,
					BOperand: l.b, Acc: acc, Accumulate: k0 > 0, Mode: c.res.accumulate}})
				switch {
				case last:
					c.emit(c.requant(l, t.pixels(), n, acc, records, outBuf, n))
					c.activationPass(lutBuf, outBuf, t.pixels(), n, l.out.Type)
					c.storeOutput(g, l.outAddr, t, outBuf-n0, n, n0, n)
				case narrow:
					c.emit(npu.Command{Op: &npu.Psum{Narrow: true, M: t.pixels(), N: n, Acc: acc, Half: halfBuf, HalfRowStride: n, Shift: shift}})
					c.storeBytes(npu.AccumulatorSRAM, halfBuf, at, spill)
				default:
					c.storeBytes(npu.AccumulatorSRAM, accBuf, at, spill)
				}
			}
		}
	}
	return nil
}

// psumShift chooses the power-of-two scale that fits a block's partial sums
// into int16: from the calibrated output range (the accumulator that maps to
// the largest output, with a factor of two of headroom), or, without a
// range, from the worst case of the reduction.
func (c *compiler) psumShift(l *convLayer, n0, n int) int {
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

// loadBytes DMAs n contiguous bytes from DRAM into a scratchpad.
func (c *compiler) loadBytes(dram uint64, s npu.SRAM, addr, n int) {
	c.emit(npu.Command{Op: &npu.DMA{DRAM: dram, SRAM: s, Addr: addr, RunBytes: n, Rows: 1, Planes: 1}})
}

// storeBytes DMAs n contiguous scratchpad bytes to DRAM.
func (c *compiler) storeBytes(s npu.SRAM, addr int, dram uint64, n int) {
	c.emit(npu.Command{Op: &npu.DMA{Store: true, DRAM: dram, SRAM: s, Addr: addr, RunBytes: n, Rows: 1, Planes: 1}})
}

// loadLUT places a lookup table in DRAM and loads it into the weight
// scratchpad; it returns the table's address, or -1 when there is none.
func (c *compiler) loadLUT(ar *arena, table []byte) int {
	if table == nil {
		return -1
	}
	addr, _ := ar.alloc(npu.WeightSRAM, 256)
	c.loadBytes(c.image(table), npu.WeightSRAM, addr, 256)
	return addr
}

// activationPass applies a separate activation clamp (a table lookup) to
// rows x cols outputs in place, when the policy does not fuse it.
func (c *compiler) activationPass(table, buf, rows, cols int, t quant.Type) {
	if table < 0 {
		return
	}
	c.emit(npu.Command{Op: &npu.Eltwise{Kind: npu.EltLUT, Rows: rows, Cols: cols, A: buf, ARowStride: cols, AColStride: 1,
		Signed: t.Signed(), LUT: table, Lo: t.Min(), Hi: t.Max(), Out: buf, OutRowStride: cols}})
}
