package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// chunking cuts rows of an element-wise layer into chunks of at most
// chunk rows.
type chunking struct {
	rows, chunk int
}

// count is the number of chunks.
func (c chunking) count() int { return (c.rows + c.chunk - 1) / c.chunk }

// span returns chunk i's first row and number of rows.
func (c chunking) span(i int) (r0, n int) {
	r0 = i * c.chunk
	return r0, min(c.chunk, c.rows-r0)
}

// chooseChunk picks the largest chunk of rows (of rows) whose layout fits,
// and returns it with that layout and its buffers.
func chooseChunk(rows int, layoutFor func(n int) (*layout, vectorBuffers)) (chunking, *layout, vectorBuffers, error) {
	var err error
	for n := rows; n >= 1; n = shrink(n) {
		lay, buf := layoutFor(n)
		if err = lay.check(); err == nil {
			return chunking{rows, n}, lay, buf, nil
		}
	}
	return chunking{}, nil, vectorBuffers{}, fmt.Errorf("one row does not fit: %w", err)
}

// eltwisePlan is an ADD (the fixed-point algorithm on the vector unit) or a
// MUL (products into accumulators, then the policy's requantization),
// planned in chunks of rows of the output's [rows, cols] view.
type eltwisePlan struct {
	chunking
	cols        int
	mul, signed bool
	arith       arithmetic
	views       [2]operand2D
	from        [2]uint64 // DRAM addresses of the operands
	to          uint64
	inRes       [2]int // activation scratchpad addresses of kept operands, else -1
	outRes      int
	caps        capacities
	lo, hi      int32
	add         quant.AddParams
	mulParams   quant.MulParams
	records     []byte
	recordsAddr uint64
	layout      *layout
	buf         vectorBuffers
}

// planEltwise chooses the chunk of rows and lays out MUL's records.
func (pl *planner) planEltwise(op *workloads.Op, a arithmetic) (*eltwisePlan, error) {
	in0, in1, out := pl.m.Tensors[op.Inputs[0]], pl.m.Tensors[op.Inputs[1]], pl.m.Tensors[op.Output]
	p := &eltwisePlan{cols: out.Shape[len(out.Shape)-1], mul: op.Kind == workloads.Mul,
		signed: out.Type.Signed(), arith: a, caps: pl.caps(),
		from: [2]uint64{pl.tensorAddr[op.Inputs[0]], pl.tensorAddr[op.Inputs[1]]}, to: pl.tensorAddr[op.Output],
		inRes: [2]int{pl.residentAt(op.Inputs[0]), pl.residentAt(op.Inputs[1])}, outRes: pl.residentAt(op.Output)}
	for k, t := range []*workloads.Tensor{in0, in1} {
		v, err := view2D(t.Shape, out.Shape)
		if err != nil {
			return nil, err
		}
		p.views[k] = v
	}
	p.lo, p.hi = op.Activation.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	if p.mul {
		p.mulParams = quant.NewMulParams(in0.Params, in1.Params, out.Params, a.variant)
		for range p.cols {
			p.records = append(p.records, npu.EncodeRecord(0, p.mulParams.Multiplier)...)
		}
	} else {
		p.add = quant.NewAddParams(in0.Params, in1.Params, out.Params)
	}
	var err error
	p.chunking, p.layout, p.buf, err = chooseChunk(quant.NumElements(out.Shape[:len(out.Shape)-1]), p.layoutFor)
	if err != nil {
		return nil, err
	}
	if p.mul {
		p.recordsAddr = pl.dram.constant(p.records)
	}
	return p, nil
}

// layoutFor lays the layer out for chunks of n rows (an operand kept in the
// activation scratchpad needs no buffers).
func (p *eltwisePlan) layoutFor(n int) (*layout, vectorBuffers) {
	lay, bytes := newLayout(p.caps), n*p.cols
	acc := 0
	if p.mul {
		acc = 4 * bytes
	}
	pairs := placePairs(lay,
		sizedRegion{npu.ActivationSRAM, "a", unlessKept(p.inRes[0], bytes)},
		sizedRegion{npu.ActivationSRAM, "b", unlessKept(p.inRes[1], bytes)},
		sizedRegion{npu.ActivationSRAM, "output", unlessKept(p.outRes, bytes)},
		sizedRegion{npu.AccumulatorSRAM, "products", acc})
	b := vectorBuffers{in: pairs[0], in2: pairs[1], out: pairs[2], acc: pairs[3], records: -1, table: -1}
	if p.mul {
		b.records = lay.place(npu.WeightSRAM, "records", len(p.records))
	}
	b.emu = placeEmulation(lay, p.arith.emu, emuShape{px: n, n: p.cols})
	reserveTileMargins(lay, npu.ActivationSRAM, npu.AccumulatorSRAM)
	return lay, b
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
	return operand2D{}, fmt.Errorf("the compiler broadcasts only whole rows, whole columns or scalars, not %v to %v",
		shape, out)
}

// tablePlan maps bytes from one DRAM region to another through a lookup
// table on the vector unit, in chunks: a standalone activation or logistic,
// or a regrid of the model's inputs or outputs.
type tablePlan struct {
	chunking
	from, to  uint64
	typ       quant.Type
	tableAddr uint64
	layout    *layout
	buf       vectorBuffers
}

// maxTableChunk caps a table pass's chunk.
const maxTableChunk = 64 << 10

// planTable places the table in DRAM and chooses the chunk.
func (pl *planner) planTable(from, to uint64, n int, t quant.Type, table []byte) (*tablePlan, error) {
	p := &tablePlan{from: from, to: to, typ: t, tableAddr: pl.dram.constant(table)}
	caps := pl.caps()
	layoutFor := func(n int) (*layout, vectorBuffers) {
		lay := newLayout(caps)
		tbl := placeTable(lay, table)
		pairs := placePairs(lay, sizedRegion{npu.ActivationSRAM, "input", n}, sizedRegion{npu.ActivationSRAM, "output", n})
		reserveTileMargins(lay, npu.ActivationSRAM)
		return lay, vectorBuffers{in: pairs[0], out: pairs[1], table: tbl}
	}
	var err error
	if p.chunking, _, _, err = chooseChunk(n, layoutFor); err != nil {
		return nil, err
	}
	p.chunk = min(p.chunk, maxTableChunk)
	p.layout, p.buf = layoutFor(p.chunk)
	return p, nil
}

// planUnary plans a standalone activation or logistic as a table lookup.
func (pl *planner) planUnary(op *workloads.Op) (*tablePlan, error) {
	in, out := pl.m.Tensors[op.Inputs[0]], pl.m.Tensors[op.Output]
	return pl.planTable(pl.tensorAddr[op.Inputs[0]], pl.tensorAddr[op.Output], in.Len(), in.Type, unaryTable(op, in, out))
}

// planRegrid plans a copy of tensor t from one grid to another.
func (pl *planner) planRegrid(from, to uint64, t *workloads.Tensor, fromGrid, toGrid quant.Params) (*tablePlan, error) {
	return pl.planTable(from, to, t.Len(), t.Type, regridTable(t.Type, fromGrid, toGrid))
}

// unaryTable is the lookup table of a standalone activation or logistic.
func unaryTable(op *workloads.Op, in, out *workloads.Tensor) []byte {
	if op.Kind == workloads.Logistic {
		p := quant.NewLogisticParams(in.Params)
		return lut(in.Type, func(x int32) int32 { return p.Apply(x, out.Type) })
	}
	act := map[workloads.OpKind]quant.Activation{
		workloads.Relu: quant.ActRelu, workloads.Relu1: quant.ActRelu1, workloads.Relu6: quant.ActRelu6,
	}[op.Kind]
	lo, hi := act.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	return lut(in.Type, func(x int32) int32 { return min(max(x, lo), hi) })
}

// softmaxPlan is a softmax over the last axis, planned in chunks of rows.
type softmaxPlan struct {
	chunking
	depth    int
	from, to uint64
	signed   bool
	params   quant.SoftmaxParams
	layout   *layout
	buf      vectorBuffers
}

// planSoftmax chooses the chunk of rows.
func (pl *planner) planSoftmax(op *workloads.Op) (*softmaxPlan, error) {
	in := pl.m.Tensors[op.Inputs[0]]
	depth := in.Shape[len(in.Shape)-1]
	p := &softmaxPlan{depth: depth, from: pl.tensorAddr[op.Inputs[0]], to: pl.tensorAddr[op.Output],
		signed: in.Type.Signed(), params: quant.NewSoftmaxParams(op.Beta, in.Params.Scale)}
	var err error
	caps := pl.caps()
	p.chunking, p.layout, p.buf, err = chooseChunk(in.Len()/depth, func(n int) (*layout, vectorBuffers) {
		lay := newLayout(caps)
		pairs := placePairs(lay, sizedRegion{npu.ActivationSRAM, "input", n * depth},
			sizedRegion{npu.ActivationSRAM, "output", n * depth})
		reserveTileMargins(lay, npu.ActivationSRAM)
		return lay, vectorBuffers{in: pairs[0], out: pairs[1], table: -1}
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// concatPart is one operand of a concatenation, copied into its slice of
// the output in chunks of the outer dimension, through a regridding table
// when its grid differs from the output's.
type concatPart struct {
	chunking
	width     int    // bytes of the operand per outer row
	outWidth  int    // bytes of the output per outer row
	from, to  uint64 // the operand; the output where the slice starts
	typ       quant.Type
	table     []byte
	tableAddr uint64
	layout    *layout
	buf       vectorBuffers
}

// planConcat plans each operand's copy.
func (pl *planner) planConcat(op *workloads.Op) ([]layerPlan, error) {
	out := pl.m.Tensors[op.Output]
	outer, inner := quant.NumElements(out.Shape[:op.Axis]), quant.NumElements(out.Shape[op.Axis+1:])
	outWidth, offset := out.Shape[op.Axis]*inner, 0
	var parts []layerPlan
	for _, i := range op.Inputs {
		in := pl.m.Tensors[i]
		p := &concatPart{width: in.Shape[op.Axis] * inner, outWidth: outWidth, from: pl.tensorAddr[i],
			to: pl.tensorAddr[op.Output] + uint64(offset), typ: in.Type}
		if !sameGrid(in.Params, out.Params) {
			p.table = regridTable(in.Type, in.Params, out.Params)
		}
		var err error
		if p.chunking, p.layout, p.buf, err = chooseChunk(outer, p.layoutFor(pl.caps())); err != nil {
			return nil, err
		}
		if p.table != nil {
			p.tableAddr = pl.dram.constant(p.table)
		}
		parts = append(parts, p)
		offset += p.width
	}
	return parts, nil
}

// layoutFor returns the layout of the part for chunks of n outer rows.
func (p *concatPart) layoutFor(caps capacities) func(n int) (*layout, vectorBuffers) {
	return func(n int) (*layout, vectorBuffers) {
		lay := newLayout(caps)
		tbl := placeTable(lay, p.table)
		pairs := placePairs(lay, sizedRegion{npu.ActivationSRAM, "rows", n * p.width})
		lay.reserve(npu.ActivationSRAM, "margin: second pair of rows", 2*n*p.width)
		reserveTileMargins(lay, npu.ActivationSRAM)
		return lay, vectorBuffers{in: pairs[0], table: tbl}
	}
}
