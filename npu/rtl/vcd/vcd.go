// Package vcd writes Value Change Dump files, the waveform format of IEEE
// 1364-2005 section 18 that every waveform viewer reads.
//
// A dump has two parts. The header declares the time unit ($timescale) and
// every signal ($var) inside a tree of module scopes; the body is a list of
// time stamps (#t), each followed by the signals that changed at that time.
// A Writer takes the signals as dotted paths ("npu.array.pe_0_0.psum": scopes
// npu, array and pe_0_0, signal psum), builds the scope tree in declaration
// order, and writes a value only when it differs from the last one written,
// which is what keeps dumps of mostly idle hardware small.
//
//	w := vcd.NewWriter(f, vcd.Timescale{Magnitude: 1, Unit: "ns"})
//	clk, _ := w.Var("top.clk", 1)
//	w.EndDefinitions()
//	w.Time(0)
//	w.Set(clk, 1)
//	...
//	err := w.Close()
package vcd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Timescale is the unit of the dump's time stamps: Magnitude (1, 10 or 100)
// times Unit (s, ms, us, ns, ps or fs).
type Timescale struct {
	Magnitude int
	Unit      string
}

var units = []string{"fs", "ps", "ns", "us", "ms", "s"}

// String renders the timescale as the header writes it ("10 ps").
func (t Timescale) String() string { return fmt.Sprintf("%d %s", t.Magnitude, t.Unit) }

func (t Timescale) valid() bool {
	magnitude := t.Magnitude == 1 || t.Magnitude == 10 || t.Magnitude == 100
	return magnitude && strings.Contains(" fs ps ns us ms s ", " "+t.Unit+" ")
}

// Femtoseconds is the timescale's length in femtoseconds.
func (t Timescale) Femtoseconds() float64 {
	f := float64(t.Magnitude)
	for _, u := range units {
		if u == t.Unit {
			return f
		}
		f *= 1000
	}
	return 0
}

// CoarsestTimescale returns the coarsest timescale in which a duration of fs
// femtoseconds is a whole number of units, and that number. Durations that
// are not whole femtoseconds are rounded to them.
func CoarsestTimescale(fs float64) (Timescale, uint64) {
	n := uint64(fs + 0.5)
	if n == 0 {
		return Timescale{1, "fs"}, 0
	}
	mag, unit := 1, 0
	for n%10 == 0 && (unit < len(units)-1 || mag < 100) {
		n /= 10
		if mag *= 10; mag == 1000 {
			mag, unit = 1, unit+1
		}
	}
	return Timescale{mag, units[unit]}, n
}

// Var identifies a declared signal.
type Var int

// ErrDeclarationsClosed is returned by Var after EndDefinitions.
var ErrDeclarationsClosed = errors.New("vcd: signals must be declared before EndDefinitions")

// Writer writes one VCD file. Its methods record the first error and turn
// later calls into no-ops; Close returns the first error.
type Writer struct {
	out       *bufio.Writer
	timescale Timescale
	version   string

	root   *scope
	vars   []variable
	ended  bool
	time   uint64
	timed  bool // a time stamp has been written
	inDump bool // inside the initial $dumpvars block
	stamp  bool // the current time's stamp is still to be written
	err    error
	buf    []byte
}

type variable struct {
	id    string
	name  string
	width int
	last  uint64
	known bool // last holds a written value
}

type scope struct {
	name     string
	children []*scope
	vars     []Var
}

func (s *scope) child(name string) *scope {
	for _, c := range s.children {
		if c.name == name {
			return c
		}
	}
	c := &scope{name: name}
	s.children = append(s.children, c)
	return c
}

// NewWriter starts a dump on out with the given timescale.
func NewWriter(out io.Writer, ts Timescale) *Writer {
	w := &Writer{out: bufio.NewWriterSize(out, 64<<10), timescale: ts, version: "npusim", root: &scope{}}
	if !ts.valid() {
		w.err = fmt.Errorf("vcd: bad timescale %q (want 1, 10 or 100 of s, ms, us, ns, ps, fs)", ts)
	}
	return w
}

// Var declares a signal of width bits (1 to 64) at a dotted path: every
// element but the last names a module scope, the last the signal.
func (w *Writer) Var(path string, width int) (Var, error) {
	if w.ended {
		return 0, ErrDeclarationsClosed
	}
	parts := strings.Split(path, ".")
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t\n$") {
			return 0, fmt.Errorf("vcd: bad signal path %q", path)
		}
	}
	if width < 1 || width > 64 {
		return 0, fmt.Errorf("vcd: signal %s: width %d outside 1..64", path, width)
	}
	s := w.root
	for _, p := range parts[:len(parts)-1] {
		s = s.child(p)
	}
	v := Var(len(w.vars))
	w.vars = append(w.vars, variable{id: identifier(len(w.vars)), name: parts[len(parts)-1], width: width})
	s.vars = append(s.vars, v)
	return v, nil
}

// identifier is the n-th short identifier code: base 94 over the printable
// characters '!' to '~'.
func identifier(n int) string {
	var b []byte
	for {
		b = append(b, byte('!'+n%94))
		n /= 94
		if n == 0 {
			return string(b)
		}
		n--
	}
}

// EndDefinitions writes the header: version, timescale and the scope tree.
func (w *Writer) EndDefinitions() error {
	if w.err != nil || w.ended {
		return w.err
	}
	w.ended = true
	fmt.Fprintf(w.out, "$version %s $end\n$timescale %s $end\n", w.version, w.timescale)
	for _, s := range w.root.children {
		w.writeScope(s)
	}
	for _, v := range w.root.vars {
		w.writeVar(v)
	}
	w.put("$enddefinitions $end\n")
	return w.err
}

func (w *Writer) writeScope(s *scope) {
	fmt.Fprintf(w.out, "$scope module %s $end\n", s.name)
	for _, v := range s.vars {
		w.writeVar(v)
	}
	for _, c := range s.children {
		w.writeScope(c)
	}
	w.put("$upscope $end\n")
}

// put writes s to the output, recording the first error.
func (w *Writer) put(s string) {
	if _, err := w.out.WriteString(s); err != nil && w.err == nil {
		w.err = err
	}
}

func (w *Writer) writeVar(v Var) {
	x := &w.vars[v]
	fmt.Fprintf(w.out, "$var wire %d %s %s $end\n", x.width, x.id, x.name)
}

// Time moves the dump to time t (in timescale units, never decreasing). The
// stamp is written with the first change at t; the changes at the first time
// form the initial $dumpvars block.
func (w *Writer) Time(t uint64) error {
	if err := w.EndDefinitions(); err != nil {
		return err
	}
	if w.timed && t < w.time {
		w.err = fmt.Errorf("vcd: time %d before %d", t, w.time)
		return w.err
	}
	if t != w.time || !w.timed {
		w.time, w.stamp = t, true
	}
	return nil
}

// Set records a signal's value at the current time (its low width bits); it
// writes nothing when the value has not changed.
func (w *Writer) Set(v Var, value uint64) {
	if w.err != nil {
		return
	}
	x := &w.vars[v]
	if x.width < 64 {
		value &= 1<<x.width - 1
	}
	if x.known && x.last == value {
		return
	}
	x.last, x.known = value, true
	if w.stamp {
		w.writeStamp()
	}
	b := w.buf[:0]
	if x.width == 1 {
		b = append(b, byte('0'+value))
	} else {
		b = append(b, 'b')
		b = strconv.AppendUint(b, value, 2)
		b = append(b, ' ')
	}
	b = append(b, x.id...)
	b = append(b, '\n')
	w.buf = b
	if _, err := w.out.Write(b); err != nil {
		w.err = err
	}
}

func (w *Writer) writeStamp() {
	w.stamp = false
	if w.inDump {
		w.put("$end\n")
		w.inDump = false
	}
	w.put("#" + strconv.FormatUint(w.time, 10) + "\n")
	if !w.timed {
		w.put("$dumpvars\n")
		w.inDump = true
	}
	w.timed = true
}

// Close ends the dump and flushes it; it does not close the underlying
// writer. When Time moved past the last change, the final stamp is written,
// so that a viewer shows the last values up to it. Close returns the first
// error of the whole dump.
func (w *Writer) Close() error {
	if err := w.EndDefinitions(); err != nil {
		return err
	}
	if w.inDump {
		w.put("$end\n")
		w.inDump = false
	}
	if w.timed && w.stamp {
		fmt.Fprintf(w.out, "#%d\n", w.time)
	}
	if err := w.out.Flush(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}
