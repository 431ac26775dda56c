package rtl

import (
	"errors"
	"fmt"
)

// Recorder keeps a copy of the registers of an array and a requantization
// unit for every cycle, in memory, for programs that show the hardware at
// work (an animation) rather than write a waveform. It samples at the same
// moments as a Tracer, so a frame shows what the Tracer's dump shows at that
// cycle: the registers as the edge that ended the previous cycle left them,
// and the edge inputs and accumulator writes during the cycle.
//
// Record the components, Attach the clock, run the model, then Close.
type Recorder struct {
	clock     *Clock
	array     *Array
	requant   *Requant
	maxFrames int
	frames    []Frame
	err       error
}

// Frame is one cycle of the recorded components. Array or Requant is nil when
// that component is not recorded.
type Frame struct {
	Cycle   uint64
	Array   *ArrayFrame
	Requant *RequantFrame
}

// ArrayFrame is an array's state in one cycle.
type ArrayFrame struct {
	Phase Phase
	// Fold is the index of the fold in progress; Rows and Cols the rows and
	// columns of the array it uses; M0, K0 and N0 its first output row,
	// reduction index and output column; T the cycle within the phase.
	Fold, Rows, Cols int
	M0, K0, N0, T    int
	// West and North are the operands entering the array this cycle, one per
	// row and one per column.
	West, North []Operand
	// PEs are the processing elements' registers, row-major.
	PEs []PE
	// Writes are the accumulator write ports, one per column.
	Writes []AccWrite
}

// AccWrite is one column's accumulator write port in one cycle: when Enable
// is set, Value is written to row Row of the command's accumulator block, in
// column N0 plus the port's index, at the edge that ends the cycle.
type AccWrite struct {
	Enable bool
	Row    int32
	Value  int32
}

// RequantFrame is a requantization unit's pipeline in one cycle:
// Stages[s][l] is stage s of lane l (bias, multiply, round, shift, zero point,
// clamp).
type RequantFrame struct {
	Stages [RequantDepth][]StageRegister
}

// StageRegister is one pipeline register. X is the datapath value as the
// stage holds it (see the stage order in RequantDepth); in FP32 mode the
// multiply and round stages hold a float32's bits. Index is the output
// element it belongs to.
type StageRegister struct {
	Valid bool
	X     int64
	Index int32
}

// StageName names stage s of the requantization pipeline ("bias", "multiply",
// "round", "shift", "zero_point", "clamp").
func StageName(s int) string { return stageNames[s] }

// NewRecorder returns a recorder that keeps at most maxFrames cycles; a model
// that runs longer makes Close return an error.
func NewRecorder(maxFrames int) *Recorder {
	return &Recorder{maxFrames: maxFrames}
}

// RecordArray records an array's controller, edges, write ports and PEs.
func (r *Recorder) RecordArray(a *Array) { r.array = a }

// RecordRequant records a requantization unit's stage registers.
func (r *Recorder) RecordRequant(p *Requant) { r.requant = p }

// Attach makes the recorder sample every cycle of the clock.
func (r *Recorder) Attach(c *Clock) error {
	if c.probe != nil {
		return errors.New("rtl: the clock already has a tracer or recorder")
	}
	r.clock = c
	c.probe = r.sample
	return nil
}

// sample copies one cycle's state.
func (r *Recorder) sample(cycle uint64) {
	if r.err != nil {
		return
	}
	if len(r.frames) >= r.maxFrames {
		r.err = fmt.Errorf("rtl: the model ran more than the %d cycles the recorder keeps", r.maxFrames)
		return
	}
	f := Frame{Cycle: cycle}
	if a := r.array; a != nil {
		f.Array = &ArrayFrame{
			Phase: a.fold.phase, Fold: a.fold.index, Rows: a.fold.rows, Cols: a.fold.cols,
			M0: a.fold.m0, K0: a.fold.k0, N0: a.fold.n0, T: a.fold.t,
			West: append([]Operand(nil), a.west...), North: append([]Operand(nil), a.north...),
			PEs: append([]PE(nil), a.cur...), Writes: make([]AccWrite, len(a.ports)),
		}
		for i, p := range a.ports {
			f.Array.Writes[i] = AccWrite{Enable: p.enable, Row: p.row, Value: p.value}
		}
	}
	if p := r.requant; p != nil {
		f.Requant = &RequantFrame{}
		for s := range RequantDepth {
			regs := make([]StageRegister, p.lanes)
			for l, st := range p.cur[s*p.lanes : (s+1)*p.lanes] {
				regs[l] = StageRegister{Valid: st.Valid, X: st.X, Index: st.Index}
			}
			f.Requant.Stages[s] = regs
		}
	}
	r.frames = append(r.frames, f)
}

// Close samples the registers' final values (the edge that ended the last
// cycle), detaches the recorder from the clock and returns the frames, one
// per cycle and a last one after the final edge.
func (r *Recorder) Close() ([]Frame, error) {
	if r.clock != nil {
		r.sample(r.clock.cycle)
		r.clock.probe = nil
		r.clock = nil
	}
	if r.err != nil {
		return nil, r.err
	}
	return r.frames, nil
}
