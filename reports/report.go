package reports

import (
	"path/filepath"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/sim/experiment"
)

// Generate writes the whole report of a sweep into its results directory:
// results.csv, the plots in plots/ (SVG and PNG; the price of determinism
// first) and report.html. The same results give the same bytes in every
// file.
func Generate(dir string, results []*experiment.Result) error {
	if err := atomicfile.MkdirAll(dir); err != nil {
		return err
	}
	if err := checkTargets(dir, "results.csv", "report.html"); err != nil {
		return err
	}
	if err := WriteCSV(filepath.Join(dir, "results.csv"), results); err != nil {
		return err
	}
	plots, err := WritePlots(filepath.Join(dir, "plots"), results)
	if err != nil {
		return err
	}
	price, err := WritePricePlot(filepath.Join(dir, "plots"), results)
	if err != nil {
		return err
	}
	if price != nil {
		plots = append([]Plot{*price}, plots...)
	}
	return WriteHTML(filepath.Join(dir, "report.html"), results, plots)
}

// checkTargets checks, before a report writes anything, that its files and
// its plots directory can be written: a results directory whose plots is a
// file would otherwise be left with a new CSV beside old plots.
func checkTargets(dir string, files ...string) error {
	if err := atomicfile.CheckDir(filepath.Join(dir, "plots")); err != nil {
		return err
	}
	for _, f := range files {
		if _, err := atomicfile.Resolve(filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	return nil
}
