package campaign

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/npusim/npusim/npu/area"
	"github.com/npusim/npusim/sim/experiment"
)

// DesignResult is one design point of a sweep on one workload: its
// hardware, and the policies that ran on it, judged by the price of
// determinism of issue 13 (the same choices as its sweep table: the
// fastest, the lowest-energy and the cheapest bit-exact policy).
type DesignResult struct {
	Workload, HW string
	Hardware     *area.Summary
	// Cells counts the design's cells on the workload, Ran those that ran;
	// a policy the hardware cannot run records an error and takes no part.
	Cells, Ran int
	// Fastest has the lowest latency, Cheapest the lowest energy among the
	// cells that ran; Exact is the cheapest bit-exact one. Each is nil
	// when there is none.
	Fastest, Cheapest, Exact *experiment.Result
}

// IsBitExact reports whether a cell ran and every output value of every
// sample equals the reference interpreter's.
func IsBitExact(r *experiment.Result) bool {
	return r != nil && r.Error == "" && r.Output.Elements > 0 && r.Output.MaxLSB == 0
}

// DesignSpace groups a sweep's results by workload and hardware, in the
// order the pairs first appear, and finds each design's fastest, cheapest
// and cheapest bit-exact policy, computed from what ran. Ties are broken
// the same way everywhere: the fastest by latency, then energy, then a
// bit-exact cell first, then the earlier result; the cheapest and the
// cheapest bit-exact by energy, then latency, then a bit-exact cell first,
// then the earlier result.
func DesignSpace(results []*experiment.Result) []DesignResult {
	var designs []DesignResult
	index := map[[2]string]int{}
	for _, r := range results {
		key := [2]string{r.Workload, r.HW}
		i, ok := index[key]
		if !ok {
			i = len(designs)
			index[key] = i
			designs = append(designs, DesignResult{Workload: r.Workload, HW: r.HW})
		}
		d := &designs[i]
		d.Cells++
		if d.Hardware == nil {
			d.Hardware = r.Hardware
		}
		if r.Error != "" {
			continue
		}
		d.Ran++
		d.Fastest = better(d.Fastest, r, byLatencyThenEnergy)
		d.Cheapest = better(d.Cheapest, r, byEnergyThenLatency)
		if IsBitExact(r) {
			d.Exact = better(d.Exact, r, byEnergyThenLatency)
		}
	}
	return designs
}

// better returns the better of the best so far and r by order (the best
// so far on a tie).
func better(best, r *experiment.Result, order func(a, b *experiment.Result) int) *experiment.Result {
	if best == nil || order(r, best) < 0 {
		return r
	}
	return best
}

func byLatencyThenEnergy(a, b *experiment.Result) int {
	return cmp.Or(cmp.Compare(a.LatencyMs, b.LatencyMs), cmp.Compare(a.EnergyUJ, b.EnergyUJ), bitExactFirst(a, b))
}

func byEnergyThenLatency(a, b *experiment.Result) int {
	return cmp.Or(cmp.Compare(a.EnergyUJ, b.EnergyUJ), cmp.Compare(a.LatencyMs, b.LatencyMs), bitExactFirst(a, b))
}

// bitExactFirst puts a bit-exact result before one that is not.
func bitExactFirst(a, b *experiment.Result) int {
	ea, eb := IsBitExact(a), IsBitExact(b)
	switch {
	case ea && !eb:
		return -1
	case eb && !ea:
		return 1
	}
	return 0
}

// LatencyPrice is the cheapest bit-exact policy's latency over the
// fastest policy's; false without a bit-exact policy.
func (d DesignResult) LatencyPrice() (float64, bool) {
	if d.Exact == nil || d.Fastest == nil || d.Fastest.LatencyMs == 0 {
		return 0, false
	}
	return d.Exact.LatencyMs / d.Fastest.LatencyMs, true
}

// EnergyPrice is the cheapest bit-exact policy's energy over the
// lowest-energy policy's; false without a bit-exact policy.
func (d DesignResult) EnergyPrice() (float64, bool) {
	if d.Exact == nil || d.Cheapest == nil || d.Cheapest.EnergyUJ == 0 {
		return 0, false
	}
	return d.Exact.EnergyUJ / d.Cheapest.EnergyUJ, true
}

// ReadSweepManifest reads a results directory's sweep.json.
func ReadSweepManifest(dir string) (SweepManifest, error) {
	var m SweepManifest
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("results directory %s: %s: %w", dir, ManifestFile, err)
	}
	return m, nil
}

// Workloads lists the workloads of designs in order of first appearance.
func Workloads(designs []DesignResult) []string {
	var ws []string
	for _, d := range designs {
		if !slices.Contains(ws, d.Workload) {
			ws = append(ws, d.Workload)
		}
	}
	return ws
}
