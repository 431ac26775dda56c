package campaign

import (
	"cmp"
	"slices"

	"github.com/npusim/npusim/sim/experiment"
)

// AboutOne is where the price of determinism counts as about 1: the
// bit-exact policy's latency and energy are both below AboutOne times the
// fastest policy's latency and the lowest-energy policy's energy, so that
// both ratios print as 1.00x or 1.01x at the two decimals of the tables.
const AboutOne = 1.015

// Price is the price of determinism on one workload and hardware: what the
// cheapest bit-exact policy of a sweep costs against its fastest policy and
// its lowest-energy policy. It is computed from the cells' results alone
// (their latency, energy and deviation), whatever the policies are called.
type Price struct {
	Workload, HW string
	// Cells counts the sweep's cells of this workload and hardware, Ran
	// those that ran (a cell whose policy the hardware cannot run records
	// an error and takes no part in the comparison).
	Cells, Ran int
	// Fastest has the lowest latency and LowestEnergy the lowest energy per
	// inference among the cells that ran; Exact is the cheapest bit-exact
	// one (see BitExact and Prices). Each is nil when there is none.
	Fastest, LowestEnergy, Exact *experiment.Result
}

// BitExact reports whether a cell ran and every output value of every
// sample equals the reference interpreter's (max LSB 0).
func BitExact(r *experiment.Result) bool {
	return r.Error == "" && r.Output.Elements > 0 && r.Output.MaxLSB == 0
}

// Prices computes the price of determinism for every workload and hardware
// of a sweep's results, in the order the pairs first appear. Ties are
// broken the same way everywhere, so that the same results always name the
// same policies:
//   - the fastest: the lowest latency, then the lowest energy, then a
//     bit-exact cell before one that is not, then the earlier result;
//   - the lowest-energy: the lowest energy, then the lowest latency, then
//     a bit-exact cell first, then the earlier result;
//   - the cheapest bit-exact: among the bit-exact cells, the lowest
//     energy, then the lowest latency, then the earlier result.
func Prices(results []*experiment.Result) []Price {
	var prices []Price
	for _, g := range groupByWorkloadHW(results) {
		p := Price{Workload: g[0].Workload, HW: g[0].HW, Cells: len(g)}
		var ran, exact []*experiment.Result
		for _, r := range g {
			if r.Error == "" {
				ran = append(ran, r)
			}
			if BitExact(r) {
				exact = append(exact, r)
			}
		}
		p.Ran = len(ran)
		p.Fastest = first(ran, byLatency, byEnergy, exactFirst)
		p.LowestEnergy = first(ran, byEnergy, byLatency, exactFirst)
		p.Exact = first(exact, byEnergy, byLatency)
		prices = append(prices, p)
	}
	return prices
}

// groupByWorkloadHW splits results by workload and hardware, keeping the
// order of the results within a group and of first appearance between
// groups.
func groupByWorkloadHW(results []*experiment.Result) [][]*experiment.Result {
	var groups [][]*experiment.Result
	for _, r := range results {
		sameGroup := func(g []*experiment.Result) bool { return g[0].Workload == r.Workload && g[0].HW == r.HW }
		i := slices.IndexFunc(groups, sameGroup)
		if i < 0 {
			groups = append(groups, nil)
			i = len(groups) - 1
		}
		groups[i] = append(groups[i], r)
	}
	return groups
}

// An order compares two results; a negative value puts a first.
type order func(a, b *experiment.Result) int

func byLatency(a, b *experiment.Result) int { return cmp.Compare(a.LatencyMs, b.LatencyMs) }
func byEnergy(a, b *experiment.Result) int  { return cmp.Compare(a.EnergyUJ, b.EnergyUJ) }

// exactFirst puts a bit-exact result before one that is not.
func exactFirst(a, b *experiment.Result) int {
	switch ea, eb := BitExact(a), BitExact(b); {
	case ea && !eb:
		return -1
	case eb && !ea:
		return 1
	}
	return 0
}

// first returns the result that the orders put first, comparing by the
// next order only on a tie, and the earliest of results on a complete tie;
// nil when there is none.
func first(results []*experiment.Result, orders ...order) *experiment.Result {
	var best *experiment.Result
	for _, r := range results {
		if best == nil {
			best = r
			continue
		}
		for _, o := range orders {
			if c := o(r, best); c != 0 {
				if c < 0 {
					best = r
				}
				break
			}
		}
	}
	return best
}

// LatencyRatio is the bit-exact policy's latency over that of to (the
// fastest or the lowest-energy policy); false without a bit-exact policy.
func (p Price) LatencyRatio(to *experiment.Result) (float64, bool) {
	if p.Exact == nil || to == nil || to.LatencyMs == 0 {
		return 0, false
	}
	return p.Exact.LatencyMs / to.LatencyMs, true
}

// EnergyRatio is the bit-exact policy's energy over that of to; false
// without a bit-exact policy.
func (p Price) EnergyRatio(to *experiment.Result) (float64, bool) {
	if p.Exact == nil || to == nil || to.EnergyUJ == 0 {
		return 0, false
	}
	return p.Exact.EnergyUJ / to.EnergyUJ, true
}

// IsAboutOne reports whether determinism costs about nothing here: a
// bit-exact policy ran, and no policy is more than AboutOne times faster or
// cheaper in energy than it.
func (p Price) IsAboutOne() bool {
	l, okL := p.LatencyRatio(p.Fastest)
	e, okE := p.EnergyRatio(p.LowestEnergy)
	return okL && okE && l < AboutOne && e < AboutOne
}
