package reports

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"
)

// DesignTable prints the design space of a sweep whose workloads ran on
// several hardware designs (nothing otherwise): per workload, a row per
// design with its area, the area it spends on exact arithmetic, its best
// and cheapest bit-exact policies and the price of determinism; then the
// iso-area alternatives that the results directory's sweep.json records,
// with what they change. Designs are numbered as in report.html.
func DesignTable(w io.Writer, dir string, results []*experiment.Result) error {
	ds := newDesignSpace(results)
	if ds == nil {
		return nil
	}
	m, err := campaign.ReadSweepManifest(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	page := newDesignPage(ds, m.Grid.IsoArea, nil)
	fmt.Fprintf(w, "\ndesign space: %d hardware designs\n", page.Designs)
	for _, dw := range page.Workloads {
		fmt.Fprintf(w, "%s:\n", dw.Workload)
		t := newNamedTable(w, 1, "design", "area mm2", "exact area mm2", "ran", "best policy", "bit-exact",
			"energy uJ", "latency ms", "cheapest bit-exact", "latency price", "energy price")
		for _, r := range dw.Rows {
			err := t.Append(r.ID, r.Area, r.Exact, r.Ran, r.Best, r.BestExact,
				r.Energy, r.Latency, r.ExactPolicy, r.LatencyPrice, r.EnergyPrice)
			if err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(page.Iso) > 0 {
		fmt.Fprintln(w, "iso-area alternatives (the design's exact area spent otherwise):")
		t := newNamedTable(w, 4, "workload", "design", "spent on", "alternative",
			"exact area of budget mm2", "adds", "fastest latency", "lowest energy")
		for _, r := range page.Iso {
			err := t.Append(r.Workload, r.Design, r.Spend, r.Alternative, r.ExactArea, r.Added, r.Latency, r.Energy)
			if err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "designs:")
	for _, hw := range ds.hw {
		fmt.Fprintf(w, "  %s %s\n", ds.id(hw), hw)
	}
	return nil
}
