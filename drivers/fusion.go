package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads"
)

// Exact fusion. Two consecutive layers fuse into one pipeline when the
// second is the only reader of the first's output: a depthwise layer and
// the pointwise (1x1, stride 1) convolution that reads it, or a
// convolution (depthwise or not) and the pool that reads it. The pair runs
// in bands of the second layer's output rows: for each band, the first
// layer computes the rows of the shared tensor the band reads into one of
// two band buffers at the bottom of the activation scratchpad, then the
// second layer reads them there while the first computes the next band into
// the other buffer. The shared tensor never goes to DRAM and never takes
// the room of a whole tensor; a pool whose windows overlap rows (3x3,
// stride 2) has the first layer recompute the one or two rows two bands
// share. The arithmetic of both layers is unchanged, so fusion changes no
// output.
//
// Each layer keeps its own plan kind; a band is a plan over the band's rows
// whose kept input or output is the band buffer, so the schedules and
// lowerings of single layers serve unchanged. Weights, records and tables
// load once, in the first band (later bands are preloaded), so both layers'
// weights must stay resident in the weight scratchpad side by side; the
// accumulator scratchpad is split between them so that a band of one can
// overlap a band of the other.

// fusable reports whether op k and op k+1 can fuse (their tiles still have
// to fit: planPair).
func fusable(m *workloads.Model, lives []lifetime, k int) bool {
	if k+1 >= len(m.Ops) {
		return false
	}
	p, c := m.Ops[k], m.Ops[k+1]
	t := m.Tensors[p.Output]
	if r := lives[p.Output].readers; len(r) != 1 || r[0] != k+1 || c.Inputs[0] != p.Output || len(t.Shape) != 4 || t.Shape[0] != 1 {
		return false
	}
	for _, o := range m.Outputs {
		if o == p.Output {
			return false
		}
	}
	switch {
	case p.Kind == workloads.DepthwiseConv2D && c.Kind == workloads.Conv2D:
		f := m.Tensors[c.Inputs[1]].Shape
		return f[1] == 1 && f[2] == 1 && c.StrideH == 1 && c.StrideW == 1 && c.Padding.Top == 0 && c.Padding.Left == 0
	case p.Kind == workloads.Conv2D || p.Kind == workloads.DepthwiseConv2D:
		return c.Kind == workloads.AveragePool2D || c.Kind == workloads.MaxPool2D
	}
	return false
}

// bandPlan is one band of a fused pair: a plan counted to the producer's
// layer or (second) the consumer's, and for the producer the piece of the
// shared tensor it makes final, to capture into program output out.
type bandPlan struct {
	layerPlan
	second bool
	out    int
	piece  npu.Piece
}

// pairParts are the two layers of a fused pair prepared once: their
// constants are in DRAM, and each band copies them.
type pairParts struct {
	k          int
	ap, ac     arithmetic
	prod, cons *convLayer // cons is nil for a pool
	pool       *poolPlan
	shared     *workloads.Tensor
	rowBytes   int
}

// planPair plans op k and op k+1 as one fused pipeline: the largest band of
// the consumer's output rows for which both layers' bands fit. The
// consumer's layer gets no plans of its own: the producer's carries the
// bands of both.
func (pl *planner) planPair(k int, ap, ac arithmetic) ([]layerPlan, error) {
	pp, err := pl.prepareParts(k, ap, ac)
	if err != nil {
		return nil, err
	}
	var err2 error
	for rows := pp.consumerWindow().oh; rows >= 1; rows = shrink(rows) {
		for _, split := range []bool{true, false} {
			var bands []layerPlan
			if bands, err2 = pl.planBands(pp, rows, split); err2 == nil {
				return bands, nil
			}
		}
	}
	return nil, fmt.Errorf("fused with %s: %w", pl.m.Ops[k+1].Name, err2)
}

// prepareParts lays out both layers' constants in DRAM.
func (pl *planner) prepareParts(k int, ap, ac arithmetic) (*pairParts, error) {
	p, c := pl.m.Ops[k], pl.m.Ops[k+1]
	pp := &pairParts{k: k, ap: ap, ac: ac, shared: pl.m.Tensors[p.Output]}
	pp.rowBytes = pp.shared.Shape[2] * pp.shared.Shape[3]
	if pl.vendor.wideProd == p { // a 16-bit intermediate
		pp.rowBytes *= 2
	}
	pp.prod = pl.prepareConv(p, ap)
	if c.Kind == workloads.Conv2D || c.Kind == workloads.DepthwiseConv2D {
		pp.cons = pl.prepareConv(c, ac)
		return pp, nil
	}
	pp.pool = pl.newPool(c)
	return pp, nil
}

// sharedRows are the shared tensor's rows the producer computes for the
// consumer's output rows [o0, o1): those they read, and for the last band
// also any rows after them that no window reads (a VALID pool's), so that
// every row of the shared tensor exists to be compared with the reference.
func (pp *pairParts) sharedRows(o0, o1 int) (int, int) {
	g := pp.consumerWindow()
	lo, hi := g.inRows(o0, o1)
	if o1 == g.oh {
		hi = g.h
	}
	return lo, hi
}

// consumerWindow is the consumer's geometry.
func (pp *pairParts) consumerWindow() *window {
	if pp.cons != nil {
		return &pp.cons.g
	}
	return &pp.pool.g
}

// planBands cuts the consumer's output into bands of rows and plans both
// layers for each, alternating between two band buffers; with split, each
// layer gets half of the accumulator scratchpad.
func (pl *planner) planBands(pp *pairParts, rows int, split bool) ([]layerPlan, error) {
	g := pp.consumerWindow()
	maxIn := 0
	for o0 := 0; o0 < g.oh; o0 += rows {
		lo, hi := pp.sharedRows(o0, min(o0+rows, g.oh))
		maxIn = max(maxIn, hi-lo)
	}
	caps := pl.caps()
	slot := (maxIn*pp.rowBytes + sramAlign - 1) / sramAlign * sramAlign
	slots := [2]int{0, slot}
	caps.lo[npu.ActivationSRAM] = 2 * slot
	prodCaps, consCaps := caps, caps
	if split {
		half := caps.hi[npu.AccumulatorSRAM] / 2 / sramAlign * sramAlign
		prodCaps.hi[npu.AccumulatorSRAM], consCaps.lo[npu.AccumulatorSRAM] = half, half
	}
	var prods, conss []layerPlan
	done := 0 // shared rows computed so far
	for band, o0 := 0, 0; o0 < g.oh; band, o0 = band+1, o0+rows {
		t0, t1 := pp.sharedRows(o0, min(o0+rows, g.oh))
		base := slots[band%2] - t0*pp.rowBytes // the shared tensor's row 0, as the band buffer places it
		prod, err := pl.producerBand(pp, rowBand{t0, t1}, base, band > 0, prodCaps)
		if err != nil {
			return nil, err
		}
		if band == 0 { // the consumer's weights go above the producer's
			consCaps.lo[npu.WeightSRAM] = planLayout(prod).needs(npu.WeightSRAM)
		}
		cons, err := pl.consumerBand(pp, rowBand{o0, min(o0+rows, g.oh)}, base, band > 0, consCaps)
		if err != nil {
			return nil, err
		}
		first := max(t0, done)
		piece := npu.Piece{Addr: slots[band%2] + (first-t0)*pp.rowBytes, Offset: first * pp.rowBytes, Run: (t1 - first) * pp.rowBytes, Rows: 1}
		prods = append(prods, &bandPlan{layerPlan: prod, out: -1, piece: piece})
		conss = append(conss, &bandPlan{layerPlan: cons, second: true, out: -1})
		done = t1
	}
	return skew(prods, conss), nil
}

// skew orders the bands as a software pipeline: the producer's band b+1
// comes before the consumer's band b, so that the command processor, which
// issues in program order, can start one while the other waits.
func skew(prods, conss []layerPlan) []layerPlan {
	plans := []layerPlan{prods[0]}
	for b := range conss {
		if b+1 < len(prods) {
			plans = append(plans, prods[b+1])
		}
		plans = append(plans, conss[b])
	}
	return plans
}

// planLayout is a band plan's layout.
func planLayout(p layerPlan) *layout {
	switch p := p.(type) {
	case *matmulPlan:
		return p.layout
	case *depthwiseVectorPlan:
		return p.layout
	case *poolPlan:
		return p.layout
	}
	panic(fmt.Sprintf("no layout for %T", p))
}

// producerBand plans the producer over shared rows band, writing them into
// the band buffer (base is where the buffer puts row 0).
func (pl *planner) producerBand(pp *pairParts, band rowBand, base int, preloaded bool, caps capacities) (layerPlan, error) {
	l := *pp.prod
	l.band, l.outRes, l.preloaded, l.caps = band, base, preloaded, caps
	if pp.ap.vectorDW && l.depthwise {
		return pl.planDepthwiseVector(&l, pp.ap)
	}
	p, err := pl.planMatMul(&l, pp.ap)
	if err == nil && (!p.tiling.weightsResident || p.tiling.split(p.k)) {
		err = fmt.Errorf("%s streams its weights", l.op.Name)
	}
	return p, err
}

// consumerBand plans the consumer over its output rows band, reading the
// band buffer (base is where it puts the shared tensor's row 0).
func (pl *planner) consumerBand(pp *pairParts, band rowBand, base int, preloaded bool, caps capacities) (layerPlan, error) {
	if pp.cons == nil {
		p := *pp.pool
		p.band, p.inRes, p.caps = band, base, caps
		return &p, pl.tilePool(&p)
	}
	l := *pp.cons
	l.band, l.inRes, l.preloaded, l.caps = band, base, preloaded, caps
	if l.depthwise && pp.ac.vectorDW {
		return pl.planDepthwiseVector(&l, pp.ac)
	}
	p, err := pl.planMatMul(&l, pp.ac)
	if err == nil && (!p.tiling.weightsResident || p.tiling.split(p.k)) {
		err = fmt.Errorf("%s streams its weights", l.op.Name)
	}
	return p, err
}
