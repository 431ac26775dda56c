package scalesim

import (
	"fmt"
	"strconv"
)

// Mapping is how a dataflow lays one layer's matrix product on the array.
// The layer is M x K times K x N (M output pixels, a window of K weights, N
// filters); the dataflow puts two of the three dimensions on the array's
// rows and columns and streams the third:
//
//	dataflow  rows (Sr)  columns (Sc)  streamed (T)
//	os        M          N             K
//	ws        K          N             M
//	is        K          M             N
//
// The Sr x Sc problem is cut into RowFolds x ColFolds folds of at most
// R x C, column folds outer. Every fold takes FoldCycles, whatever part of
// the array it uses.
type Mapping struct {
	Dataflow Dataflow
	// Rows and Cols are the array's R and C.
	Rows, Cols int
	// M, N and K are the layer's matrix dimensions.
	M, N, K int
	// SpatialRows, SpatialCols and Temporal are SCALE-Sim's Sr, Sc and T.
	SpatialRows, SpatialCols, Temporal int
	RowFolds, ColFolds                 int
	// FoldCycles is the length of one fold: 2R + C + T - 2 for ws and is
	// (R cycles to load the stationary operand, then the stream with its
	// skew across the rows and columns), R + C + T - 2 for os.
	FoldCycles int64
}

// Map returns the mapping of a layer on the configured array and dataflow.
func Map(c *Config, l Layer) Mapping {
	m := Mapping{Dataflow: c.Dataflow, Rows: c.ArrayHeight, Cols: c.ArrayWidth, M: l.M(), N: l.N(), K: l.K()}
	switch c.Dataflow {
	case OutputStationary:
		m.SpatialRows, m.SpatialCols, m.Temporal = m.M, m.N, m.K
	case WeightStationary:
		m.SpatialRows, m.SpatialCols, m.Temporal = m.K, m.N, m.M
	default:
		m.SpatialRows, m.SpatialCols, m.Temporal = m.K, m.M, m.N
	}
	m.RowFolds = ceilDiv(m.SpatialRows, m.Rows)
	m.ColFolds = ceilDiv(m.SpatialCols, m.Cols)
	r, cols, t := int64(m.Rows), int64(m.Cols), int64(m.Temporal)
	if c.Dataflow == OutputStationary {
		m.FoldCycles = r + cols + t - 2
	} else {
		m.FoldCycles = 2*r + cols + t - 2
	}
	return m
}

// Folds is the number of folds.
func (m Mapping) Folds() int64 { return int64(m.RowFolds) * int64(m.ColFolds) }

// FoldRows is the number of array rows row fold fr uses.
func (m Mapping) FoldRows(fr int) int { return min(m.Rows, m.SpatialRows-fr*m.Rows) }

// FoldCols is the number of array columns column fold fc uses.
func (m Mapping) FoldCols(fc int) int { return min(m.Cols, m.SpatialCols-fc*m.Cols) }

// Cycles is SCALE-Sim's total for the layer: the index of its last cycle,
// counting from 0, which is Folds x FoldCycles - 1.
func (m Mapping) Cycles() int64 { return m.Folds()*m.FoldCycles - 1 }

// utilCycles is the fold length SCALE-Sim divides by for its compute
// utilisation: the rows plus the columns minus one of the demand matrix it
// measures, 2R + 2C + T - 3 for ws and is (one more array width than the
// fold), the fold itself for os.
func (m Mapping) utilCycles() int64 {
	if m.Dataflow == OutputStationary {
		return m.FoldCycles
	}
	return m.FoldCycles + int64(m.Cols) - 1
}

// String describes the mapping in one line.
func (m Mapping) String() string {
	return fmt.Sprintf("%s: Sr=%d Sc=%d T=%d on %dx%d, %dx%d folds of %d cycles",
		m.Dataflow, m.SpatialRows, m.SpatialCols, m.Temporal, m.Rows, m.Cols, m.RowFolds, m.ColFolds, m.FoldCycles)
}

// Expand returns the layers SCALE-Sim runs for a topology: every layer as
// it is, except that a depthwise layer (a name containing "DP") becomes
// Channels single-channel layers named "<name>Channel_<i>".
func Expand(t *Topology) []Layer {
	var out []Layer
	for _, l := range t.Layers {
		if !l.Depthwise() {
			out = append(out, l)
			continue
		}
		for ch := range l.Channels {
			one := l
			one.Name = l.Name + "Channel_" + strconv.Itoa(ch)
			one.Channels = 1
			out = append(out, one)
		}
	}
	return out
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// geometry holds a layer's address tables, in the input padded at the
// bottom and right by the overhang (so that every window lies inside it):
// where each output pixel's window starts and where each window element
// sits in the window, and which (pixel, element) pairs fall in the padding
// (SCALE-Sim's addresses of -1, read as nothing).
type geometry struct {
	l              Layer
	oh, ow         int
	paddedH, paddW int
	// per output pixel p: base[p] the padded address of the window's first
	// element; rowRoom[p] and colRoom[p] the real input rows and columns
	// left from it.
	base             []int64
	rowRoom, colRoom []int32
	// per window element j: offset[j] from the window's first element in
	// the padded input, wRow[j] and wCol[j] its row and column.
	offset     []int64
	wRow, wCol []int32
}

func newGeometry(l Layer) *geometry {
	g := &geometry{l: l, oh: l.OfmapH(), ow: l.OfmapW()}
	bottom, right := l.Overhang()
	g.paddedH, g.paddW = l.IfmapH+bottom, l.IfmapW+right
	w, c := int64(g.paddW), int64(l.Channels)
	g.base = make([]int64, g.oh*g.ow)
	g.rowRoom = make([]int32, g.oh*g.ow)
	g.colRoom = make([]int32, g.oh*g.ow)
	for p := range g.base {
		y, x := (p/g.ow)*l.StrideH, (p%g.ow)*l.StrideW
		g.base[p] = (int64(y)*w + int64(x)) * c
		g.rowRoom[p] = int32(l.IfmapH - y)
		g.colRoom[p] = int32(l.IfmapW - x)
	}
	k := l.K()
	g.offset = make([]int64, k)
	g.wRow = make([]int32, k)
	g.wCol = make([]int32, k)
	for j := range k {
		row, rest := j/(l.FilterW*l.Channels), j%(l.FilterW*l.Channels)
		col, ch := rest/l.Channels, rest%l.Channels
		g.offset[j] = (int64(row)*w+int64(col))*c + int64(ch)
		g.wRow[j], g.wCol[j] = int32(row), int32(col)
	}
	return g
}

// space is the size of the padded input.
func (g *geometry) space() int64 {
	return int64(g.paddedH) * int64(g.paddW) * int64(g.l.Channels)
}

// markPadding sets mark[a] = padMark for every padding address.
func (g *geometry) markPadding(mark []uint8) {
	l := g.l
	c := l.Channels
	for y := range g.paddedH {
		row := mark[y*g.paddW*c : (y+1)*g.paddW*c]
		if y >= l.IfmapH {
			fillPad(row)
		} else {
			fillPad(row[l.IfmapW*c:])
		}
	}
}

func fillPad(b []uint8) {
	for i := range b {
		b[i] = padMark
	}
}

// valid reports whether window element j of pixel p lies inside the input.
func (g *geometry) valid(p, j int) bool {
	return g.wRow[j] < g.rowRoom[p] && g.wCol[j] < g.colRoom[p]
}

// lastPixel is the last output pixel for which window element j is valid.
func (g *geometry) lastPixel(j int) int {
	l := g.l
	y := min(g.oh-1, (l.IfmapH-1-int(g.wRow[j]))/l.StrideH)
	x := min(g.ow-1, (l.IfmapW-1-int(g.wCol[j]))/l.StrideW)
	return y*g.ow + x
}

// lastElement is the last window element that is valid for pixel p; ok
// is false when the pixel's whole window lies past the input's edge.
func (g *geometry) lastElement(p int) (j int, ok bool) {
	l := g.l
	if g.rowRoom[p] <= 0 || g.colRoom[p] <= 0 {
		return 0, false
	}
	row := min(l.FilterH-1, int(g.rowRoom[p])-1)
	col := min(l.FilterW-1, int(g.colRoom[p])-1)
	return (row*l.FilterW+col)*l.Channels + l.Channels - 1, true
}
