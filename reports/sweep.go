package reports

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/sim/experiment"
)

// ReferencePolicy is the policy every other policy of the same workload and
// hardware is compared with for speed and energy.
const ReferencePolicy = "reference"

// cell is one result of a sweep beside the reference result of its workload
// and hardware (nil when the sweep has none, or it failed).
type cell struct {
	*experiment.Result
	ref *experiment.Result
}

// withReferences pairs every result with its reference, keeping the order.
func withReferences(results []*experiment.Result) []cell {
	type group struct{ workload, hw string }
	refs := map[group]*experiment.Result{}
	for _, r := range results {
		g := group{r.Workload, r.HW}
		if r.Policy == ReferencePolicy && r.Error == "" && refs[g] == nil {
			refs[g] = r
		}
	}
	cells := make([]cell, len(results))
	for i, r := range results {
		cells[i] = cell{r, refs[group{r.Workload, r.HW}]}
	}
	return cells
}

// speedup is the reference's cycles over the cell's.
func (c cell) speedup() (float64, bool) {
	if c.ref == nil || c.Error != "" || c.Cycles == 0 {
		return 0, false
	}
	return float64(c.ref.Cycles) / float64(c.Cycles), true
}

// energyRatio is the cell's energy over the reference's.
func (c cell) energyRatio() (float64, bool) {
	if c.ref == nil || c.Error != "" || c.ref.EnergyUJ == 0 {
		return 0, false
	}
	return c.EnergyUJ / c.ref.EnergyUJ, true
}

// column is one column of a table or CSV file: its header and how a row's
// subject (a sweep cell without an error, a group of devices) shows in it.
type column[T any] struct {
	header string
	show   func(T) string
}

// The headers of the columns the HTML table styles.
const (
	verdictHeader = "NNAPI"
	digestHeader  = "digest"
)

// identityColumns name the cell; they show even when the cell failed.
const identityColumns = 3

// sweepColumns are the columns of the terminal and HTML sweep tables.
var sweepColumns = []column[cell]{
	{"workload", func(c cell) string { return c.Workload }},
	{"policy", func(c cell) string { return c.Policy }},
	{"hw", func(c cell) string { return c.HW }},
	{"latency ms", func(c cell) string { return significant(c.LatencyMs) }},
	{"cycles", func(c cell) string { return strconv.FormatUint(c.Cycles, 10) }},
	{"energy uJ", func(c cell) string { return significant(c.EnergyUJ) }},
	{"speed vs ref", func(c cell) string { return routed(ratio(c.speedup()), c.Result) }},
	{"energy vs ref", func(c cell) string { return routed(ratio(c.energyRatio()), c.Result) }},
	{"max LSB", func(c cell) string { return strconv.FormatInt(c.Output.MaxLSB, 10) }},
	{"changed", func(c cell) string { return share(c.Output.Changed) }},
	{"quality", func(c cell) string { return Quality(c.Result) }},
	{verdictHeader, func(c cell) string { return Verdict(c.Result) }},
	{digestHeader, func(c cell) string { return shortDigest(c.Digest) }},
	{"area mm2", func(c cell) string { return areaText(c.Result) }},
	{"exact area", func(c cell) string { return exactAreaText(c.Result) }},
}

// headers are the headers of columns.
func headers[T any](cols []column[T]) []string {
	h := make([]string, len(cols))
	for i, col := range cols {
		h[i] = col.header
	}
	return h
}

// significant formats a quantity with four significant digits, without an
// exponent from 10000 up: 0.01234, 1.5, 1234, 12346.
func significant(x float64) string {
	if math.Abs(x) >= 9999.5 {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

// ratio formats a ratio to the reference ("1.08x"), or "-" without one.
func ratio(x float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.2fx", x)
}

// share formats the share of changed values; unlike percent, zero shows
// as "0%".
func share(x float64) string {
	if x == 0 {
		return "0%"
	}
	return percent(x)
}

// shortDigest is the first 8 hex digits of a digest.
func shortDigest(d string) string {
	if len(d) > 8 {
		return d[:8]
	}
	return d
}

// shortError keeps the first line of an error message and at most n runes
// of it.
func shortError(msg string, n int) string {
	msg, _, _ = strings.Cut(msg, "\n")
	if r := []rune(msg); len(r) > n {
		return string(r[:n-3]) + "..."
	}
	return msg
}

// SweepTable prints a sweep as one table, a row per cell in the given order:
// cost (latency at the configured clock, cycles, energy per inference),
// speed and energy relative to the reference policy of the same workload and
// hardware (marked where the cell ran layers emulated or on the CPU),
// deviation from the reference interpreter, the task outcome, the NNAPI
// verdict and the start of the output digest. A cell that could not run
// shows a numbered error mark in place of its numbers; the errors follow
// the table, one line each, cells with the same error (one policy on one
// hardware, several workloads) sharing one.
func SweepTable(w io.Writer, results []*experiment.Result) error {
	t := newNamedTable(w, identityColumns, headers(sweepColumns)...)
	var errs errorNotes
	for _, c := range withReferences(results) {
		row := make([]string, len(sweepColumns))
		for i, col := range sweepColumns {
			switch {
			case c.Error == "" && c.Caveat != "" && deviationColumn(col.header):
				row[i] = col.show(c) + caveatMark
			case c.Error == "" || i < identityColumns:
				row[i] = col.show(c)
			case i == identityColumns:
				row[i] = fmt.Sprintf("error [%d]", errs.add(c.Result))
			}
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, note := range caveatNotes(results) {
		if _, err := fmt.Fprintln(w, note); err != nil {
			return err
		}
	}
	for k, e := range errs {
		_, err := fmt.Fprintf(w, "[%d] %s under %s on %s: %s\n",
			k+1, strings.Join(e.workloads, ", "), e.policy, e.hw, shortError(e.msg, 160))
		if err != nil {
			return err
		}
	}
	return nil
}

// errorNote is one error of a sweep table: a policy on a hardware failed
// with the same message on each of the workloads.
type errorNote struct {
	policy, hw, msg string
	workloads       []string
}

// errorNotes are a table's errors in order of first appearance.
type errorNotes []errorNote

// add records a failed cell and returns the number of its note, from 1.
func (n *errorNotes) add(r *experiment.Result) int {
	i := slices.IndexFunc(*n, func(e errorNote) bool { return e.policy == r.Policy && e.hw == r.HW && e.msg == r.Error })
	if i < 0 {
		*n = append(*n, errorNote{policy: r.Policy, hw: r.HW, msg: r.Error})
		i = len(*n) - 1
	}
	if e := &(*n)[i]; !slices.Contains(e.workloads, r.Workload) {
		e.workloads = append(e.workloads, r.Workload)
	}
	return i + 1
}

// routed adds to a ratio how the cell ran where it was not all native:
// "1.00x (emulated)".
func routed(s string, r *experiment.Result) string {
	if m := RouteMark(r); m != "" && s != "-" {
		return s + " (" + m + ")"
	}
	return s
}

// RouteMark says how a cell's layers ran where some did not run natively
// (their experiment.LayerResult.Route): "emulated", "CPU fallback", or
// "emulated + CPU"; empty when every layer ran natively.
func RouteMark(r *experiment.Result) string {
	var emulated, cpu bool
	for _, l := range r.Layers {
		if l.Route != nil {
			emulated = emulated || l.Route.Kind == drivers.RouteEmulated
			cpu = cpu || l.Route.Kind == drivers.RouteCPU
		}
	}
	switch {
	case emulated && cpu:
		return "emulated + CPU"
	case emulated:
		return "emulated"
	case cpu:
		return "CPU fallback"
	}
	return ""
}
