package rtl

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

// runTraced runs a 3 x 4 x 5 product and its requantization on a 2 x 3 array
// and a 4-lane pipeline, with the clock's probe given by attach.
func runTraced(t *testing.T, df npu.Dataflow, attach func(*Clock, *Array, *Requant)) (*MatMul, *RequantCommand, int) {
	t.Helper()
	clk := NewClock()
	a := MakeArrayBuilder().WithSize(2, 3).WithDataflow(df).WithClock(clk).Build("npu.array")
	rq := MakeRequantBuilder().WithLanes(4).WithClock(clk).Build("npu.requant")
	attach(clk, a, rq)
	mm := countingMatMul(3, 4, 5)
	mmCycles, err := a.Run(mm)
	if err != nil {
		t.Fatal(err)
	}
	rc := &RequantCommand{M: 3, N: 5, Acc: mm.Acc, Bias: make([]int32, 5), Multipliers: make([]quant.Multiplier, 5),
		Lo: -128, Hi: 127, Out: make([]int32, 15)}
	for i := range rc.Multipliers {
		rc.Multipliers[i] = quant.Multiplier{Q: 1 << 30, Shift: -2} // / 8
	}
	rqCycles, err := rq.Run(rc)
	if err != nil {
		t.Fatal(err)
	}
	return mm, rc, mmCycles + rqCycles
}

// frameSignals names a frame's values as the Tracer names its signals.
func frameSignals(f Frame, df npu.Dataflow) map[string]uint64 {
	s := map[string]uint64{}
	a := f.Array
	s["npu.array.phase"], s["npu.array.fold"] = uint64(a.Phase), uint64(a.Fold)
	s["npu.array.rows_used"], s["npu.array.cols_used"] = uint64(a.Rows), uint64(a.Cols)
	for k, o := range a.West {
		p := fmt.Sprintf("npu.array.west_%d.", k)
		s[p+"data"], s[p+"valid"], s[p+"last"] = bits(o.Value), flag(o.Valid), flag(o.Last)
	}
	for c, o := range a.North {
		p := fmt.Sprintf("npu.array.north_%d.", c)
		s[p+"data"], s[p+"valid"] = bits(o.Value), flag(o.Valid)
	}
	for c, w := range a.Writes {
		p := fmt.Sprintf("npu.array.acc_%d.", c)
		s[p+"we"], s[p+"row"], s[p+"data"] = flag(w.Enable), uint64(w.Row), bits(w.Value)
	}
	stat, down := "weight", "psum"
	if df == npu.OutputStationary {
		stat, down = "acc", "weight"
	}
	for i, pe := range a.PEs {
		p := fmt.Sprintf("npu.array.pe_%d_%d.", i/3, i%3)
		s[p+stat], s[p+stat+"_valid"] = bits(pe.Stationary), flag(pe.StationaryValid)
		s[p+"act"], s[p+"act_valid"], s[p+"act_last"] = bits(pe.Act), flag(pe.ActValid), flag(pe.ActLast)
		s[p+down], s[p+down+"_valid"] = bits(pe.Down), flag(pe.DownValid)
	}
	for st, lanes := range f.Requant.Stages {
		for l, r := range lanes {
			p := fmt.Sprintf("npu.requant.lane_%d.%s", l, StageName(st))
			s[p], s[p+"_valid"] = uint64(r.X), flag(r.Valid)
		}
	}
	return s
}

// TestRecorderMatchesTracer records a run and traces the same run, and
// holds every recorded register, edge and port to the waveform's value in
// every cycle.
func TestRecorderMatchesTracer(t *testing.T) {
	for _, df := range []npu.Dataflow{npu.WeightStationary, npu.OutputStationary} {
		t.Run(string(df), func(t *testing.T) {
			var buf bytes.Buffer
			tr := NewTracer(&buf, 500, "npu.clk")
			_, _, cycles := runTraced(t, df, func(c *Clock, a *Array, rq *Requant) {
				for _, err := range []error{tr.TraceArray(a, AllSignals), tr.TraceRequant(rq, AllSignals), tr.Attach(c)} {
					if err != nil {
						t.Fatal(err)
					}
				}
			})
			if err := tr.Close(); err != nil {
				t.Fatal(err)
			}
			d, err := parseDump(buf.String(), "npu.clk", 2)
			if err != nil {
				t.Fatal(err)
			}
			rec := NewRecorder(1000)
			mm, rc, _ := runTraced(t, df, func(c *Clock, a *Array, rq *Requant) {
				rec.RecordArray(a)
				rec.RecordRequant(rq)
				if err := rec.Attach(c); err != nil {
					t.Fatal(err)
				}
			})
			frames, err := rec.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(frames) != cycles+1 || len(d.cycles) != cycles+1 {
				t.Fatalf("%d frames and %d dumped cycles, want %d (every cycle and the final state)", len(frames), len(d.cycles), cycles+1)
			}
			mismatches := 0
			for i, f := range frames {
				if f.Cycle != uint64(i) {
					t.Fatalf("frame %d is cycle %d", i, f.Cycle)
				}
				for name, v := range frameSignals(f, df) {
					w := d.width[name]
					if w == 0 {
						t.Fatalf("the tracer has no signal %s", name)
					}
					if w < 64 {
						v &= 1<<w - 1
					}
					if got := d.cycles[i][name]; got != v && mismatches < 10 {
						mismatches++
						t.Errorf("cycle %d: %s recorded %d, dumped %d", i, name, v, got)
					}
				}
			}
			acc, out := replay(frames, mm.N)
			if i := firstDiff(acc, mm.Acc); i >= 0 {
				t.Errorf("accumulators replayed from the frames %v, the run's %v", acc, mm.Acc)
			}
			if i := firstDiff(out, rc.Out); i >= 0 {
				t.Errorf("outputs replayed from the frames %v, the run's %v", out, rc.Out)
			}
		})
	}
}

// replay rebuilds the accumulators from the recorded write ports and the
// outputs from the clamp stage's valid registers.
func replay(frames []Frame, n int) (acc, out []int32) {
	acc, out = make([]int32, 3*n), make([]int32, 3*n)
	for _, f := range frames {
		for c, w := range f.Array.Writes {
			if w.Enable {
				acc[int(w.Row)*n+f.Array.N0+c] = w.Value
			}
		}
		for _, r := range f.Requant.Stages[RequantDepth-1] {
			if r.Valid {
				out[r.Index] = int32(r.X)
			}
		}
	}
	return acc, out
}

func TestRecorderLimits(t *testing.T) {
	clk := NewClock()
	a := MakeArrayBuilder().WithSize(2, 2).WithClock(clk).Build("npu.array")
	rec := NewRecorder(5)
	rec.RecordArray(a)
	if err := rec.Attach(clk); err != nil {
		t.Fatal(err)
	}
	if err := NewRecorder(5).Attach(clk); err == nil {
		t.Error("a second recorder on the same clock: no error")
	}
	if _, err := a.Run(countingMatMul(4, 2, 2)); err != nil { // 2*2 + 2 + 4 - 2 = 8 cycles
		t.Fatal(err)
	}
	if _, err := rec.Close(); err == nil {
		t.Error("8 cycles into a 5-frame recorder: no error")
	}
}
