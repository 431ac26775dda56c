package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/npusim/npusim/sim/experiment"
)

// caveatMark follows a figure that its workload's caveat qualifies.
const caveatMark = " *"

// deviationColumn reports whether a sweep column shows how far outputs are
// from the reference (the figures a workload's caveat qualifies).
func deviationColumn(header string) bool {
	return header == "max LSB" || header == "changed" || header == "quality" || header == verdictHeader
}

// caveatNotes are the footnotes of a table's caveat marks: each caveat
// once, with the workloads it applies to.
func caveatNotes(results []*experiment.Result) []string {
	var caveats []string
	workloads := map[string][]string{}
	for _, r := range results {
		if r.Caveat == "" || r.Error != "" {
			continue
		}
		if !slices.Contains(caveats, r.Caveat) {
			caveats = append(caveats, r.Caveat)
		}
		if !slices.Contains(workloads[r.Caveat], r.Workload) {
			workloads[r.Caveat] = append(workloads[r.Caveat], r.Workload)
		}
	}
	notes := make([]string, len(caveats))
	for i, c := range caveats {
		notes[i] = fmt.Sprintf("*%s: %s", strings.Join(workloads[c], ", "), c)
	}
	return notes
}

// caveat is the caveat of a plot group's cells ("" when none).
func (g plotGroup) caveat() string {
	for _, r := range g.cells {
		if r.Caveat != "" {
			return r.Caveat
		}
	}
	return ""
}
