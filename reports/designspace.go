package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"
)

// designSpace is a sweep seen as a space of hardware designs: its designs
// numbered D1, D2, ... in the order they first appear, and each design's
// results on each workload.
type designSpace struct {
	workloads []string
	hw        []string
	results   []campaign.DesignResult
}

// newDesignSpace is the design space of a sweep: its workloads run on
// several hardware designs, and the designs they run on. Nil when no
// workload runs on two designs, which leaves no space to show.
func newDesignSpace(results []*experiment.Result) *designSpace {
	ds := &designSpace{results: campaign.DesignSpace(results)}
	for _, w := range campaign.Workloads(ds.results) {
		if len(ds.designs(w)) >= 2 {
			ds.workloads = append(ds.workloads, w)
		}
	}
	if len(ds.workloads) == 0 {
		return nil
	}
	for _, d := range ds.results {
		if slices.Contains(ds.workloads, d.Workload) && !slices.Contains(ds.hw, d.HW) {
			ds.hw = append(ds.hw, d.HW)
		}
	}
	return ds
}

// id is a design's number.
func (ds *designSpace) id(hw string) string { return "D" + strconv.Itoa(slices.Index(ds.hw, hw)+1) }

// designs are the designs' results on one workload.
func (ds *designSpace) designs(workload string) []campaign.DesignResult {
	var out []campaign.DesignResult
	for _, d := range ds.results {
		if d.Workload == workload {
			out = append(out, d)
		}
	}
	return out
}

// find is a design's result on a workload.
func (ds *designSpace) find(workload, hw string) (campaign.DesignResult, bool) {
	i := slices.IndexFunc(ds.results, func(d campaign.DesignResult) bool { return d.Workload == workload && d.HW == hw })
	if i < 0 {
		return campaign.DesignResult{}, false
	}
	return ds.results[i], true
}

// MaxDesignsWithGroupPlots is the most hardware designs a sweep may have
// and keep its plots per workload and design (four per pair): beyond it,
// the design-space plots stand for them.
const MaxDesignsWithGroupPlots = 8

// omitsGroupPlots reports whether the sweep has too many designs for
// plots per workload and design.
func (ds *designSpace) omitsGroupPlots() bool {
	return ds != nil && len(ds.hw) > MaxDesignsWithGroupPlots
}

// designPage is the design-space section of report.html.
type designPage struct {
	Designs           int
	GroupPlotsOmitted bool
	Workloads         []designWorkload
	Iso               []isoRow
	Notes             []explanation
}

// designWorkload is the table and plots of one workload.
type designWorkload struct {
	Workload string
	Rows     []designRow
	Figures  []htmlFigure
}

// designRow is one design on one workload.
type designRow struct {
	ID, HW, Requant, Accumulators                   string
	MACs, Area, Exact                               string
	Ran, Best, BestExact, Energy, Latency           string
	Fastest, ExactPolicy, LatencyPrice, EnergyPrice string
}

// isoRow compares a design with an iso-area alternative on one workload.
type isoRow struct {
	Workload, Design, Alternative, Spend, Added string
	ExactArea, Latency, Energy                  string
}

// newDesignPage builds the section from the design space, the iso-area
// pairs of the sweep's grid and the written plots.
func newDesignPage(ds *designSpace, iso []campaign.IsoPair, figures map[string][]htmlFigure) *designPage {
	page := &designPage{Designs: len(ds.hw), GroupPlotsOmitted: ds.omitsGroupPlots(), Notes: designExplanations}
	for _, w := range ds.workloads {
		dw := designWorkload{Workload: w, Figures: figures[w]}
		for _, d := range ds.designs(w) {
			dw.Rows = append(dw.Rows, ds.row(d))
		}
		page.Workloads = append(page.Workloads, dw)
		for _, p := range iso {
			page.Iso = append(page.Iso, ds.isoRow(w, p))
		}
	}
	return page
}

// row is a design's line of the table.
func (ds *designSpace) row(d campaign.DesignResult) designRow {
	r := designRow{ID: ds.id(d.HW), HW: d.HW, Ran: fmt.Sprintf("%d of %d", d.Ran, d.Cells),
		Best: "-", BestExact: "-", Energy: "-", Latency: "-", Fastest: "-", ExactPolicy: "none ran",
		LatencyPrice: "-", EnergyPrice: "-"}
	if h := d.Hardware; h != nil {
		r.Requant, r.Accumulators = strings.Join(h.Requant, ", "), accumulatorsText(h.Accumulators)
		r.MACs, r.Area = strconv.Itoa(h.MACs), strconv.FormatFloat(h.TotalMM2, 'f', 4, 64)
		r.Exact = fmt.Sprintf("%.4f (%s)", h.ExactMM2, share(h.ExactShare))
	}
	if c := d.LowestEnergy; c != nil {
		r.Best, r.BestExact = c.Policy, yesNo(campaign.BitExact(c))
		r.Energy, r.Latency = significant(c.EnergyUJ), significant(c.LatencyMs)
	}
	if d.Fastest != nil {
		r.Fastest = fmt.Sprintf("%s (%s ms)", d.Fastest.Policy, significant(d.Fastest.LatencyMs))
	}
	if d.Exact != nil {
		r.ExactPolicy = d.Exact.Policy
	}
	r.LatencyPrice, r.EnergyPrice = ratio(d.LatencyPrice()), ratio(d.EnergyPrice())
	return r
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// isoRow compares a design with its alternative on a workload: the
// alternative's fastest latency against the design's, and its lowest
// energy against the design's, as changes.
func (ds *designSpace) isoRow(workload string, p campaign.IsoPair) isoRow {
	r := isoRow{Workload: workload, Design: ds.id(p.Design), Spend: p.Spend, Added: p.Added,
		ExactArea: fmt.Sprintf("%.4f of %.4f", p.ExactMM2, p.BudgetMM2), Alternative: "-", Latency: "-", Energy: "-"}
	if p.Alternative == "" {
		return r
	}
	r.Alternative = ds.id(p.Alternative)
	d, okD := ds.find(workload, p.Design)
	a, okA := ds.find(workload, p.Alternative)
	if okD && okA && d.Fastest != nil && a.Fastest != nil {
		r.Latency = change(a.Fastest.LatencyMs, d.Fastest.LatencyMs)
		r.Energy = change(a.LowestEnergy.EnergyUJ, d.LowestEnergy.EnergyUJ)
	}
	return r
}

// change is the relative change from was to now, signed ("-4.2%").
func change(now, was float64) string {
	if was == 0 {
		return "-"
	}
	return fmt.Sprintf("%+.1f%%", 100*(now/was-1))
}

// designExplanations say how to read the section.
var designExplanations = []explanation{
	{"area", "Area",
		"The modelled area of each design at its process node (npusim show-hw prints the breakdown; docs/area.md " +
			"gives every figure's source). It counts the array, the requantization and vector units, the scratchpads " +
			"and the DMA engine, not control or wiring, so shares of it overstate shares of a real die. " +
			"Exact area is the requantizer hardware that serves only gemmlowp's double rounding, the arithmetic " +
			"NNAPI's expected outputs need: the design's area minus that of the same design without those modes."},
	{"best", "Best and bit-exact policies",
		"Of the policies that ran on a design (a policy asking for arithmetic the hardware lacks cannot run there), " +
			"Best is the one with the lowest energy (in the latency plot, the fastest), and bit-exact " +
			"the lowest-energy one whose outputs equal the reference interpreter's. The price of determinism is the " +
			"bit-exact policy's latency over the fastest's and its energy over the lowest's."},
	{"fronts", "Pareto fronts",
		"In the area plots a filled point is a design whose best policy is bit-exact, a ring one whose best policy is " +
			"not; a square marks the cheapest bit-exact policy of a design whose best is not. The solid line is the " +
			"Pareto front of the designs that ran a bit-exact policy (at that policy), the dashed one the front of the " +
			"designs that could not: no design on a front is beaten in both area and the measure by another of its kind."},
	{"iso", "Iso-area alternatives",
		"Each design that spends area on exact arithmetic is paired with the same design without its exact-only " +
			"modes, spending that area (up to the budget) on more array columns or more activation SRAM instead. " +
			"The changes compare the alternative's fastest latency and lowest energy with the design's."},
}

// isDesignPlot reports whether a plot belongs to the design-space section.
func isDesignPlot(k PlotKind) bool {
	return k == DesignEnergyPlot || k == DesignLatencyPlot || k == DesignPricePlot
}

// designSection is the design-space section of a sweep's report, with the
// iso-area pairs its results directory's sweep.json records; nil for a
// sweep of one hardware design.
func designSection(dir string, results []*experiment.Result, figures map[string][]htmlFigure) (*designPage, error) {
	ds := newDesignSpace(results)
	if ds == nil {
		return nil, nil
	}
	m, err := campaign.ReadSweepManifest(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return newDesignPage(ds, m.Grid.IsoArea, figures), nil
}

// designTemplate is the design-space section of report.html, the template
// "design" that reportTemplate calls.
const designTemplate = `{{define "design"}}
<hr>
<h2 id="design-space">Design space</h2>
<p>{{.Designs}} hardware designs. Each is numbered (D1, D2, ...) in the plots; its name is the hardware it
is, a preset or file with overrides and the digest of its contents (<code>npusim run --hw 'NAME'</code>
runs it again).</p>
<dl>
{{- range .Notes}}
<dt id="design-{{.Kind}}">{{.Title}}</dt>
<dd>{{.Text}}</dd>
{{- end}}
</dl>
{{- range .Workloads}}
<h3>{{.Workload}}</h3>
<div class="scroll">
<table>
<thead>
<tr><th>design</th><th>requantization (lanes)</th><th>accumulators</th><th>MACs</th><th>area mm2</th>` +
	`<th>exact area mm2</th><th>ran</th><th>best policy</th><th>bit-exact</th><th>energy uJ</th><th>latency ms</th>` +
	`<th>fastest</th><th>cheapest bit-exact</th><th>latency price</th><th>energy price</th></tr>
</thead>
<tbody>
{{- range .Rows}}
<tr><td class="name" title="{{.HW}}">{{.ID}}</td><td class="name">{{.Requant}}</td>` +
	`<td class="name">{{.Accumulators}}</td><td>{{.MACs}}</td><td>{{.Area}}</td><td>{{.Exact}}</td><td>{{.Ran}}</td>` +
	`<td class="name">{{.Best}}</td><td>{{.BestExact}}</td><td>{{.Energy}}</td><td>{{.Latency}}</td>` +
	`<td class="name">{{.Fastest}}</td><td class="name">{{.ExactPolicy}}</td><td>{{.LatencyPrice}}</td>` +
	`<td>{{.EnergyPrice}}</td></tr>
{{- end}}
</tbody>
</table>
</div>
<p class="note">Designs by number (hover for the name):
{{- range .Rows}} <code>{{.ID}}</code> {{.HW}};{{end}}</p>
{{- range .Figures}}
<figure>
<img src="{{.Src}}" alt="{{.Title}}">
<figcaption>{{.Title}}</figcaption>
</figure>
{{- end}}
{{- end}}
{{- with .Iso}}
<h3 id="iso-area">Iso-area alternatives</h3>
<div class="scroll">
<table>
<thead>
<tr><th>workload</th><th>design</th><th>exact area of budget mm2</th><th>spent on</th><th>alternative</th>` +
	`<th>what it adds</th><th>fastest latency</th><th>lowest energy</th></tr>
</thead>
<tbody>
{{- range .}}
<tr><td class="name">{{.Workload}}</td><td class="name">{{.Design}}</td><td>{{.ExactArea}}</td>` +
	`<td class="name">{{.Spend}}</td><td class="name">{{.Alternative}}</td><td class="name">{{.Added}}</td>` +
	`<td>{{.Latency}}</td><td>{{.Energy}}</td></tr>
{{- end}}
</tbody>
</table>
</div>
{{- end}}
{{end}}`
