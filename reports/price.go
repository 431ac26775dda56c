package reports

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"
)

// The shortcuts a row of the price table compares the bit-exact policy
// with.
const (
	againstFastest = "fastest"
	againstLowest  = "lowest energy"
	againstBoth    = "fastest, lowest energy"
	noPolicyRan    = "no policy ran"
)

// PriceTitle heads the price of determinism table.
const PriceTitle = "Price of determinism: " +
	"the cheapest bit-exact policy against the fastest and the lowest-energy policy"

// priceRow is one row of the price table: the cheapest bit-exact policy of
// a workload and hardware against one shortcut, the fastest policy or the
// lowest-energy one (one row for both when they are the same cell).
type priceRow struct {
	campaign.Price
	against string
	// other is the shortcut; nil when no cell of the group ran.
	other *experiment.Result
}

// priceRows lays the prices out as rows, one or two per workload and
// hardware.
func priceRows(prices []campaign.Price) []priceRow {
	var rows []priceRow
	for _, p := range prices {
		switch p.Fastest {
		case nil:
			rows = append(rows, priceRow{Price: p, against: noPolicyRan})
		case p.LowestEnergy:
			rows = append(rows, priceRow{p, againstBoth, p.Fastest})
		default:
			rows = append(rows, priceRow{p, againstFastest, p.Fastest}, priceRow{p, againstLowest, p.LowestEnergy})
		}
	}
	return rows
}

// shortcutColumns is the first column that shows the shortcut of a row:
// where a row without one stops.
const shortcutColumns = 5

// priceColumns are the columns of the terminal and HTML price tables.
var priceColumns = []column[priceRow]{
	{"workload", func(r priceRow) string { return r.Workload }},
	{"hw", func(r priceRow) string { return r.HW }},
	{"ran", func(r priceRow) string { return fmt.Sprintf("%d of %d", r.Ran, r.Cells) }},
	{"bit-exact", func(r priceRow) string { return exactName(r.Exact) }},
	{"against", func(r priceRow) string { return r.against }},
	{"policy", func(r priceRow) string { return r.other.Policy }},
	{"exact latency", func(r priceRow) string { return ratio(r.LatencyRatio(r.other)) }},
	{"exact energy", func(r priceRow) string { return ratio(r.EnergyRatio(r.other)) }},
	{"max LSB", func(r priceRow) string { return strconv.FormatInt(r.other.Output.MaxLSB, 10) }},
	{"changed", func(r priceRow) string { return share(r.other.Output.Changed) }},
	{"quality", func(r priceRow) string { return Quality(r.other) }},
	{verdictHeader, func(r priceRow) string { return Verdict(r.other) }},
}

// exactName names the cheapest bit-exact policy, or says there is none.
func exactName(r *experiment.Result) string {
	if r == nil {
		return "none"
	}
	return r.Policy
}

// priceCells is a row's cells as text: "-" past the against column when
// no cell of its group ran.
func priceCells(r priceRow) []string {
	cells := make([]string, len(priceColumns))
	for i, col := range priceColumns {
		if r.other == nil && i >= shortcutColumns {
			cells[i] = "-"
			continue
		}
		cells[i] = col.show(r)
	}
	return cells
}

// PriceTable prints the price of determinism of a sweep: per workload and
// hardware, the cheapest bit-exact policy against the fastest policy and
// the lowest-energy one (campaign.Prices says how ties are broken), the
// bit-exact policy's latency and energy divided by that policy's, and the
// error that policy buys them with. Lines follow the table where a price is
// about 1 (saying why, from the hardware's configuration) and where no
// policy is bit-exact.
func PriceTable(w io.Writer, results []*experiment.Result) error {
	prices := campaign.Prices(results)
	if _, err := fmt.Fprintln(w, PriceTitle); err != nil {
		return err
	}
	t := newNamedTable(w, shortcutColumns+1, headers(priceColumns)...)
	for _, r := range priceRows(prices) {
		if err := t.Append(priceCells(r)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, line := range PriceNotes(prices) {
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// PriceNotes explains the prices in a line per hardware: where the price
// is about 1, why (what its requantizer implements, from its
// configuration, and how much of the bit-exact policy's energy
// requantization takes); where no policy that ran is bit-exact, on which
// workloads.
func PriceNotes(prices []campaign.Price) []string {
	var lines []string
	for _, hw := range hardwareOf(prices) {
		var free, none []campaign.Price
		ran := 0
		for _, p := range prices {
			switch {
			case p.HW != hw || p.Ran == 0:
			case p.IsAboutOne():
				free = append(free, p)
			case p.Exact == nil:
				none = append(none, p)
			}
			if p.HW == hw && p.Ran > 0 {
				ran++
			}
		}
		if len(free) > 0 {
			lines = append(lines, aboutOneNote(hw, free, ran))
		}
		if len(none) > 0 {
			lines = append(lines, noExactNote(hw, none))
		}
	}
	return lines
}

// hardwareOf lists the hardware of the prices in order of first appearance.
func hardwareOf(prices []campaign.Price) []string {
	var hw []string
	for _, p := range prices {
		if !slices.Contains(hw, p.HW) {
			hw = append(hw, p.HW)
		}
	}
	return hw
}

// aboutOneNote says on which workloads of a hardware (free, of ran that
// ran) the price is about 1, and why: what the requantizer implements,
// whether the bit-exact policy ran natively, and the share of its energy
// that requantization takes.
func aboutOneNote(hw string, free []campaign.Price, ran int) string {
	var which string
	switch {
	case len(free) < ran:
		which = fmt.Sprintf("on %s (%d of %d workloads)", workloadNames(free), len(free), ran)
	case ran == 1:
		which = "on " + free[0].Workload
	case ran == 2:
		which = "on both workloads"
	default:
		which = fmt.Sprintf("on all %d workloads", ran)
	}
	route := "the bit-exact policy ran every layer natively"
	if routed := routedWorkloads(free); routed != "" {
		route = "the bit-exact policy ran layers emulated or on the CPU on " + routed
	}
	lo, hi := requantShare(free)
	return fmt.Sprintf("%s: the price is about 1 (within %.1f%%) %s: %s, %s, and requantization is %s of its energy.",
		hw, 100*(campaign.AboutOne-1), which, requantizerFacts(hw), route, shareRange(lo, hi))
}

// noExactNote says on which workloads no policy of a hardware that ran is
// bit-exact.
func noExactNote(hw string, none []campaign.Price) string {
	failed := 0
	for _, p := range none {
		failed += p.Cells - p.Ran
	}
	why := "every policy changes outputs"
	if failed > 0 {
		why = "every policy that ran changes outputs and the others could not run (see their errors in the grid)"
	}
	return fmt.Sprintf("%s: no bit-exact policy on %s: %s.", hw, workloadNames(none), why)
}

// workloadNames joins the prices' workloads.
func workloadNames(prices []campaign.Price) string {
	names := make([]string, len(prices))
	for i, p := range prices {
		names[i] = p.Workload
	}
	return strings.Join(names, ", ")
}

// routedWorkloads lists the workloads whose bit-exact policy ran some
// layers other than natively (experiment.Result.Routes).
func routedWorkloads(prices []campaign.Price) string {
	var names []string
	for _, p := range prices {
		if p.Exact.Routes != "" {
			names = append(names, p.Workload)
		}
	}
	return strings.Join(names, ", ")
}

// requantShare is the smallest and the largest share of the bit-exact
// policies' energy spent in the requantization unit.
func requantShare(prices []campaign.Price) (lo, hi float64) {
	for i, p := range prices {
		s := 0.0
		if t := p.Exact.EnergyPJ.Total(); t > 0 {
			s = p.Exact.EnergyPJ[npu.CompRequant] / t
		}
		if i == 0 || s < lo {
			lo = s
		}
		hi = max(hi, s)
	}
	return lo, hi
}

// shareRange formats a range of shares with two significant digits:
// "0.31-2.1%", or one share when they are equal.
func shareRange(lo, hi float64) string {
	f := func(x float64) string { return strconv.FormatFloat(100*x, 'g', 2, 64) }
	if f(lo) == f(hi) {
		return f(lo) + "%"
	}
	return f(lo) + "-" + f(hi) + "%"
}

// requantizerFacts says, from a hardware's configuration, which arithmetic
// modes its requantization unit implements natively and at how many lanes.
func requantizerFacts(hw string) string {
	cfg, err := npu.LoadConfig(hw)
	if err != nil {
		return fmt.Sprintf("its configuration cannot be read (%v)", shortError(err.Error(), 120))
	}
	all := quant.Variants()
	missing := slices.DeleteFunc(slices.Clone(all), func(v quant.Variant) bool { _, ok := cfg.RequantMode(v); return ok })
	lanes := laneFacts(cfg.Requant.Modes)
	if len(missing) == 0 {
		return "its requantizer implements every mode natively " + lanes
	}
	names := make([]string, len(cfg.Requant.Modes))
	for i, m := range cfg.Requant.Modes {
		names[i] = m.Variant.String()
	}
	return fmt.Sprintf("its requantizer implements %d of the %d modes natively (%s) %s",
		len(names), len(all), strings.Join(names, ", "), lanes)
}

// laneFacts says at how many lanes the modes run: "at 32 lanes (mult16 at
// 64)", the count most modes share (on a tie, the first mode's) and the
// others by name.
func laneFacts(modes []npu.RequantMode) string {
	common, most := modes[0].Lanes, 0
	for _, m := range modes {
		n := 0
		for _, o := range modes {
			if o.Lanes == m.Lanes {
				n++
			}
		}
		if n > most {
			common, most = m.Lanes, n
		}
	}
	var others []string
	for _, m := range modes {
		if m.Lanes != common {
			others = append(others, fmt.Sprintf("%v at %d", m.Variant, m.Lanes))
		}
	}
	s := fmt.Sprintf("at %d lanes", common)
	if len(others) > 0 {
		s += " (" + strings.Join(others, ", ") + ")"
	}
	return s
}
