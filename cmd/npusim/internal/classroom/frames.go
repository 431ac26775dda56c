package classroom

import (
	"fmt"
	"math"
	"strconv"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/rtl"
	"github.com/npusim/npusim/quant"
)

// frames turns the recorder's cycles into the page's frames, replaying the
// accumulator and output writes so that each frame also shows the memory,
// and measures each fold's cycles.
func (v *ArrayView) frames(recorded []rtl.Frame, variant quant.Variant, matmulCycles int) ([]Frame, []Fold) {
	acc, out := nullMatrix(v.M, v.N), nullMatrix(v.M, v.N)
	var frames []Frame
	var folds []Fold
	for _, r := range recorded {
		cycle := int(r.Cycle)
		f := Frame{Cycle: cycle, Unit: "done", Acc: copyMatrix(acc), Out: copyMatrix(out)}
		switch {
		case cycle < matmulCycles:
			f.Unit = "array"
		case cycle < matmulCycles+v.RequantCycles:
			f.Unit = "requant"
		}
		if a := r.Array; a != nil {
			v.arrayFrame(&f, a)
			for _, w := range f.Writes {
				acc[w.Row][w.Col] = ptr(w.Value)
			}
			if f.Unit == "array" {
				folds = countFold(folds, a, v.streamed(), cycle)
			}
		}
		if p := r.Requant; p != nil {
			f.Stages = v.stages(p, variant)
			for _, reg := range p.Stages[rtl.RequantDepth-1] {
				if reg.Valid { // the clamp stage is written out at the edge
					i := int(reg.Index)
					out[i/v.N][i%v.N] = ptr(int32(reg.X))
				}
			}
		}
		frames = append(frames, f)
	}
	return frames, folds
}

// streamed is the dimension every fold streams: the activation rows (M)
// in a weight-stationary array, the reduction (K) in an output-stationary one.
func (v *ArrayView) streamed() int {
	if v.Dataflow == string(npu.OutputStationary) {
		return v.K
	}
	return v.M
}

// arrayFrame copies the array's registers, edges and writes into f.
func (v *ArrayView) arrayFrame(f *Frame, a *rtl.ArrayFrame) {
	f.Phase, f.Fold, f.T = a.Phase.String(), a.Fold, a.T
	ws := v.Dataflow == string(npu.WeightStationary)
	f.PEs = make([][]PE, v.Rows)
	for r := range v.Rows {
		f.PEs[r] = make([]PE, v.Cols)
		for c := range v.Cols {
			p := a.PEs[r*v.Cols+c]
			pe := PE{Act: valid(p.Act, p.ActValid)}
			if ws {
				pe.Weight, pe.Psum = valid(p.Stationary, p.StationaryValid), valid(p.Down, p.DownValid)
			} else {
				pe.Weight, pe.Psum = valid(p.Down, p.DownValid), valid(p.Stationary, p.StationaryValid)
			}
			f.PEs[r][c] = pe
		}
	}
	for _, o := range a.West {
		f.West = append(f.West, valid(o.Value, o.Valid))
	}
	for _, o := range a.North {
		f.North = append(f.North, valid(o.Value, o.Valid))
	}
	for c, w := range a.Writes {
		if w.Enable {
			f.Writes = append(f.Writes, Write{Row: int(w.Row), Col: a.N0 + c, Value: w.Value})
		}
	}
}

// countFold adds a cycle to its fold, starting a new fold when the index
// changes; t is the dimension the folds stream.
func countFold(folds []Fold, a *rtl.ArrayFrame, t, cycle int) []Fold {
	if n := len(folds); n > 0 && folds[n-1].Index == a.Fold {
		folds[n-1].Cycles++
		return folds
	}
	f := Fold{Index: a.Fold, Rows: a.Rows, Cols: a.Cols, Streamed: t, K0: a.K0, N0: a.N0, Start: cycle, Cycles: 1}
	f.Formula = fmt.Sprintf("2×%d + %d + %d − 2 = %d",
		f.Rows, f.Cols, f.Streamed, npu.FoldCycles(f.Rows, f.Cols, f.Streamed))
	return append(folds, f)
}

// stages formats the requantization pipeline's valid registers.
func (v *ArrayView) stages(p *rtl.RequantFrame, variant quant.Variant) [][]*Stage {
	out := make([][]*Stage, rtl.RequantDepth)
	for s, lanes := range p.Stages {
		out[s] = make([]*Stage, len(lanes))
		for l, reg := range lanes {
			if !reg.Valid {
				continue
			}
			i := int(reg.Index)
			value := strconv.FormatInt(reg.X, 10)
			if variant.Mode == quant.FP32 && (s == 1 || s == 2) { // multiply, round: float32 bits
				value = fmt.Sprintf("%.9g", math.Float32frombits(uint32(reg.X)))
			}
			out[s][l] = &Stage{Row: i / v.N, Col: i % v.N, Value: value}
		}
	}
	return out
}

func valid(x int32, ok bool) *int32 {
	if !ok {
		return nil
	}
	return ptr(x)
}

func ptr(x int32) *int32 { return &x }

func nullMatrix(m, n int) [][]*int32 {
	out := make([][]*int32, m)
	for i := range out {
		out[i] = make([]*int32, n)
	}
	return out
}

func copyMatrix(a [][]*int32) [][]*int32 {
	out := make([][]*int32, len(a))
	for i, row := range a {
		out[i] = append([]*int32(nil), row...)
	}
	return out
}
