package rtl

import (
	"errors"
	"fmt"
	"io"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/rtl/vcd"
)

// Signals selects groups of signals to trace.
type Signals uint8

// The groups of signals.
const (
	// SignalControl is the array controller's phase, fold index and the
	// rows and columns the fold uses.
	SignalControl Signals = 1 << iota
	// SignalEdges are the operands entering the array at its west and north
	// edges, with their valid and last bits.
	SignalEdges
	// SignalPorts are the accumulator write ports below the array.
	SignalPorts
	// SignalPEs are every PE's registers and valid bits.
	SignalPEs
	// SignalStages are the requantization pipeline's stage registers and
	// valid bits.
	SignalStages

	// AllSignals selects every group.
	AllSignals = SignalControl | SignalEdges | SignalPorts | SignalPEs | SignalStages
)

// MaxTracedPEs is the largest array whose PE registers a Tracer dumps
// (16 x 16): beyond it a dump grows past what a viewer shows usefully.
const MaxTracedPEs = 256

// operandBits is the width of the operand bus: a zero-point-corrected 8-bit
// value lies in -255..255.
const operandBits = 9

// Tracer samples a model's signals once per cycle into a Value Change Dump.
// Declare the signals (TraceArray, TraceRequant), Attach the clock, run the
// model, then Close. In the dump, cycle t begins at time t x period with a
// rising clock edge: the registers show their values after the edge that
// ended cycle t-1, and the edge inputs and write ports their values during
// cycle t.
type Tracer struct {
	w       *vcd.Writer
	half    uint64 // half a clock period, in the dump's time unit
	clk     vcd.Var
	clock   *Clock
	signals []signal
	err     error
}

// signal is one traced value and how to read it.
type signal struct {
	v   vcd.Var
	get func() uint64
}

// NewTracer starts a dump on out for a clock of clockMHz, with the clock
// signal at clockPath ("npu.clk"). The time unit is the coarsest in which
// half a period is a whole number (a 500 MHz clock dumps in 1 ns units).
func NewTracer(out io.Writer, clockMHz float64, clockPath string) *Tracer {
	if !(clockMHz > 0) {
		return &Tracer{err: fmt.Errorf("rtl: trace clock %v MHz must be positive", clockMHz)}
	}
	ts, half := vcd.CoarsestTimescale(1e9 / clockMHz / 2)
	if half == 0 {
		return &Tracer{err: fmt.Errorf("rtl: trace clock %v MHz is too fast for femtosecond time stamps", clockMHz)}
	}
	t := &Tracer{w: vcd.NewWriter(out, ts), half: half}
	t.clk = t.declare(clockPath, 1, nil)
	return t
}

// declare adds a signal; get is nil for the clock, which sample drives.
func (t *Tracer) declare(path string, width int, get func() uint64) vcd.Var {
	if t.err != nil {
		return 0
	}
	v, err := t.w.Var(path, width)
	if err != nil {
		t.err = err
		return 0
	}
	if get != nil {
		t.signals = append(t.signals, signal{v, get})
	}
	return v
}

func flag(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// bits returns a signed value's two's complement (the dump keeps the low
// bits of its width).
func bits(x int32) uint64 { return uint64(uint32(x)) }

// TraceArray declares the selected signals of an array under its name
// (npu.array.west_0.data, npu.array.pe_1_2.psum, npu.array.acc_3.we, ...).
// Weight-stationary PEs show weight, act and psum registers;
// output-stationary ones acc, act and weight. PE registers are dumped only
// for arrays of at most MaxTracedPEs elements.
func (t *Tracer) TraceArray(a *Array, sel Signals) error {
	if sel&SignalPEs != 0 && a.rows*a.cols > MaxTracedPEs {
		return fmt.Errorf("rtl: trace %s: %dx%d array exceeds the %d PEs whose registers a trace dumps",
			a.name, a.rows, a.cols, MaxTracedPEs)
	}
	n := a.name
	if sel&SignalControl != 0 {
		t.declare(n+".phase", 2, func() uint64 { return uint64(a.fold.phase) })
		t.declare(n+".fold", 16, func() uint64 { return uint64(a.fold.index) })
		t.declare(n+".rows_used", 11, func() uint64 { return uint64(a.fold.rows) })
		t.declare(n+".cols_used", 11, func() uint64 { return uint64(a.fold.cols) })
	}
	if sel&SignalEdges != 0 {
		for k := range a.rows {
			p := fmt.Sprintf("%s.west_%d.", n, k)
			t.declare(p+"data", operandBits, func() uint64 { return bits(a.west[k].Value) })
			t.declare(p+"valid", 1, func() uint64 { return flag(a.west[k].Valid) })
			t.declare(p+"last", 1, func() uint64 { return flag(a.west[k].Last) })
		}
		for c := range a.cols {
			p := fmt.Sprintf("%s.north_%d.", n, c)
			t.declare(p+"data", operandBits, func() uint64 { return bits(a.north[c].Value) })
			t.declare(p+"valid", 1, func() uint64 { return flag(a.north[c].Valid) })
		}
	}
	if sel&SignalPorts != 0 {
		for c := range a.cols {
			p := fmt.Sprintf("%s.acc_%d.", n, c)
			t.declare(p+"we", 1, func() uint64 { return flag(a.ports[c].enable) })
			t.declare(p+"row", 16, func() uint64 { return uint64(a.ports[c].row) })
			t.declare(p+"data", 32, func() uint64 { return bits(a.ports[c].value) })
		}
	}
	if sel&SignalPEs != 0 {
		stat, statBits, down, downBits := "weight", operandBits, "psum", 32
		if a.dataflow == npu.OutputStationary {
			stat, statBits, down, downBits = "acc", 32, "weight", operandBits
		}
		for r := range a.rows {
			for c := range a.cols {
				i := r*a.cols + c
				p := fmt.Sprintf("%s.pe_%d_%d.", n, r, c)
				t.declare(p+stat, statBits, func() uint64 { return bits(a.cur[i].Stationary) })
				t.declare(p+stat+"_valid", 1, func() uint64 { return flag(a.cur[i].StationaryValid) })
				t.declare(p+"act", operandBits, func() uint64 { return bits(a.cur[i].Act) })
				t.declare(p+"act_valid", 1, func() uint64 { return flag(a.cur[i].ActValid) })
				t.declare(p+"act_last", 1, func() uint64 { return flag(a.cur[i].ActLast) })
				t.declare(p+down, downBits, func() uint64 { return bits(a.cur[i].Down) })
				t.declare(p+down+"_valid", 1, func() uint64 { return flag(a.cur[i].DownValid) })
			}
		}
	}
	return t.err
}

// stageBits are the widths of the stage registers' datapaths: the biased
// accumulator, the 64-bit product (or a float32), the rounded product, the
// scaled int32, the int32 plus a zero point, the output.
var stageBits = [RequantDepth]int{32, 64, 64, 32, 34, 32}

// TraceRequant declares a requantization unit's stage registers and valid
// bits under its name (npu.requant.lane_0.multiply, ...multiply_valid).
func (t *Tracer) TraceRequant(p *Requant, sel Signals) error {
	if sel&SignalStages == 0 {
		return t.err
	}
	for l := range p.lanes {
		for s := range RequantDepth {
			i := s*p.lanes + l
			path := fmt.Sprintf("%s.lane_%d.%s", p.name, l, stageNames[s])
			t.declare(path, stageBits[s], func() uint64 { return uint64(p.cur[i].X) })
			t.declare(path+"_valid", 1, func() uint64 { return flag(p.cur[i].Valid) })
		}
	}
	return t.err
}

// Signals is the number of signals declared, the clock included.
func (t *Tracer) Signals() int { return len(t.signals) + 1 }

// Attach makes the tracer sample every cycle of the clock; the declarations
// are closed by the first sample.
func (t *Tracer) Attach(c *Clock) error {
	if t.err != nil {
		return t.err
	}
	if c.probe != nil {
		return errors.New("rtl: the clock already has a tracer")
	}
	t.clock = c
	c.probe = t.sample
	return nil
}

// sample dumps one cycle: the rising edge that begins it with every signal's
// value, and the falling edge half a period later.
func (t *Tracer) sample(cycle uint64) {
	if t.err != nil {
		return
	}
	if t.err = t.w.Time(2 * t.half * cycle); t.err != nil {
		return
	}
	t.w.Set(t.clk, 1)
	for _, s := range t.signals {
		t.w.Set(s.v, s.get())
	}
	if t.err = t.w.Time(2*t.half*cycle + t.half); t.err != nil {
		return
	}
	t.w.Set(t.clk, 0)
}

// Close samples the registers' final values (the edge that ended the last
// cycle), detaches the tracer from the clock and flushes the dump.
func (t *Tracer) Close() error {
	if t.err != nil {
		return t.err
	}
	if t.clock != nil {
		t.sample(t.clock.cycle)
		t.clock.probe = nil
	}
	return t.w.Close()
}
