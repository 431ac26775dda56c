package drivers

import (
	"cmp"
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads"
)

// vectorBuffers are the scratchpad addresses of a layer on the vector unit,
// taken from its layout: pairs of buffers that alternate between tiles or
// chunks (in2 is the second operand of an element-wise op) and the
// resident weights, records and table (-1 when there is none).
type vectorBuffers struct {
	in, in2, out, acc       [2]int
	weights, records, table int
	emu                     emuBuffers
}

// sizedRegion is a buffer to be placed in pairs.
type sizedRegion struct {
	sram  npu.SRAM
	name  string
	bytes int
}

// placePairs places a pair of each buffer, slot 0 of every buffer then slot
// 1, in the order given (the pipeline alternates between the slots); a size
// of zero places nothing.
func placePairs(lay *layout, regions ...sizedRegion) [][2]int {
	addrs := make([][2]int, len(regions))
	for i := range 2 {
		for k, r := range regions {
			if r.bytes > 0 {
				addrs[k][i] = lay.place(r.sram, fmt.Sprintf("%s[%d]", r.name, i), r.bytes)
			}
		}
	}
	return addrs
}

// placeTable places a lookup table in the weight scratchpad if there is one.
func placeTable(lay *layout, table []byte) int {
	if table == nil {
		return -1
	}
	return lay.place(npu.WeightSRAM, "table", tableBytes)
}

// depthwiseVectorPlan is a depthwise layer planned for the vector unit's
// depthwise path: blocks of cb output channels, tiles of rows x cols.
type depthwiseVectorPlan struct {
	*convLayer
	arith          arithmetic
	cb, rows, cols int
	tiles          []tile
	layout         *layout
	buf            vectorBuffers
}

// planDepthwiseVector keeps weights and records resident and chooses the
// largest tile whose layout fits. Each tile's input window loads with all
// its channels, so when the input comes from DRAM, whose overlapping
// windows are read again tile by tile, the blocks of channels shrink (to
// the lanes, halving) while that lets a tile take more rows.
func (pl *planner) planDepthwiseVector(l *convLayer, a arithmetic) (*depthwiseVectorPlan, error) {
	hw := pl.hw
	p := &depthwiseVectorPlan{convLayer: l, arith: a}
	p.cb = max(min(l.g.oc, 4*hw.Vector.Lanes)/l.dm*l.dm, l.dm)
	if lay, _ := p.layoutFor(1, 1); !lay.fitsIn(npu.WeightSRAM) {
		return nil, fmt.Errorf("the %d depthwise taps x %d channels do not fit %d bytes of weight SRAM",
			l.k, l.g.oc, hw.Bytes(npu.WeightSRAM))
	}
	if err := p.chooseTile(); err != nil {
		return nil, err
	}
	for cb := p.cb / 2 / l.dm * l.dm; !kept(l.inRes) && cb >= max(hw.Vector.Lanes, l.dm); cb = cb / 2 / l.dm * l.dm {
		q := *p
		q.cb = cb
		if q.chooseTile() != nil || q.rows*q.cols <= p.rows*p.cols {
			break
		}
		*p = q
	}
	p.tiles = l.g.tiles(l.batches, l.band, p.rows, p.cols)
	return p, nil
}

// chooseTile chooses the largest tile whose layout fits for the plan's
// blocks of channels.
func (p *depthwiseVectorPlan) chooseTile() error {
	var err error
	p.rows, p.cols, p.layout, p.buf, err = chooseTiledLayout(&p.g, p.band, kept(p.outRes), p.layoutFor)
	return err
}

// layoutFor lays the layer out for tiles of rows x cols (an operand kept in
// the activation scratchpad needs no buffers).
func (p *depthwiseVectorPlan) layoutFor(rows, cols int) (*layout, vectorBuffers) {
	lay, px := newLayout(p.caps), rows*cols
	pairs := placePairs(lay,
		sizedRegion{npu.ActivationSRAM, "input", unlessKept(p.inRes, p.g.inputBytes(rows, cols))},
		sizedRegion{npu.ActivationSRAM, "output", unlessKept(p.outRes, px*p.g.oc)},
		sizedRegion{npu.AccumulatorSRAM, "accumulators", px * p.cb * 4})
	b := vectorBuffers{in: pairs[0], out: pairs[1], acc: pairs[2]}
	b.weights = lay.place(npu.WeightSRAM, "weights and records", p.k*p.g.oc+p.g.oc*npu.RecordBytes)
	b.records = b.weights + p.k*p.g.oc
	b.table = placeTable(lay, p.actLUT)
	b.emu = placeEmulation(lay, p.arith.emu, emuShape{px: px, n: p.cb, perElement: true, onesPerCols: true})
	reserveTileMargins(lay, npu.ActivationSRAM, npu.AccumulatorSRAM)
	lay.reserve(npu.WeightSRAM, "margin: alignment", weightMargin)
	reserveTable(lay, p.actLUT != nil)
	return lay, b
}

// unlessKept is n bytes of buffer for an operand, none if it is kept in
// the activation scratchpad (at res).
func unlessKept(res, n int) int {
	if kept(res) {
		return 0
	}
	return n
}

// poolPlan is an average or max pool planned for the vector unit: tiles of
// rows x cols output pixels, and blocks of cb channels when a tile's input
// window does not fit with all of them.
type poolPlan struct {
	g              window
	max            bool
	signed         bool
	lo, hi         int32
	in, out        uint64 // DRAM addresses
	inRes, outRes  int    // activation scratchpad addresses of kept operands, else -1
	caps           capacities
	band           rowBand // the output rows the plan covers
	batches        int
	rows, cols, cb int
	tiles          []tile
	layout         *layout
	buf            vectorBuffers
}

// planPool chooses the largest tile whose layout fits with all channels,
// else with the largest block of channels (halving) that lets one fit.
func (pl *planner) planPool(op *workloads.Op) (*poolPlan, error) {
	p := pl.newPool(op)
	return p, pl.tilePool(p)
}

// newPool is a pool's geometry and operands, before its tiles.
func (pl *planner) newPool(op *workloads.Op) *poolPlan {
	in, out := pl.m.Tensors[op.Inputs[0]], pl.m.Tensors[op.Output]
	is, os := in.Shape, out.Shape
	p := &poolPlan{g: window{h: is[1], w: is[2], c: is[3], oh: os[1], ow: os[2], oc: os[3], fh: op.FilterH, fw: op.FilterW,
		sh: op.StrideH, sw: op.StrideW, dh: 1, dw: 1, top: op.Padding.Top, left: op.Padding.Left},
		max: op.Kind == workloads.MaxPool2D, signed: in.Type.Signed(),
		in: pl.tensorAddr[op.Inputs[0]], out: pl.tensorAddr[op.Output],
		inRes: pl.residentAt(op.Inputs[0]), outRes: pl.residentAt(op.Output),
		caps: pl.caps(), band: rowBand{0, os[1]}, batches: is[0]}
	p.lo, p.hi = op.Activation.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	return p
}

// tilePool chooses the pool's blocks of channels and tiles.
func (pl *planner) tilePool(p *poolPlan) error {
	var err, first error
	for p.cb = p.g.c; p.cb >= 1; p.cb = (p.cb + 1) / 2 {
		p.rows, p.cols, p.layout, p.buf, err = chooseTiledLayout(&p.g, p.band, kept(p.outRes), p.layoutFor)
		if first = cmp.Or(first, err); err == nil || p.cb == 1 {
			break
		}
	}
	if err != nil {
		return first
	}
	p.tiles = p.g.tiles(p.batches, p.band, p.rows, p.cols)
	return nil
}

// layoutFor lays the pool out for tiles of rows x cols and blocks of cb
// channels.
func (p *poolPlan) layoutFor(rows, cols int) (*layout, vectorBuffers) {
	lay := newLayout(p.caps)
	pairs := placePairs(lay,
		sizedRegion{npu.ActivationSRAM, "input", unlessKept(p.inRes, p.g.inputPixels(rows, cols)*p.cb)},
		sizedRegion{npu.ActivationSRAM, "output", unlessKept(p.outRes, rows*cols*p.cb)})
	reserveTileMargins(lay, npu.ActivationSRAM)
	return lay, vectorBuffers{in: pairs[0], out: pairs[1], table: -1}
}

// blocks is the number of channel blocks.
func (p *poolPlan) blocks() int { return (p.g.c + p.cb - 1) / p.cb }
