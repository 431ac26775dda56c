package rtl

import (
	"fmt"

	"github.com/npusim/npusim/npu"
)

// MatMul is one matrix-unit command as the array consumes it: Acc =
// (Accumulate ? Acc : 0) + A x B in the accumulator mode Mode, with A an
// M x K and B a K x N matrix of stored bytes (row-major) that the edge
// feeders decode and zero-point correct (npu.Operand8.Value), and Acc the
// M x N block of the accumulator memory (row-major).
type MatMul struct {
	M, K, N    int
	A          []byte
	AOperand   npu.Operand8
	B          []byte
	BOperand   npu.Operand8
	Acc        []int32
	Accumulate bool
	Mode       npu.Accumulation
}

// Phase is what the array's controller is doing in a cycle.
type Phase uint8

// The controller's phases.
const (
	PhaseIdle Phase = iota
	// PhaseLoad shifts a fold's weights into a weight-stationary array.
	PhaseLoad
	// PhaseStream streams operands through the array.
	PhaseStream
	// PhaseDrain shifts an output-stationary fold's sums out of the array.
	PhaseDrain
)

var phaseNames = [...]string{"idle", "load", "stream", "drain"}

// String names the phase.
func (p Phase) String() string { return phaseNames[p] }

// fold is the controller's registers for the fold in progress.
type fold struct {
	index      int
	phase      Phase
	rows, cols int // rows and columns of the array the fold uses
	m0, k0, n0 int // the fold's first output row, reduction index, column
	t          int // cycle within the phase
}

// accWrite is one column's accumulator write port in one cycle.
type accWrite struct {
	enable bool
	row    int32 // row of the command's accumulator block
	value  int32
}

// Array is a register-level systolic array: R x C processing elements, the
// feeders at its west and north edges, the controller that sequences folds,
// and one accumulator write port per column below it.
type Array struct {
	name       string
	rows, cols int
	dataflow   npu.Dataflow
	clock      *Clock

	// cur holds the registers in this cycle, next their values after the
	// clock edge (both row-major, R x C).
	cur, next []PE
	// west and north are the edge inputs of this cycle: one activation per
	// row, one weight per column.
	west, north []Operand
	// ports are this cycle's accumulator writes, one per column; outCount
	// counts, per column, the partial sums a weight-stationary fold has
	// written (the row address of the next one).
	ports    []accWrite
	outCount []int32

	fold fold
	cmd  *MatMul
	acc  adder
	n    int // the accumulator block's row stride (the command's N)
}

// ArrayBuilder configures an Array.
type ArrayBuilder struct {
	rows, cols int
	dataflow   npu.Dataflow
	clock      *Clock
}

// MakeArrayBuilder returns a builder for an 8 x 8 weight-stationary array.
func MakeArrayBuilder() ArrayBuilder {
	return ArrayBuilder{rows: 8, cols: 8, dataflow: npu.WeightStationary}
}

// WithSize sets the number of rows and columns of processing elements.
func (b ArrayBuilder) WithSize(rows, cols int) ArrayBuilder {
	b.rows, b.cols = rows, cols
	return b
}

// WithDataflow sets the dataflow.
func (b ArrayBuilder) WithDataflow(df npu.Dataflow) ArrayBuilder {
	b.dataflow = df
	return b
}

// WithConfig takes the size and dataflow of a hardware configuration.
func (b ArrayBuilder) WithConfig(a npu.ArrayConfig) ArrayBuilder {
	return b.WithSize(a.Rows, a.Cols).WithDataflow(a.Dataflow)
}

// WithClock sets the clock the array shares with other components (by
// default it has its own).
func (b ArrayBuilder) WithClock(c *Clock) ArrayBuilder {
	b.clock = c
	return b
}

// Build returns the array, named for its signals in waveforms
// ("npu.array"). It panics on a size below 1 or an unknown dataflow.
func (b ArrayBuilder) Build(name string) *Array {
	if b.rows < 1 || b.cols < 1 || (b.dataflow != npu.WeightStationary && b.dataflow != npu.OutputStationary) {
		panic(fmt.Sprintf("rtl: bad array %dx%d %q", b.rows, b.cols, b.dataflow))
	}
	clk := b.clock
	if clk == nil {
		clk = NewClock()
	}
	return &Array{
		name: name, rows: b.rows, cols: b.cols, dataflow: b.dataflow, clock: clk,
		cur: make([]PE, b.rows*b.cols), next: make([]PE, b.rows*b.cols),
		west: make([]Operand, b.rows), north: make([]Operand, b.cols),
		ports: make([]accWrite, b.cols), outCount: make([]int32, b.cols),
	}
}

// Name is the array's name.
func (a *Array) Name() string { return a.name }

// Rows is the number of rows of processing elements.
func (a *Array) Rows() int { return a.rows }

// Cols is the number of columns of processing elements.
func (a *Array) Cols() int { return a.cols }

// Dataflow is the array's dataflow.
func (a *Array) Dataflow() npu.Dataflow { return a.dataflow }

// Clock is the array's clock.
func (a *Array) Clock() *Clock { return a.clock }

// PE returns the registers of the processing element in row r, column c.
func (a *Array) PE(r, c int) PE { return a.cur[r*a.cols+c] }

// Phase is the controller's current phase.
func (a *Array) Phase() Phase { return a.fold.phase }

// Folds is the number of folds a command of the given shape takes on the
// array.
func (a *Array) Folds(m, k, n int) int {
	r := k
	if a.dataflow == npu.OutputStationary {
		r = m
	}
	return ceilDiv(r, a.rows) * ceilDiv(n, a.cols)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// Run executes a MatMul command cycle by cycle and returns the cycles it
// took. It resets the array first (a synchronous reset, no cycle).
func (a *Array) Run(mm *MatMul) (int, error) {
	if err := a.check(mm); err != nil {
		return 0, err
	}
	acc, err := newAdder(mm.Mode)
	if err != nil {
		return 0, err
	}
	a.cmd, a.acc, a.n = mm, acc, mm.N
	clear(a.cur)
	// The accumulator memory reads the stored block at the command's width,
	// or starts from zero when the command overwrites.
	for i, v := range mm.Acc[:mm.M*mm.N] {
		if mm.Accumulate {
			mm.Acc[i] = acc.narrow(v)
		} else {
			mm.Acc[i] = 0
		}
	}
	start := a.clock.cycle
	a.fold.index = 0
	if a.dataflow == npu.WeightStationary {
		for n0 := 0; n0 < mm.N; n0 += a.cols {
			for k0 := 0; k0 < mm.K; k0 += a.rows {
				a.foldWS(k0, n0)
				a.fold.index++
			}
		}
	} else {
		for m0 := 0; m0 < mm.M; m0 += a.rows {
			for n0 := 0; n0 < mm.N; n0 += a.cols {
				a.foldOS(m0, n0)
				a.fold.index++
			}
		}
	}
	a.fold = fold{}
	clear(a.west)
	clear(a.north)
	a.cmd = nil
	return int(a.clock.cycle - start), nil
}

func (a *Array) check(mm *MatMul) error {
	switch {
	case mm.M < 1 || mm.K < 1 || mm.N < 1:
		return fmt.Errorf("rtl: matmul %dx%dx%d: dimensions must be positive", mm.M, mm.K, mm.N)
	case len(mm.A) < mm.M*mm.K || len(mm.B) < mm.K*mm.N || len(mm.Acc) < mm.M*mm.N:
		return fmt.Errorf("rtl: matmul %dx%dx%d: operands of %d, %d and %d elements are too short",
			mm.M, mm.K, mm.N, len(mm.A), len(mm.B), len(mm.Acc))
	}
	for _, o := range []npu.Operand8{mm.AOperand, mm.BOperand} {
		lo, hi := int32(0), int32(255)
		if o.Signed {
			lo, hi = -128, 127
		}
		if o.Zero < lo || o.Zero > hi {
			return fmt.Errorf("rtl: matmul operand zero point %d outside %d..%d: "+
				"the corrected value would not fit the 9-bit operand bus", o.Zero, lo, hi)
		}
	}
	return nil
}

// foldWS runs one weight-stationary fold: the weights of reduction rows
// k0.. and columns n0.. shift in, then all M activation rows stream through.
func (a *Array) foldWS(k0, n0 int) {
	mm := a.cmd
	r, c := min(a.rows, mm.K-k0), min(a.cols, mm.N-n0)
	a.fold = fold{index: a.fold.index, phase: PhaseLoad, rows: r, cols: c, k0: k0, n0: n0}
	clear(a.outCount)
	clear(a.west)
	// Load: in cycle t the top row takes the weights of fold row r-1-t, and
	// every used row passes its weights one row down; after r cycles row k
	// holds fold row k.
	for t := range r {
		a.fold.t = t
		for n := range a.north {
			a.north[n] = Operand{}
			if n < c {
				a.north[n] = Operand{Value: mm.BOperand.Value(mm.B[(k0+r-1-t)*mm.N+n0+n]), Valid: true}
			}
		}
		a.evalWS(r)
		a.commit()
	}
	// Stream: activation row m enters array row k at cycle t = m + k of
	// this phase (the input skew); the fold ends in the cycle the last
	// partial sum leaves the bottom-right used PE.
	a.fold.phase = PhaseStream
	clear(a.north)
	for t := 0; ; t++ {
		a.fold.t = t
		for k := range a.west {
			a.west[k] = Operand{}
			if m := t - k; k < r && m >= 0 && m < mm.M {
				a.west[k] = Operand{Value: mm.AOperand.Value(mm.A[m*mm.K+k0+k]), Valid: true, Last: m == mm.M-1}
			}
		}
		done := a.evalWS(0)
		a.commit()
		if done {
			return
		}
	}
}

// evalWS computes the next state of a weight-stationary array and its
// accumulator writes. The rows above loadRows shift their weights down. It
// reports whether the last activation of the fold met the bottom-right used
// PE in this cycle.
func (a *Array) evalWS(loadRows int) bool {
	cols, f := a.cols, &a.fold
	for k := range a.rows {
		row, next := a.cur[k*cols:(k+1)*cols], a.next[k*cols:(k+1)*cols]
		var up []PE
		if k > 0 {
			up = a.cur[(k-1)*cols : k*cols]
		}
		west := a.west[k]
		for n := range row {
			p, q := &row[n], &next[n]
			psum := Operand{Valid: true} // a partial sum starts at 0 at the top
			if k > 0 {
				psum = up[n].south()
			}
			p.nextWS(q, west, psum, &a.acc)
			if k < loadRows {
				w := a.north[n]
				if k > 0 {
					w = up[n].stationary()
				}
				q.Stationary, q.StationaryValid = w.Value, w.Valid
			}
			west = p.east()
		}
	}
	// The partial sums leaving the last used row go to the accumulator
	// memory through a read-modify-write port per column.
	bottom := a.next[(f.rows-1)*cols : f.rows*cols]
	for n := range f.cols {
		q := &bottom[n]
		a.ports[n] = accWrite{}
		if q.DownValid {
			row := a.outCount[n]
			i := int(row)*a.n + f.n0 + n
			a.ports[n] = accWrite{enable: true, row: row, value: a.acc.add(int64(a.cmd.Acc[i]), int64(q.Down))}
		}
	}
	last := &bottom[f.cols-1]
	return last.ActValid && last.ActLast && last.DownValid
}

// foldOS runs one output-stationary fold: outputs m0.. x n0.. accumulate
// in place over all K steps, then drain.
func (a *Array) foldOS(m0, n0 int) {
	mm := a.cmd
	r, c := min(a.rows, mm.M-m0), min(a.cols, mm.N-n0)
	a.fold = fold{index: a.fold.index, phase: PhaseStream, rows: r, cols: c, m0: m0, n0: n0}
	// Stream: a[m0+i][k] enters row i at cycle i + k, b[k][n0+n] enters
	// column n at cycle k + n; the phase ends with the last product in the
	// bottom-right used PE.
	for t := 0; ; t++ {
		a.fold.t = t
		for i := range a.west {
			a.west[i] = Operand{}
			if k := t - i; i < r && k >= 0 && k < mm.K {
				a.west[i] = Operand{Value: mm.AOperand.Value(mm.A[(m0+i)*mm.K+k]), Valid: true, Last: k == mm.K-1}
			}
		}
		for n := range a.north {
			a.north[n] = Operand{}
			if k := t - n; n < c && k >= 0 && k < mm.K {
				a.north[n] = Operand{Value: mm.BOperand.Value(mm.B[k*mm.N+n0+n]), Valid: true}
			}
		}
		done := a.evalOS(0)
		a.commit()
		if done {
			break
		}
	}
	// Drain: each cycle the last used row's sums go to the accumulator
	// memory and the rows above shift down, zeros entering at the top; after
	// r cycles the sums are out and the PEs are clear for the next fold.
	a.fold.phase = PhaseDrain
	clear(a.west)
	clear(a.north)
	for t := range r {
		a.fold.t = t
		a.evalOS(r)
		a.commit()
	}
}

// evalOS computes the next state of an output-stationary array. The rows
// above drainRows shift their sums down and the last used row's go to the
// accumulator memory. It reports whether the last product of the fold landed
// in the bottom-right used PE in this cycle.
func (a *Array) evalOS(drainRows int) bool {
	cols, f := a.cols, &a.fold
	for k := range a.rows {
		row, next := a.cur[k*cols:(k+1)*cols], a.next[k*cols:(k+1)*cols]
		var up []PE
		if k > 0 {
			up = a.cur[(k-1)*cols : k*cols]
		}
		west := a.west[k]
		for n := range row {
			p, q := &row[n], &next[n]
			north := a.north[n]
			if k > 0 {
				north = up[n].south()
			}
			p.nextOS(q, west, north, &a.acc)
			if k < drainRows {
				s := Operand{}
				if k > 0 {
					s = up[n].stationary()
				}
				q.Stationary, q.StationaryValid = s.Value, s.Valid
			}
			west = p.east()
		}
	}
	bottom := a.cur[(f.rows-1)*cols : f.rows*cols]
	for n := range f.cols {
		a.ports[n] = accWrite{}
		if p := &bottom[n]; drainRows > 0 && p.StationaryValid {
			row := int32(f.m0 + f.rows - 1 - f.t)
			i := int(row)*a.n + f.n0 + n
			a.ports[n] = accWrite{enable: true, row: row, value: a.acc.add(int64(a.cmd.Acc[i]), int64(p.Stationary))}
		}
	}
	last := &a.next[(f.rows-1)*cols+f.cols-1]
	return drainRows == 0 && last.ActValid && last.ActLast && last.DownValid
}

// commit is the clock edge: the probe samples the cycle, then every register
// and the accumulator memory take their next values.
func (a *Array) commit() {
	a.clock.edge()
	a.cur, a.next = a.next, a.cur
	for n := range a.ports {
		p := &a.ports[n]
		if p.enable {
			a.cmd.Acc[int(p.row)*a.n+a.fold.n0+n] = p.value
			if a.dataflow == npu.WeightStationary {
				a.outCount[n]++
			}
		}
	}
	clear(a.ports)
}
