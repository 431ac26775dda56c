package vcd

import (
	"bytes"
	"errors"
	"testing"
)

// TestWriterOutput holds a small dump to its expected text, checked by hand
// against IEEE 1364-2005 section 18: nested scopes, identifier codes, the
// initial $dumpvars block, scalar and vector changes, unchanged values left
// out, and a final stamp for a time that had no change.
func TestWriterOutput(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Timescale{1, "ns"})
	clk, _ := w.Var("top.clk", 1)
	data, _ := w.Var("top.dut.data", 8)
	wide, _ := w.Var("top.dut.wide", 64)
	if err := w.EndDefinitions(); err != nil {
		t.Fatal(err)
	}
	at(t, w, 0)
	w.Set(clk, 0)
	w.Set(data, 5)
	w.Set(wide, 1<<63)
	at(t, w, 5)
	w.Set(clk, 1)
	w.Set(data, 5+256) // the low 8 bits did not change
	at(t, w, 7)        // nothing changes at 7: no stamp
	at(t, w, 10)
	w.Set(clk, 0)
	w.Set(data, 0xff)
	at(t, w, 15)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	want := `$version npusim $end
$timescale 1 ns $end
$scope module top $end
$var wire 1 ! clk $end
$scope module dut $end
$var wire 8 " data $end
$var wire 64 # wide $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
$dumpvars
0!
b101 "
b1000000000000000000000000000000000000000000000000000000000000000 #
$end
#5
1!
#10
0!
b11111111 "
#15
`
	if got := buf.String(); got != want {
		t.Errorf("dump:\n%s\nwant:\n%s", got, want)
	}
}

// at moves w to time ts, failing the test if the writer refuses.
func at(t *testing.T, w *Writer, ts uint64) {
	t.Helper()
	if err := w.Time(ts); err != nil {
		t.Fatalf("Time(%d): %v", ts, err)
	}
}

func TestWriterErrors(t *testing.T) {
	w := NewWriter(new(bytes.Buffer), Timescale{1, "ns"})
	for _, c := range []struct {
		path  string
		width int
	}{{"top..x", 1}, {"top.a b", 1}, {"top.x", 0}, {"top.x", 65}, {"", 1}} {
		if _, err := w.Var(c.path, c.width); err == nil {
			t.Errorf("Var(%q, %d): no error", c.path, c.width)
		}
	}
	v, err := w.Var("top.x", 4)
	if err != nil {
		t.Fatal(err)
	}
	at(t, w, 10)
	w.Set(v, 3)
	if _, err := w.Var("top.y", 1); !errors.Is(err, ErrDeclarationsClosed) {
		t.Errorf("Var after the header: %v, want ErrDeclarationsClosed", err)
	}
	if err := w.Time(9); err == nil {
		t.Error("time going backwards: no error")
	}
	if err := w.Close(); err == nil {
		t.Error("Close after a bad time: no error")
	}
	if err := NewWriter(new(bytes.Buffer), Timescale{3, "ns"}).Close(); err == nil {
		t.Error("timescale 3 ns: no error")
	}
}

func TestIdentifiersAreUniqueAndPrintable(t *testing.T) {
	seen := map[string]int{}
	for n := range 100000 {
		id := identifier(n)
		for _, c := range []byte(id) {
			if c < '!' || c > '~' {
				t.Fatalf("identifier(%d) = %q has a non-printable byte", n, id)
			}
		}
		if prev, ok := seen[id]; ok {
			t.Fatalf("identifier(%d) = identifier(%d) = %q", n, prev, id)
		}
		seen[id] = n
	}
	if identifier(0) != "!" || identifier(93) != "~" || identifier(94) != "!!" {
		t.Errorf("identifiers 0, 93, 94: %q %q %q", identifier(0), identifier(93), identifier(94))
	}
}

func TestCoarsestTimescale(t *testing.T) {
	cases := []struct {
		fs   float64
		want Timescale
		n    uint64
	}{
		{1e6, Timescale{1, "ns"}, 1},     // half a 500 MHz period
		{5e5, Timescale{100, "ps"}, 5},   // half a 1 GHz period
		{625e3, Timescale{1, "ps"}, 625}, // half an 800 MHz period
		{1041666.67, Timescale{1, "fs"}, 1041667},
		{2e15, Timescale{1, "s"}, 2},
		{3e18, Timescale{100, "s"}, 30}, // no unit beyond 100 s
	}
	for _, c := range cases {
		ts, n := CoarsestTimescale(c.fs)
		if ts != c.want || n != c.n {
			t.Errorf("CoarsestTimescale(%v) = %v, %d; want %v, %d", c.fs, ts, n, c.want, c.n)
		}
		if ts.Femtoseconds()*float64(n) != float64(uint64(c.fs+0.5)) {
			t.Errorf("%v x %d is not %v fs", ts, n, c.fs)
		}
	}
}

// failingWriter refuses every write, as a full disk does.
type failingWriter struct{}

var errFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errFull }

// TestWriterReportsWriteErrors: a dump larger than the writer's buffer
// meets the failing write while it runs; Time then and Close at the end
// return that error, and Close of a small dump returns it from the flush.
func TestWriterReportsWriteErrors(t *testing.T) {
	for _, cycles := range []uint64{1, 100000} {
		w := NewWriter(failingWriter{}, Timescale{1, "ns"})
		v, err := w.Var("top.count", 32)
		if err != nil {
			t.Fatal(err)
		}
		var timeErr error
		for c := uint64(0); c < cycles && timeErr == nil; c++ {
			if timeErr = w.Time(c); timeErr == nil {
				w.Set(v, c)
			}
		}
		if cycles > 1 && !errors.Is(timeErr, errFull) {
			t.Errorf("%d cycles: Time returned %v, want the write error", cycles, timeErr)
		}
		if err := w.Close(); !errors.Is(err, errFull) {
			t.Errorf("%d cycles: Close returned %v, want the write error", cycles, err)
		}
	}
}
