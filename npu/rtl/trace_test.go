package rtl

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

// dump is a parsed Value Change Dump: the declared signals by full dotted
// path, and the value of every signal at every rising clock edge.
type dump struct {
	timescale string
	width     map[string]int
	cycles    []map[string]uint64 // per rising edge, every signal's value
}

// parseDump reads a dump with a clock at clk whose rising edges are at
// multiples of period; it fails on a malformed line, a time going backwards,
// a change that repeats a signal's value, or a clock that does not toggle.
func parseDump(text string, clk string, period uint64) (*dump, error) {
	d := &dump{width: map[string]int{}}
	names := map[string]string{} // identifier code -> path
	var scopes []string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 0:
		case f[0] == "$timescale":
			d.timescale = strings.Join(f[1:len(f)-1], " ")
		case f[0] == "$scope":
			scopes = append(scopes, f[2])
		case f[0] == "$upscope":
			scopes = scopes[:len(scopes)-1]
		case f[0] == "$var":
			w, _ := strconv.Atoi(f[2])
			path := strings.Join(append(scopes[:len(scopes):len(scopes)], f[4]), ".")
			if _, dup := names[f[3]]; dup {
				return nil, fmt.Errorf("identifier %q declared twice", f[3])
			}
			names[f[3]], d.width[path] = path, w
		case f[0] == "$enddefinitions":
			return d, d.parseBody(sc, names, clk, period)
		}
	}
	return nil, fmt.Errorf("no $enddefinitions")
}

func (d *dump) parseBody(sc *bufio.Scanner, names map[string]string, clk string, period uint64) error {
	state := map[string]uint64{}
	var now uint64
	started := false
	// finish checks the clock at the time just read and keeps the values
	// of a rising edge.
	finish := func() error {
		if !started {
			return nil
		}
		rising := now%period == 0
		if state[clk] != flag(rising) {
			return fmt.Errorf("time %d: clock is %d", now, state[clk])
		}
		if rising {
			s := make(map[string]uint64, len(state))
			for k, v := range state {
				s[k] = v
			}
			d.cycles = append(d.cycles, s)
		}
		return nil
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "$dumpvars" || line == "$end":
		case strings.HasPrefix(line, "#"):
			t, err := strconv.ParseUint(line[1:], 10, 64)
			if err != nil || (started && t <= now) {
				return fmt.Errorf("bad time stamp %q after %d", line, now)
			}
			if err := finish(); err != nil {
				return err
			}
			now, started = t, true
		default:
			var id string
			var v uint64
			if line[0] == 'b' {
				val, code, ok := strings.Cut(line[1:], " ")
				x, err := strconv.ParseUint(val, 2, 64)
				if !ok || err != nil {
					return fmt.Errorf("bad vector change %q", line)
				}
				id, v = code, x
			} else {
				id, v = line[1:], uint64(line[0]-'0')
			}
			path, ok := names[id]
			if !ok || v >= 1<<d.width[path] && d.width[path] < 64 {
				return fmt.Errorf("change %q of an undeclared or too narrow signal", line)
			}
			if old, seen := state[path]; seen && old == v {
				return fmt.Errorf("time %d: %s repeats its value %d", now, path, v)
			}
			state[path] = v
		}
	}
	return finish()
}

// TestTraceDumpsTheRun traces a MatMul and its requantization and reads the
// results back out of the waveform: the accumulator write ports' values
// must rebuild the accumulators and the clamp stage's valid bits must count
// the outputs.
func TestTraceDumpsTheRun(t *testing.T) {
	for _, df := range []npu.Dataflow{npu.WeightStationary, npu.OutputStationary} {
		t.Run(string(df), func(t *testing.T) {
			clk := NewClock()
			a := MakeArrayBuilder().WithSize(2, 3).WithDataflow(df).WithClock(clk).Build("npu.array")
			rq := MakeRequantBuilder().WithLanes(4).WithClock(clk).Build("npu.requant")
			var buf bytes.Buffer
			tr := NewTracer(&buf, 500, "npu.clk")
			if err := tr.TraceArray(a, AllSignals); err != nil {
				t.Fatal(err)
			}
			if err := tr.TraceRequant(rq, AllSignals); err != nil {
				t.Fatal(err)
			}
			if err := tr.Attach(clk); err != nil {
				t.Fatal(err)
			}
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
			if err := tr.Close(); err != nil {
				t.Fatal(err)
			}
			// 500 MHz: 2 ns period, 1 ns time unit.
			d, err := parseDump(buf.String(), "npu.clk", 2)
			if err != nil {
				t.Fatal(err)
			}
			if d.timescale != "1 ns" || d.width["npu.array.pe_1_2.act"] != 9 || d.width["npu.requant.lane_3.multiply"] != 64 {
				t.Errorf("timescale %q, pe_1_2.act width %d, lane_3.multiply width %d", d.timescale, d.width["npu.array.pe_1_2.act"], d.width["npu.requant.lane_3.multiply"])
			}
			if want := mmCycles + rqCycles + 1; len(d.cycles) != want {
				t.Errorf("%d rising edges, want %d (every cycle and the final state)", len(d.cycles), want)
			}
			acc := make([]int32, len(mm.Acc))
			outputs := 0
			for _, s := range d.cycles {
				for n := range 3 {
					if s[fmt.Sprintf("npu.array.acc_%d.we", n)] == 1 {
						col := n + 3*(int(s["npu.array.fold"])%2) // two column folds of 3 (N = 5)
						if df == npu.WeightStationary {
							col = n + 3*(int(s["npu.array.fold"])/2) // two reduction folds per column fold (K = 4)
						}
						acc[int(s[fmt.Sprintf("npu.array.acc_%d.row", n)])*5+col] = int32(s[fmt.Sprintf("npu.array.acc_%d.data", n)])
					}
				}
				for l := range 4 {
					outputs += int(s[fmt.Sprintf("npu.requant.lane_%d.clamp_valid", l)])
				}
			}
			if i := firstDiff(acc, mm.Acc); i >= 0 {
				t.Errorf("accumulators from the waveform %v, the run's %v", acc, mm.Acc)
			}
			if outputs != 15 {
				t.Errorf("the clamp stage held %d valid outputs, want 15", outputs)
			}
		})
	}
}

func TestTracerRejectsLargeArrays(t *testing.T) {
	a := MakeArrayBuilder().WithSize(17, 16).Build("npu.array")
	tr := NewTracer(new(bytes.Buffer), 1000, "npu.clk")
	if err := tr.TraceArray(a, SignalPEs); err == nil {
		t.Error("PE registers of a 17x16 array: no error")
	}
	if err := NewTracer(new(bytes.Buffer), 1000, "npu.clk").TraceArray(a, SignalEdges|SignalPorts|SignalControl); err != nil {
		t.Errorf("edges of a 17x16 array: %v", err)
	}
}
