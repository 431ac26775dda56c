package campaign

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/npusim/npusim/internal/jsonfile"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/npu/area"
	"github.com/npusim/npusim/sim/experiment"
)

// DesignResult is one design point of a sweep on one workload: the price
// of determinism there (Price: the fastest, the lowest-energy and the
// cheapest bit-exact policy of those that ran, computed from what ran) and
// the design's hardware.
type DesignResult struct {
	Price
	Hardware *area.Summary
}

// DesignSpace is the price of determinism of every workload on every
// design of a sweep (Prices), in the order the pairs first appear, each
// with its design's hardware summary.
func DesignSpace(results []*experiment.Result) []DesignResult {
	prices := Prices(results)
	designs := make([]DesignResult, len(prices))
	for i, p := range prices {
		designs[i].Price = p
		for _, r := range results {
			if r.Workload == p.Workload && r.HW == p.HW && r.Hardware != nil {
				designs[i].Hardware = r.Hardware
				break
			}
		}
	}
	return designs
}

// LatencyPrice is the cheapest bit-exact policy's latency over the
// fastest policy's; false without a bit-exact policy.
func (d DesignResult) LatencyPrice() (float64, bool) { return d.LatencyRatio(d.Fastest) }

// EnergyPrice is the cheapest bit-exact policy's energy over the
// lowest-energy policy's; false without a bit-exact policy.
func (d DesignResult) EnergyPrice() (float64, bool) { return d.EnergyRatio(d.LowestEnergy) }

// ReadSweepManifest reads a results directory's sweep.json.
func ReadSweepManifest(dir string) (SweepManifest, error) {
	var m SweepManifest
	data, err := limits.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, err
	}
	if err := jsonfile.Decode(data, &m, false); err != nil {
		return m, fmt.Errorf("results directory %s: %s: %w", dir, ManifestFile, err)
	}
	if err := m.check(); err != nil {
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
