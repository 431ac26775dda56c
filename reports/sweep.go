package reports

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

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
	{"speed vs ref", func(c cell) string { return ratio(c.speedup()) }},
	{"energy vs ref", func(c cell) string { return ratio(c.energyRatio()) }},
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
// hardware, deviation from the reference interpreter, the task outcome, the
// NNAPI verdict and the start of the output digest. A cell that could not
// run shows a numbered error mark in place of its numbers; the errors follow
// the table, one line each.
func SweepTable(w io.Writer, results []*experiment.Result) error {
	t := newNamedTable(w, identityColumns, headers(sweepColumns)...)
	var errs []string
	for _, c := range withReferences(results) {
		row := make([]string, len(sweepColumns))
		for i, col := range sweepColumns {
			switch {
			case c.Error == "" || i < identityColumns:
				row[i] = col.show(c)
			case i == identityColumns:
				errs = append(errs, fmt.Sprintf("[%d] %s under %s on %s: %s", len(errs)+1, c.Workload, c.Policy, c.HW, shortError(c.Error, 160)))
				row[i] = fmt.Sprintf("error [%d]", len(errs))
			}
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, e := range errs {
		if _, err := fmt.Fprintln(w, e); err != nil {
			return err
		}
	}
	return nil
}
