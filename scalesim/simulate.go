package scalesim

import (
	"fmt"
	"math/big"
	"sort"
)

// Access is one operand's traffic on one memory, as SCALE-Sim's detailed
// access report gives it: the first and last cycle of the trace and the
// words moved. DRAM traces can start before cycle 0: SCALE-Sim prefetches
// the first chunk of each read buffer before the array starts.
type Access struct {
	Start, Stop int64
	Words       int64
}

// LayerReport is SCALE-Sim's result for one layer: one row of each of the
// three reports it writes.
type LayerReport struct {
	Layer   Layer
	Mapping Mapping

	// TotalCycles is the index of the layer's last cycle (Folds x
	// FoldCycles - 1); StallCycles is always 0 in CALC mode.
	TotalCycles, StallCycles int64
	// OverallUtil is MACs / (TotalCycles x R x C), in percent.
	OverallUtil float64
	// MappingEfficiency is the mean over folds of the share of the array
	// the fold uses, in percent.
	MappingEfficiency float64
	// ComputeUtil is the mean over folds of the fold's MACs over R x C x
	// its cycles (counted one array width longer for ws and is), in
	// percent.
	ComputeUtil float64

	// SRAM reads and writes of the array. SRAM reads count every demand
	// port the folds use, including SCALE-Sim's -1 addresses off the edge
	// of the input; the cycles are those of the first and last real
	// address (plus the read buffers' one-cycle hit latency).
	SRAMIfmap, SRAMFilter, SRAMOfmap Access
	// DRAM traffic of the three buffers (see readBuffer, writeBuffer).
	DRAMIfmap, DRAMFilter, DRAMOfmap Access
}

// SRAMBandwidth returns the average SRAM words per cycle of the three
// operands: words over TotalCycles.
func (r *LayerReport) SRAMBandwidth() (ifmap, filter, ofmap float64) {
	return ratio(r.SRAMIfmap.Words, r.TotalCycles), ratio(r.SRAMFilter.Words, r.TotalCycles),
		ratio(r.SRAMOfmap.Words, r.TotalCycles)
}

// DRAMBandwidth returns the average DRAM words per cycle of the three
// buffers: words over the length of their trace.
func (r *LayerReport) DRAMBandwidth() (ifmap, filter, ofmap float64) {
	bw := func(a Access) float64 { return ratio(a.Words, a.Stop-a.Start+1) }
	return bw(r.DRAMIfmap), bw(r.DRAMFilter), bw(r.DRAMOfmap)
}

// Run is a SCALE-Sim run: the configuration, the topology and one report
// per layer SCALE-Sim runs (depthwise layers expanded, see Expand).
type Run struct {
	Config   *Config
	Topology *Topology
	Layers   []LayerReport
}

// TotalCycles is the sum of the layers' cycles.
func (r *Run) TotalCycles() int64 {
	var n int64
	for _, l := range r.Layers {
		n += l.TotalCycles
	}
	return n
}

// Simulate computes SCALE-Sim's reports for every layer of a topology.
// Identical layers (the channels of an expanded depthwise layer, repeated
// blocks) are computed once.
func Simulate(c *Config, t *Topology) (*Run, error) {
	run := &Run{Config: c, Topology: t}
	done := map[Layer]LayerReport{}
	for _, l := range Expand(t) {
		key := l
		key.Name, key.Line = "", 0
		rep, ok := done[key]
		if !ok {
			var err error
			if rep, err = SimulateLayer(c, l); err != nil {
				return nil, fmt.Errorf("topology %s:%d: %s: %w", t.Path, l.Line, l.Name, err)
			}
			done[key] = rep
		}
		rep.Layer = l
		run.Layers = append(run.Layers, rep)
	}
	return run, nil
}

// SimulateLayer computes SCALE-Sim's reports for one layer (run as it is:
// a depthwise layer is not expanded here).
func SimulateLayer(c *Config, l Layer) (LayerReport, error) {
	if err := checkLayer(l); err != nil {
		return LayerReport{}, err
	}
	r := &layerRun{cfg: c, l: l, m: Map(c, l)}
	rep := LayerReport{Layer: l, Mapping: r.m}
	r.compute(&rep)
	r.sram(&rep)
	if err := r.dram(&rep); err != nil {
		return LayerReport{}, err
	}
	return rep, nil
}

// checkLayer rejects layers whose tables would not fit in memory.
func checkLayer(l Layer) error {
	if min(l.IfmapH, l.IfmapW, l.FilterH, l.FilterW, l.Channels, l.Filters, l.StrideH, l.StrideW) < 1 {
		return fmt.Errorf("dimensions must be >= 1, got %+v", l)
	}
	if l.FilterH > l.IfmapH || l.FilterW > l.IfmapW {
		return fmt.Errorf("a %dx%d filter does not fit a %dx%d input", l.FilterH, l.FilterW, l.IfmapH, l.IfmapW)
	}
	bottom, right := l.Overhang()
	input := float64(l.IfmapH+bottom) * float64(l.IfmapW+right) * float64(l.Channels)
	filters := float64(l.FilterH) * float64(l.FilterW) * float64(l.Channels) * float64(l.Filters)
	if input > maxSpace || filters > maxSpace || float64(l.OfmapH())*float64(l.OfmapW()) > maxSpace {
		return fmt.Errorf("too large: the padded input (%.0f words), the filters (%.0f words) "+
			"or the output pixels (%d) exceed %d",
			input, filters, l.M(), maxSpace)
	}
	return nil
}

// layerRun computes one layer's reports.
type layerRun struct {
	cfg  *Config
	l    Layer
	m    Mapping
	geom *geometry
}

func (r *layerRun) geometry() *geometry {
	if r.geom == nil {
		r.geom = newGeometry(r.l)
	}
	return r.geom
}

// compute fills the compute report: cycles and the three utilisations,
// with SCALE-Sim's floating-point operations in its order (per-fold
// ratios summed fold by fold, then averaged) so that the printed digits
// agree.
func (r *layerRun) compute(rep *LayerReport) {
	m := r.m
	rep.TotalCycles = m.Cycles()
	arrayPEs := int64(m.Rows) * int64(m.Cols)
	macs := int64(m.M) * int64(m.N) * int64(m.K)
	rep.OverallUtil = productRatio(macs, 100, rep.TotalCycles, arrayPEs)
	var mapping, util float64
	uc := m.utilCycles()
	for fc := range m.ColFolds {
		for fr := range m.RowFolds {
			used := int64(m.FoldRows(fr)) * int64(m.FoldCols(fc))
			mapping += ratio(used, arrayPEs)
			util += ratio(used*int64(m.Temporal), arrayPEs*uc)
		}
	}
	folds := float64(m.Folds())
	rep.MappingEfficiency = mapping / folds * 100
	rep.ComputeUtil = util / folds * 100
}

// ratio is a / b correctly rounded, as Python's int / int.
func ratio(a, b int64) float64 {
	const exact = 1 << 53
	if a > -exact && a < exact && b > -exact && b < exact {
		return float64(a) / float64(b)
	}
	f, _ := new(big.Rat).SetFrac64(a, b).Float64()
	return f
}

// productRatio is (a1 x a2) / (b1 x b2) correctly rounded, the products
// taken exactly, as Python's integers do.
func productRatio(a1, a2, b1, b2 int64) float64 {
	num := new(big.Int).Mul(big.NewInt(a1), big.NewInt(a2))
	den := new(big.Int).Mul(big.NewInt(b1), big.NewInt(b2))
	f, _ := new(big.Rat).SetFrac(num, den).Float64()
	return f
}

// sram fills the SRAM columns from closed forms: the words are sums over
// folds of the demand each fold issues; the first and last cycles are
// those of the first and last real address of the first and last folds.
func (r *layerRun) sram(rep *LayerReport) {
	m := r.m
	R, C := int64(m.Rows), int64(m.Cols)
	M, N, K := int64(m.M), int64(m.N), int64(m.K)
	rf, cf := int64(m.RowFolds), int64(m.ColFolds)
	last := (m.Folds() - 1) * m.FoldCycles // first cycle of the last fold
	r0, rL := int64(m.FoldRows(0)), int64(m.FoldRows(m.RowFolds-1))
	cL := int64(m.FoldCols(m.ColFolds - 1))
	switch m.Dataflow {
	case WeightStationary:
		rep.SRAMIfmap = Access{Start: R + hitLatency, Stop: r.lastIfmap() + hitLatency, Words: M * K * cf}
		rep.SRAMFilter = Access{Start: R - r0 + hitLatency, Stop: last + R - 1 + hitLatency, Words: K * N}
		rep.SRAMOfmap = Access{Start: 2*R - 1, Stop: last + 2*R - 1 + M - 1 + cL - 1, Words: M * N * rf}
	case OutputStationary:
		rep.SRAMIfmap = Access{Start: hitLatency, Stop: r.lastIfmap() + hitLatency, Words: K * M * cf}
		rep.SRAMFilter = Access{Start: hitLatency, Stop: last + K - 1 + cL - 1 + hitLatency, Words: K * N * rf}
		// SCALE-Sim adds R + C per fold to its OFMAP write count.
		rep.SRAMOfmap = Access{Start: K - 1 + R - r0, Stop: last + K - 1 + R - 1 + cL - 1, Words: M*N + m.Folds()*(R+C)}
	default: // InputStationary
		rep.SRAMIfmap = Access{Start: R - r0 + hitLatency, Stop: r.lastIfmap() + hitLatency, Words: K * M}
		rep.SRAMFilter = Access{Start: R + hitLatency, Stop: last + R + N - 1 + rL - 1 + hitLatency, Words: N * K * cf}
		rep.SRAMOfmap = Access{Start: 2*R - 1, Stop: last + 2*R - 1 + N - 1 + cL - 1, Words: N * M * rf}
	}
}

// lastIfmap is the last cycle with a real IFMAP address. It is in the last
// fold unless that fold's pixels all lie past the input's edge (SCALE-Sim's
// output size can leave a whole last row or column of windows off it), so
// the search walks back from the last fold.
func (r *layerRun) lastIfmap() int64 {
	m := r.m
	rf := int64(m.RowFolds)
	for f := m.Folds() - 1; f >= 0; f-- {
		if t, ok := r.foldLastIfmap(int(f%rf), int(f/rf)); ok {
			return f*m.FoldCycles + t
		}
	}
	return 0 // not reached: the first fold reads pixel 0's whole window
}

// foldLastIfmap is the last cycle of a fold with a real IFMAP address,
// counted from the fold's start.
func (r *layerRun) foldLastIfmap(fr, fc int) (int64, bool) {
	m, g := r.m, r.geometry()
	R, C := m.Rows, m.Cols
	best := -1
	switch m.Dataflow {
	case WeightStationary:
		// Pixel p meets element j0+col at R + p + col; pixel 0 reads every
		// element, so the fold has one.
		for col := range m.FoldRows(fr) {
			best = max(best, R+g.lastPixel(fr*R+col)+col)
		}
	case OutputStationary:
		// Pixel p0+row takes element k at k + row.
		for row := range m.FoldRows(fr) {
			if k, ok := g.lastElement(fr*R + row); ok {
				best = max(best, k+row)
			}
		}
	default:
		// Element j0+i loads at R-1-i, bottom row first.
		for i := range m.FoldRows(fr) {
			for col := range m.FoldCols(fc) {
				if g.valid(fc*C+col, fr*R+i) {
					return int64(R - 1 - i), true
				}
			}
		}
	}
	return int64(best), best >= 0
}

// dram fills the DRAM columns: the read buffers by replaying the demand
// streams through SCALE-Sim's chunk bookkeeping, the write buffer drain by
// drain.
func (r *layerRun) dram(rep *LayerReport) error {
	l := r.l
	ifmap := newReadBuffer(r.cfg.IfmapSRAMKB, r.geometry().space(), rep.SRAMIfmap.Start-hitLatency)
	r.ifmapReads(ifmap)
	filter := newReadBuffer(r.cfg.FilterSRAMKB, int64(l.K())*int64(l.N()), rep.SRAMFilter.Start-hitLatency)
	r.filterReads(filter)
	var err error
	if rep.DRAMIfmap, err = ifmap.access(); err != nil {
		return fmt.Errorf("IFMAP: %w", err)
	}
	if rep.DRAMFilter, err = filter.access(); err != nil {
		return fmt.Errorf("filter: %w", err)
	}
	rep.DRAMOfmap = r.ofmapWrites()
	return nil
}

// The OFMAP writes of a fold form a parallelogram: `a` rows of outputs
// (pixels for ws, the fold's pixels for os, filters for is) by the fold's
// columns, output (i, col) written at cycle off + i + col of the fold.
func (r *layerRun) ofmapShape(fr, fc int) (a, cols, off int64) {
	m := r.m
	cols = int64(m.FoldCols(fc))
	switch m.Dataflow {
	case WeightStationary:
		return int64(m.M), cols, int64(2*m.Rows - 1)
	case OutputStationary:
		rows := int64(m.FoldRows(fr))
		return rows, cols, int64(m.K-1) + int64(m.Rows) - rows
	default:
		return int64(m.N), cols, int64(2*m.Rows - 1)
	}
}

// ofmapTotal is the number of OFMAP writes of the layer.
func (r *layerRun) ofmapTotal() int64 {
	return r.ofmapBefore(r.m.Folds())
}

// ofmapBefore is the number of OFMAP writes of the folds before fold f.
func (r *layerRun) ofmapBefore(f int64) int64 {
	m := r.m
	rf := int64(m.RowFolds)
	fc, fr := f/rf, f%rf
	// perCol(fr) is the outputs per array column of row folds 0..fr-1;
	// folds before f are ColFolds-wide blocks of whole column folds, then
	// the row folds of column fold fc before fr.
	perCol := func(fr int64) int64 {
		if m.Dataflow == OutputStationary {
			return min(fr*int64(m.Rows), int64(m.M))
		}
		a, _, _ := r.ofmapShape(0, 0)
		return fr * a
	}
	colsBefore := min(fc*int64(m.Cols), int64(m.SpatialCols))
	n := colsBefore * perCol(rf)
	if fr > 0 {
		n += int64(m.FoldCols(int(fc))) * perCol(fr)
	}
	return n
}

// parallelogram counts the outputs (i, col), i < a, col < cols, with
// i + col <= x.
func parallelogram(a, cols, x int64) int64 {
	// prefix(y) = sum over z <= y of min(max(z, 0), a)
	prefix := func(y int64) int64 {
		switch {
		case y <= 0:
			return 0
		case y <= a:
			return y * (y + 1) / 2
		}
		return a*(a+1)/2 + (y-a)*a
	}
	return prefix(x+1) - prefix(x+1-cols)
}

// ofmapThrough is the number of OFMAP writes in cycles 0..t.
func (r *layerRun) ofmapThrough(t int64) int64 {
	if t < 0 {
		return 0
	}
	L := r.m.FoldCycles
	f := t / L
	if f >= r.m.Folds() {
		return r.ofmapTotal()
	}
	rf := int64(r.m.RowFolds)
	a, cols, off := r.ofmapShape(int(f%rf), int(f/rf))
	return r.ofmapBefore(f) + parallelogram(a, cols, t-f*L-off)
}

// ofmapCycle is the cycle of the e-th OFMAP write (counting from 1).
func (r *layerRun) ofmapCycle(e int64) int64 {
	folds := r.m.Folds()
	f := int64(sort.Search(int(folds), func(f int) bool { return r.ofmapBefore(int64(f)+1) >= e }))
	rf := int64(r.m.RowFolds)
	a, cols, off := r.ofmapShape(int(f%rf), int(f/rf))
	k := e - r.ofmapBefore(f)
	x := int64(sort.Search(int(a+cols-1), func(x int) bool { return parallelogram(a, cols, int64(x)) >= k }))
	return f*r.m.FoldCycles + off + x
}
