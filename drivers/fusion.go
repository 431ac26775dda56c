package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads"
)

// Exact fusion. Two consecutive layers fuse into one pipeline when the
// second is the only reader of the first's output: a depthwise layer and
// the pointwise (1x1, stride 1) convolution that reads it, or a
// convolution (depthwise or not) and the pool that reads it. Such links
// make a chain (with a vendor fusion's 16-bit link, vendorfusion.go, up to
// three layers), which runs in bands of its last layer's output rows: for
// each band, each layer computes the rows the next reads into one of two
// band buffers at the bottom of the activation scratchpad, and the next
// layer reads them there while the first computes the next band into the
// other buffer. The shared tensors never go to DRAM and never take the
// room of a whole tensor; a layer whose windows overlap rows (a 3x3 pool
// or depthwise layer) has the layer before it recompute the one or two
// rows two bands share. The arithmetic of the layers is unchanged, so
// exact fusion changes no output.
//
// Each layer keeps its own plan kind; a band is a plan over the band's rows
// whose kept input or output is a band buffer, so the schedules and
// lowerings of single layers serve unchanged. Weights, records and tables
// load once, in the first band (later bands are preloaded), so the layers'
// weights must stay resident in the weight scratchpad side by side; the
// accumulator scratchpad is split between them so that a band of one can
// overlap a band of another.

// fusable reports whether op k and op k+1 can fuse (their tiles still have
// to fit: planPair).
func fusable(m *workloads.Model, lives []lifetime, k int) bool {
	if k+1 >= len(m.Ops) {
		return false
	}
	p, c := m.Ops[k], m.Ops[k+1]
	t := m.Tensors[p.Output]
	r := lives[p.Output].readers
	onlyReader := len(r) == 1 && r[0] == k+1 && c.Inputs[0] == p.Output
	oneImage := len(t.Shape) == 4 && t.Shape[0] == 1
	if !onlyReader || !oneImage {
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

// bandPlan is one band of one stage of a fused chain: a plan counted to
// the layer of the chain's stage-th op, and, for a stage whose output an
// exact link shares, the piece of that tensor it makes final, to capture
// into program output out (-1: none; a piece of Run 0 where the band only
// recomputes rows an earlier band made final).
type bandPlan struct {
	layerPlan
	stage int
	out   int
	piece npu.Piece
}

// stagePart is one stage of a fused chain, prepared once: its constants
// are in DRAM, and each band copies it.
type stagePart struct {
	conv  *convLayer // nil for a pool
	pool  *poolPlan
	arith arithmetic
	// rowBytes is the bytes of one row of the stage's output as its link
	// to the next stage holds it (two per value on a 16-bit link).
	rowBytes int
}

// window is the stage's geometry.
func (sp *stagePart) window() *window {
	if sp.conv != nil {
		return &sp.conv.g
	}
	return &sp.pool.g
}

// inputRows are the input rows a stage reads for its output rows b, and,
// for its last band, any rows after them that no window reads (a VALID
// pool's), so that every row of the tensor the link shares exists to be
// compared with the reference.
func (sp *stagePart) inputRows(b rowBand) rowBand {
	g := sp.window()
	lo, hi := g.inRows(b.lo, b.hi)
	if b.hi == g.oh {
		hi = g.h
	}
	return rowBand{lo, hi}
}

// planChain plans the unit's chain of len(links)+1 ops as one pipeline:
// the largest band of the last stage's output rows for which every stage's
// band fits. The first op's layer carries the bands of all.
func (pl *planner) planChain(u unit, res *resolution) ([]layerPlan, error) {
	stages := pl.prepareChain(u, res)
	var err error
	for rows := stages[len(stages)-1].window().oh; rows >= 1; rows = shrink(rows) {
		for _, split := range []bool{true, false} {
			var plans []layerPlan
			if plans, err = pl.planBands(stages, rows, split); err == nil {
				return plans, nil
			}
		}
	}
	return nil, fmt.Errorf("fused with %s: %w", pl.m.Ops[u.k+len(u.links)].Name, err)
}

// prepareChain lays out the constants of the chain's stages in DRAM.
func (pl *planner) prepareChain(u unit, res *resolution) []stagePart {
	var stages []stagePart
	for i := range len(u.links) + 1 {
		op := pl.m.Ops[u.k+i]
		sp := stagePart{arith: pl.nativeArith(op, res.layers[u.k+i])}
		if op.Kind == workloads.AveragePool2D || op.Kind == workloads.MaxPool2D {
			sp.pool = pl.newPool(op)
		} else {
			sp.conv = pl.prepareConv(op, sp.arith)
		}
		if i < len(u.links) {
			t := pl.m.Tensors[op.Output]
			sp.rowBytes = t.Shape[2] * t.Shape[3] * int(u.links[i])
		}
		stages = append(stages, sp)
	}
	return stages
}

// bandRows lists, per band of rows output rows of the last stage, the
// output rows each stage computes for it.
func bandRows(stages []stagePart, rows int) [][]rowBand {
	n, oh := len(stages), stages[len(stages)-1].window().oh
	var bands [][]rowBand
	for o0 := 0; o0 < oh; o0 += rows {
		b := make([]rowBand, n)
		b[n-1] = rowBand{o0, min(o0+rows, oh)}
		for i := n - 2; i >= 0; i-- {
			b[i] = stages[i+1].inputRows(b[i+1])
		}
		bands = append(bands, b)
	}
	return bands
}

// planBands plans every stage for each band of rows output rows of the
// last stage, each link between two stages alternating between two band
// buffers at the bottom of the activation scratchpad; with split, the
// stages share the accumulator scratchpad in equal parts.
func (pl *planner) planBands(stages []stagePart, rows int, split bool) ([]layerPlan, error) {
	bands := bandRows(stages, rows)
	n := len(stages)
	caps := pl.caps()
	slots := make([][2]int, n-1)
	for i := range n - 1 {
		most := 0
		for _, b := range bands {
			most = max(most, b[i].rows())
		}
		size := (most*stages[i].rowBytes + sramAlign - 1) / sramAlign * sramAlign
		slots[i] = [2]int{caps.lo[npu.ActivationSRAM], caps.lo[npu.ActivationSRAM] + size}
		caps.lo[npu.ActivationSRAM] += 2 * size
	}
	stageCaps := make([]capacities, n)
	part := caps.hi[npu.AccumulatorSRAM] / n / sramAlign * sramAlign
	for i := range stageCaps {
		stageCaps[i] = caps
		if split {
			stageCaps[i].lo[npu.AccumulatorSRAM], stageCaps[i].hi[npu.AccumulatorSRAM] = i*part, (i+1)*part
		}
	}
	plans := make([][]*bandPlan, n)
	done := make([]int, n) // rows of each stage's output computed so far
	for b, rowsOf := range bands {
		for i := range stages {
			bp, err := pl.stageBand(stages, i, b, rowsOf, slots, stageCaps[i])
			if err != nil {
				return nil, err
			}
			if b == 0 && i+1 < n { // the next stage's weights go above this one's
				stageCaps[i+1].lo[npu.WeightSRAM] = planLayout(bp.layerPlan).needs(npu.WeightSRAM)
			}
			// The band's piece of the shared tensor: its rows no earlier
			// band computed (none when a window's overlap recomputes them all).
			if first, rowBytes := max(rowsOf[i].lo, done[i]), stages[i].rowBytes; i+1 < n && rowsOf[i].hi > first {
				bp.piece = npu.Piece{Addr: slots[i][b%2] + (first-rowsOf[i].lo)*rowBytes, Offset: first * rowBytes,
					Run: (rowsOf[i].hi - first) * rowBytes, Rows: 1}
				done[i] = rowsOf[i].hi
			}
			plans[i] = append(plans[i], bp)
		}
	}
	return wavefront(plans), nil
}

// stageBand plans stage i over its rows of band b: reading the previous
// link's band buffer and writing the next's (base addresses place the
// shared tensor's row 0 where the buffer puts the band's first row).
func (pl *planner) stageBand(stages []stagePart, i, b int, rowsOf []rowBand, slots [][2]int,
	caps capacities) (*bandPlan, error) {
	sp, n := stages[i], len(stages)
	bp := &bandPlan{stage: i, out: -1}
	if sp.pool != nil {
		p := *sp.pool
		p.band, p.inRes, p.caps = rowsOf[i], slots[i-1][b%2]-rowsOf[i-1].lo*stages[i-1].rowBytes, caps
		bp.layerPlan = &p
		return bp, pl.tilePool(&p)
	}
	l := *sp.conv
	l.band, l.preloaded, l.caps = rowsOf[i], b > 0, caps
	if i > 0 {
		l.inRes = slots[i-1][b%2] - rowsOf[i-1].lo*stages[i-1].rowBytes
	}
	if i+1 < n {
		l.outRes = slots[i][b%2] - rowsOf[i].lo*sp.rowBytes
	}
	if l.depthwise && sp.arith.vectorDW {
		p, err := pl.planDepthwiseVector(&l, sp.arith)
		bp.layerPlan = p
		return bp, err
	}
	p, err := pl.planMatMul(&l, sp.arith)
	if err == nil && (!p.tiling.weightsResident || p.tiling.split(p.k)) {
		err = fmt.Errorf("%s streams its weights", l.op.Name)
	}
	bp.layerPlan = p
	return bp, err
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

// wavefront orders the bands as a software pipeline: step s holds stage
// i's band s-i, so that stage i+1 works on band b while stage i computes
// band b+1 (the command processor issues in program order), and stage i's
// band b+2, which reuses band b's buffer, comes after stage i+1 read it.
func wavefront(plans [][]*bandPlan) []layerPlan {
	var order []layerPlan
	bands := len(plans[0])
	for s := range bands + len(plans) - 1 {
		for i := range plans {
			if b := s - i; b >= 0 && b < bands {
				order = append(order, plans[i][b])
			}
		}
	}
	return order
}
