package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// lower dispatches one op to its lowering.
func (c *compiler) lower(op *workloads.Op) error {
	switch op.Kind {
	case workloads.Conv2D, workloads.FullyConnected:
		return c.lowerMatMul(c.prepare(op))
	case workloads.DepthwiseConv2D:
		l := c.prepare(op)
		if c.res.vectorDW {
			return c.lowerDepthwiseVector(l)
		}
		return c.lowerMatMul(l)
	case workloads.AveragePool2D, workloads.MaxPool2D:
		return c.lowerPool(op)
	case workloads.Add, workloads.Mul:
		return c.lowerBinary(op)
	case workloads.Relu, workloads.Relu1, workloads.Relu6, workloads.Logistic:
		return c.lowerUnary(op)
	case workloads.Softmax:
		return c.lowerSoftmax(op)
	case workloads.Concatenation:
		return c.lowerConcat(op)
	}
	return fmt.Errorf("the compiler cannot lower %v", op.Kind)
}

// lowerDepthwiseVector runs a depthwise layer on the vector unit's
// depthwise path: per output tile and block of channels, one depthwise
// command into the accumulators, then a requantization.
func (c *compiler) lowerDepthwiseVector(l *convLayer) error {
	g := &l.g
	if l.k*g.oc+g.oc*npu.RecordBytes+512 > c.hw.Bytes(npu.WeightSRAM) { // weights and records stay resident
		return fmt.Errorf("the %d depthwise taps x %d channels do not fit %d bytes of weight SRAM", l.k, g.oc, c.hw.Bytes(npu.WeightSRAM))
	}
	cb := max(min(g.oc, 4*c.hw.Vector.Lanes)/l.dm*l.dm, l.dm) // output channels per block
	rows, cols, err := g.chooseTile(func(inBytes, rows, cols int) bool {
		px := rows * cols
		return (&arena{hw: c.hw}).fits(2*inBytes+2*px*g.oc, 0, 2*px*cb*4)
	})
	if err != nil {
		return err
	}
	ar := arena{hw: c.hw}
	var inBuf, outBuf, accBuf [2]int
	for i := range 2 {
		inBuf[i], _ = ar.alloc(npu.ActivationSRAM, g.inputBytes(rows, cols))
		outBuf[i], _ = ar.alloc(npu.ActivationSRAM, rows*cols*g.oc)
		accBuf[i], _ = ar.alloc(npu.AccumulatorSRAM, rows*cols*cb*4)
	}
	wBuf, _ := ar.alloc(npu.WeightSRAM, l.k*g.oc+g.oc*npu.RecordBytes)
	lutBuf := c.loadLUT(&ar, l.actLUT)
	c.loadBytes(l.weights, npu.WeightSRAM, wBuf, l.k*g.oc)
	c.loadBytes(l.records, npu.WeightSRAM, wBuf+l.k*g.oc, g.oc*npu.RecordBytes)
	tiles := g.tiles(l.batches, rows, cols)
	win := c.loadInput(g, l.inAddr, tiles[0], inBuf[0])
	step := 0
	for ti, t := range tiles {
		next := win
		if ti+1 < len(tiles) {
			next = c.loadInput(g, l.inAddr, tiles[ti+1], inBuf[(ti+1)%2])
		}
		out := outBuf[ti%2]
		for n0 := 0; n0 < g.oc; n0 += cb {
			n := min(cb, g.oc-n0)
			a := win
			a.Channel, a.Channels = n0/l.dm, n/l.dm
			acc := npu.AccRegion{Base: accBuf[step%2], RowStride: n}
			step++
			c.emit(npu.Command{Op: &npu.Depthwise{In: a, Pixels: t.pixels(), Multiplier: l.dm, AOperand: l.a,
				W: wBuf + n0, WTapStride: g.oc, WOperand: l.b, Acc: acc, Mode: c.res.accumulate}})
			c.emit(c.requant(l, t.pixels(), n, acc, wBuf+l.k*g.oc+n0*npu.RecordBytes, out+n0, g.oc))
		}
		c.activationPass(lutBuf, out, t.pixels(), g.oc, l.out.Type)
		c.storeOutput(g, l.outAddr, t, out, g.oc, 0, g.oc)
		win = next
	}
	return nil
}

// lowerPool runs a pool on the vector unit, one output tile at a time.
func (c *compiler) lowerPool(op *workloads.Op) error {
	in, out := c.m.Tensors[op.Inputs[0]], c.m.Tensors[op.Output]
	is, os := in.Shape, out.Shape
	g := &window{h: is[1], w: is[2], c: is[3], oh: os[1], ow: os[2], oc: os[3], fh: op.FilterH, fw: op.FilterW,
		sh: op.StrideH, sw: op.StrideW, dh: 1, dw: 1, top: op.Padding.Top, left: op.Padding.Left}
	rows, cols, err := g.chooseTile(func(inBytes, rows, cols int) bool {
		return (&arena{hw: c.hw}).fits(2*inBytes+2*rows*cols*g.c, 0, 0)
	})
	if err != nil {
		return err
	}
	ar := arena{hw: c.hw}
	var inBuf, outBuf [2]int
	for i := range 2 {
		inBuf[i], _ = ar.alloc(npu.ActivationSRAM, g.inputBytes(rows, cols))
		outBuf[i], _ = ar.alloc(npu.ActivationSRAM, rows*cols*g.c)
	}
	lo, hi := op.Activation.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	inAddr, outAddr := c.tensorAddr[op.Inputs[0]], c.tensorAddr[op.Output]
	tiles := g.tiles(is[0], rows, cols)
	win := c.loadInput(g, inAddr, tiles[0], inBuf[0])
	for ti, t := range tiles {
		next := win
		if ti+1 < len(tiles) {
			next = c.loadInput(g, inAddr, tiles[ti+1], inBuf[(ti+1)%2])
		}
		c.emit(npu.Command{Op: &npu.Pool{Max: op.Kind == workloads.MaxPool2D, In: win, Pixels: t.pixels(), Signed: in.Type.Signed(),
			Lo: lo, Hi: hi, Out: outBuf[ti%2], OutPixelStride: g.c}})
		c.storeOutput(g, outAddr, t, outBuf[ti%2], g.c, 0, g.c)
		win = next
	}
	return nil
}

// chunkRows picks how many rows of a [rows, cols] element-wise pass fit the
// scratchpad with the given bytes per row, double-buffered.
func (c *compiler) chunkRows(rows, bytesPerRow, accPerRow int) (int, error) {
	for n := rows; n >= 1; n = shrink(n) {
		if (&arena{hw: c.hw}).fits(2*n*bytesPerRow, 0, 2*n*accPerRow) {
			return n, nil
		}
	}
	return 0, fmt.Errorf("one row of %d bytes does not fit the scratchpads", bytesPerRow)
}

// operand2D describes how an operand of an element-wise op maps onto the
// output's [rows, cols] view: full, broadcast along rows, along columns, or a
// scalar.
type operand2D struct {
	rowStride, colStride int
	rows, cols           int
}

func view2D(shape, out []int) (operand2D, error) {
	rows, cols := quant.NumElements(out[:len(out)-1]), out[len(out)-1]
	n := quant.NumElements(shape)
	last := 1
	if len(shape) > 0 {
		last = shape[len(shape)-1]
	}
	switch {
	case n == rows*cols:
		return operand2D{cols, 1, rows, cols}, nil
	case n == cols && last == cols:
		return operand2D{0, 1, 1, cols}, nil
	case n == rows && last == 1:
		return operand2D{1, 0, rows, 1}, nil
	case n == 1:
		return operand2D{0, 0, 1, 1}, nil
	}
	return operand2D{}, fmt.Errorf("the compiler broadcasts only whole rows, whole columns or scalars, not %v to %v", shape, out)
}

// lowerBinary runs ADD (the fixed-point algorithm on the vector unit) or MUL
// (products into accumulators, then the policy's requantization) in chunks
// of rows.
func (c *compiler) lowerBinary(op *workloads.Op) error {
	a, b, out := c.m.Tensors[op.Inputs[0]], c.m.Tensors[op.Inputs[1]], c.m.Tensors[op.Output]
	va, err := view2D(a.Shape, out.Shape)
	if err != nil {
		return err
	}
	vb, err := view2D(b.Shape, out.Shape)
	if err != nil {
		return err
	}
	rows, cols := quant.NumElements(out.Shape[:len(out.Shape)-1]), out.Shape[len(out.Shape)-1]
	mul := op.Kind == workloads.Mul
	accPerRow := 0
	if mul {
		accPerRow = 4 * cols
	}
	chunk, err := c.chunkRows(rows, 3*cols, accPerRow)
	if err != nil {
		return err
	}
	ar := arena{hw: c.hw}
	var bufA, bufB, bufOut, bufAcc [2]int
	for i := range 2 {
		bufA[i], _ = ar.alloc(npu.ActivationSRAM, chunk*cols)
		bufB[i], _ = ar.alloc(npu.ActivationSRAM, chunk*cols)
		bufOut[i], _ = ar.alloc(npu.ActivationSRAM, chunk*cols)
		if mul {
			bufAcc[i], _ = ar.alloc(npu.AccumulatorSRAM, chunk*cols*4)
		}
	}
	lo, hi := op.Activation.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	records := -1
	var mp quant.MulParams
	if mul {
		mp = quant.NewMulParams(a.Params, b.Params, out.Params, c.res.variant)
		var rec []byte
		for range cols {
			rec = append(rec, npu.EncodeRecord(0, mp.Multiplier)...)
		}
		records, _ = ar.alloc(npu.WeightSRAM, len(rec))
		c.loadBytes(c.image(rec), npu.WeightSRAM, records, len(rec))
	}
	addAddr := func(t int, v operand2D, r0 int) uint64 { return c.tensorAddr[t] + uint64(r0*v.rowStride) }
	load := func(t int, v operand2D, r0, n, buf int) (rowStride, colStride int) {
		if v.rowStride == 0 { // broadcast row or scalar: load it whole
			c.loadBytes(c.tensorAddr[t], npu.ActivationSRAM, buf, v.rows*v.cols)
			return 0, v.colStride
		}
		c.loadBytes(addAddr(t, v, r0), npu.ActivationSRAM, buf, n*v.rowStride)
		return v.rowStride, v.colStride
	}
	for ci, r0 := 0, 0; r0 < rows; ci, r0 = ci+1, r0+chunk {
		n := min(chunk, rows-r0)
		s := ci % 2
		ars, acs := load(op.Inputs[0], va, r0, n, bufA[s])
		brs, bcs := load(op.Inputs[1], vb, r0, n, bufB[s])
		e := &npu.Eltwise{Rows: n, Cols: cols, A: bufA[s], ARowStride: ars, AColStride: acs, B: bufB[s], BRowStride: brs, BColStride: bcs,
			Signed: out.Type.Signed(), Lo: lo, Hi: hi, Out: bufOut[s], OutRowStride: cols}
		if mul {
			e.Kind, e.MulOffsets, e.Acc = npu.EltMul, mp.InOffset, npu.AccRegion{Base: bufAcc[s], RowStride: cols}
			c.emit(npu.Command{Op: e})
			c.emit(npu.Command{Op: &npu.Requant{M: n, N: cols, Acc: e.Acc, Records: records, Variant: c.res.variant,
				ZeroPoint: mp.OutOffset, Lo: lo, Hi: hi, Out: bufOut[s], OutRowStride: cols}})
		} else {
			e.Kind, e.Add = npu.EltAdd, quant.NewAddParams(a.Params, b.Params, out.Params)
			c.emit(npu.Command{Op: e})
		}
		c.storeBytes(npu.ActivationSRAM, bufOut[s], c.tensorAddr[op.Output]+uint64(r0*cols), n*cols)
	}
	return nil
}

// lowerUnary runs a standalone activation or logistic as a table lookup.
func (c *compiler) lowerUnary(op *workloads.Op) error {
	in, out := c.m.Tensors[op.Inputs[0]], c.m.Tensors[op.Output]
	var table []byte
	if op.Kind == workloads.Logistic {
		p := quant.NewLogisticParams(in.Params)
		table = lut(in.Type, func(x int32) int32 { return p.Apply(x, out.Type) })
	} else {
		act := map[workloads.OpKind]quant.Activation{workloads.Relu: quant.ActRelu, workloads.Relu1: quant.ActRelu1, workloads.Relu6: quant.ActRelu6}[op.Kind]
		lo, hi := act.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
		table = lut(in.Type, func(x int32) int32 { return min(max(x, lo), hi) })
	}
	return c.mapBytes(c.tensorAddr[op.Inputs[0]], c.tensorAddr[op.Output], in.Len(), in.Type, table)
}

// mapBytes streams n bytes from one DRAM region to another through a lookup
// table on the vector unit.
func (c *compiler) mapBytes(from, to uint64, n int, t quant.Type, table []byte) error {
	ar := arena{hw: c.hw}
	lutBuf := c.loadLUT(&ar, table)
	chunk, err := c.chunkRows(n, 2, 0)
	if err != nil {
		return err
	}
	chunk = min(chunk, 64<<10)
	var in, out [2]int
	for i := range 2 {
		in[i], _ = ar.alloc(npu.ActivationSRAM, chunk)
		out[i], _ = ar.alloc(npu.ActivationSRAM, chunk)
	}
	for ci, off := 0, 0; off < n; ci, off = ci+1, off+chunk {
		m, s := min(chunk, n-off), ci%2
		c.loadBytes(from+uint64(off), npu.ActivationSRAM, in[s], m)
		c.emit(npu.Command{Op: &npu.Eltwise{Kind: npu.EltLUT, Rows: 1, Cols: m, A: in[s], AColStride: 1, Signed: t.Signed(),
			LUT: lutBuf, Lo: t.Min(), Hi: t.Max(), Out: out[s]}})
		c.storeBytes(npu.ActivationSRAM, out[s], to+uint64(off), m)
	}
	return nil
}

// regrid copies a tensor from one grid to another through a lookup table.
func (c *compiler) regrid(from, to uint64, n int, t quant.Type, fromGrid, toGrid quant.Params) error {
	return c.mapBytes(from, to, n, t, regridTable(t, fromGrid, toGrid))
}

// lowerSoftmax runs softmax rows on the vector unit in chunks of rows.
func (c *compiler) lowerSoftmax(op *workloads.Op) error {
	in := c.m.Tensors[op.Inputs[0]]
	depth := in.Shape[len(in.Shape)-1]
	rows := in.Len() / depth
	chunk, err := c.chunkRows(rows, 2*depth, 0)
	if err != nil {
		return err
	}
	ar := arena{hw: c.hw}
	var bin, bout [2]int
	for i := range 2 {
		bin[i], _ = ar.alloc(npu.ActivationSRAM, chunk*depth)
		bout[i], _ = ar.alloc(npu.ActivationSRAM, chunk*depth)
	}
	params := quant.NewSoftmaxParams(op.Beta, in.Params.Scale)
	for ci, r0 := 0, 0; r0 < rows; ci, r0 = ci+1, r0+chunk {
		n, s := min(chunk, rows-r0), ci%2
		c.loadBytes(c.tensorAddr[op.Inputs[0]]+uint64(r0*depth), npu.ActivationSRAM, bin[s], n*depth)
		c.emit(npu.Command{Op: &npu.Softmax{Rows: n, Depth: depth, In: bin[s], InRowStride: depth, Signed: in.Type.Signed(),
			Params: params, Out: bout[s], OutRowStride: depth}})
		c.storeBytes(npu.ActivationSRAM, bout[s], c.tensorAddr[op.Output]+uint64(r0*depth), n*depth)
	}
	return nil
}

// lowerConcat copies each input into its slice of the output, through a
// regridding table when its grid differs from the output's.
func (c *compiler) lowerConcat(op *workloads.Op) error {
	out := c.m.Tensors[op.Output]
	outer, inner := quant.NumElements(out.Shape[:op.Axis]), quant.NumElements(out.Shape[op.Axis+1:])
	outWidth := out.Shape[op.Axis] * inner
	offset := 0
	for _, i := range op.Inputs {
		in := c.m.Tensors[i]
		width := in.Shape[op.Axis] * inner
		chunk, err := c.chunkRows(outer, 2*width, 0)
		if err != nil {
			return err
		}
		ar := arena{hw: c.hw}
		var table []byte
		if !sameGrid(in.Params, out.Params) {
			table = regridTable(in.Type, in.Params, out.Params)
		}
		lutBuf := c.loadLUT(&ar, table)
		var buf [2]int
		for k := range 2 {
			buf[k], _ = ar.alloc(npu.ActivationSRAM, chunk*width)
		}
		for ci, r0 := 0, 0; r0 < outer; ci, r0 = ci+1, r0+chunk {
			n, s := min(chunk, outer-r0), ci%2
			c.loadBytes(c.tensorAddr[i]+uint64(r0*width), npu.ActivationSRAM, buf[s], n*width)
			if lutBuf >= 0 {
				c.emit(npu.Command{Op: &npu.Eltwise{Kind: npu.EltLUT, Rows: n, Cols: width, A: buf[s], ARowStride: width, AColStride: 1,
					Signed: in.Type.Signed(), LUT: lutBuf, Lo: in.Type.Min(), Hi: in.Type.Max(), Out: buf[s], OutRowStride: width}})
			}
			c.emit(npu.Command{Op: &npu.DMA{Store: true, DRAM: c.tensorAddr[op.Output] + uint64(r0*outWidth+offset), SRAM: npu.ActivationSRAM,
				Addr: buf[s], RunBytes: width, Rows: n, Planes: 1, DRAMRowStride: outWidth, SRAMRowStride: width}})
		}
		offset += width
	}
	return nil
}
