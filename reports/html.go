package reports

import (
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"slices"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"
)

// htmlPage is what report.html shows.
type htmlPage struct {
	Cells, Failed int
	Workloads     []described
	Policies      []described
	HW            []string
	Header        []string
	Rows          []htmlRow
	Groups        []htmlGroup
	Explanations  []explanation
	Price         htmlPrice
	Texts         []htmlText
	// Caveats are the qualifications of the deviation columns, each with
	// the workloads it applies to.
	Caveats []string
	// Design is the design-space section, for a sweep of several
	// hardware designs.
	Design *designPage
}

// described is a name with its description.
type described struct{ Name, Description string }

// htmlRow is one row of a table, with its CSS class.
type htmlRow struct {
	Class string
	Cells []htmlCell
}

// htmlCell is one cell of the sweep table, with its CSS class, its tooltip
// and how many columns it spans.
type htmlCell struct {
	Text, Class, Title string
	Span               int
}

// htmlGroup is the plots of one workload on one hardware.
type htmlGroup struct {
	Workload, HW string
	Figures      []htmlFigure
}

// htmlFigure is one plot: its SVG file, its title and its kind.
type htmlFigure struct{ Src, Title, Kind string }

// explanation says how to read one kind of plot.
type explanation struct{ Kind, Title, Text string }

// plotExplanations say how to read each kind of plot.
var plotExplanations = []explanation{
	{string(ParetoPlot), "Energy and output error",
		"Each point is one policy: x is the energy of one inference in uJ, y the root mean square of the " +
			"differences between its outputs and the reference interpreter's, in LSB of the output grid. " +
			"The RMS error is zero exactly when a policy is bit-exact, so the reference sits on the x axis; " +
			"unlike the largest difference (the table's max LSB, which NNAPI's verdict uses) it grows with " +
			"how many values move, and unlike the SNR it stays finite for exact outputs. " +
			"The ringed points joined by a line are the Pareto front: no other policy is both cheaper and " +
			"more accurate. Policies at the same point share a label."},
	{string(LayersPlot), "Error through the layers",
		"For each policy, the largest difference between each layer's output and the reference's, in LSB, " +
			"layers in the order the model runs them: where an error starts, and whether later layers amplify " +
			"or absorb it."},
	{string(HistogramPlot), "Output differences",
		"For each policy but the reference, how many output values (all samples) differ from the reference by " +
			"each number of LSB; the count axis is logarithmic so that rare large differences stay visible " +
			"beside the many exact values."},
	{string(BreakdownPlot), "Energy by component and latency",
		"For each policy, the energy of one inference stacked by NPU component (array, requantization unit, " +
			"vector unit, the three SRAMs, DRAM and static leakage), and beside it the latency of one " +
			"inference at the hardware's clock."},
}

// WriteHTML writes report.html: a self-contained page (inline CSS, no
// scripts, no external resources) headed by the price of determinism (its
// table, notes and plot), then the sweep table, the plots (their SVG
// files, linked by paths relative to the page), how to read each plot, and
// what each workload and policy is. A policy's description comes from its
// preset or policy file.
func WriteHTML(path string, results []*experiment.Result, plots []Plot) error {
	page, err := newHTMLPage(path, results, plots)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return reportTemplate.Execute(w, page) })
}

func newHTMLPage(path string, results []*experiment.Result, plots []Plot) (*htmlPage, error) {
	page := &htmlPage{Cells: len(results), Explanations: plotExplanations,
		Texts: htmlTexts(results), Caveats: caveatNotes(results)}
	for _, col := range sweepColumns {
		page.Header = append(page.Header, col.header)
	}
	for _, c := range withReferences(results) {
		i := slices.IndexFunc(page.Workloads, func(d described) bool { return d.Name == c.Workload })
		if i < 0 {
			page.Workloads = append(page.Workloads, described{Name: c.Workload})
			i = len(page.Workloads) - 1
		}
		if c.Error == "" && page.Workloads[i].Description == "" {
			page.Workloads[i].Description = c.Description
		}
		if !slices.ContainsFunc(page.Policies, func(d described) bool { return d.Name == c.Policy }) {
			page.Policies = append(page.Policies, described{c.Policy, policyDescription(c.Policy)})
		}
		if !slices.Contains(page.HW, c.HW) {
			page.HW = append(page.HW, c.HW)
		}
		page.Rows = append(page.Rows, htmlTableRow(c))
		if c.Error != "" {
			page.Failed++
		}
	}
	base, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	designFigures := map[string][]htmlFigure{}
	var pricePlot *Plot
	var priceSrc string
	for _, p := range plots {
		src, err := relativeURL(base, p.SVG)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", p.Title, err)
		}
		fig := htmlFigure{Src: src, Title: p.Title, Kind: string(p.Kind)}
		if isDesignPlot(p.Kind) {
			designFigures[p.Workload] = append(designFigures[p.Workload], fig)
			continue
		}
		if p.Kind == PricePlot {
			pricePlot, priceSrc = &p, src
			continue
		}
		n := len(page.Groups)
		if n == 0 || page.Groups[n-1].Workload != p.Workload || page.Groups[n-1].HW != p.HW {
			page.Groups = append(page.Groups, htmlGroup{Workload: p.Workload, HW: p.HW})
			n++
		}
		page.Groups[n-1].Figures = append(page.Groups[n-1].Figures, fig)
	}
	page.Price = newHTMLPrice(campaign.Prices(results), pricePlot, priceSrc)
	page.Design, err = designSection(filepath.Dir(path), results, designFigures)
	return page, err
}

// htmlTableRow is a cell's row of the sweep table: the columns of the
// terminal table, or the cell's names and its whole error.
func htmlTableRow(c cell) htmlRow {
	var row htmlRow
	for i, col := range sweepColumns {
		switch {
		case i < identityColumns:
			row.Cells = append(row.Cells, htmlCell{Text: col.show(c), Class: "name"})
		case c.Error != "":
			row.Cells = append(row.Cells, htmlCell{Text: "error: " + c.Error, Class: "error",
				Span: len(sweepColumns) - identityColumns})
			return row
		case col.header == verdictHeader && c.NNAPIPass:
			row.Cells = append(row.Cells, htmlCell{Text: col.show(c), Class: "pass"})
		case col.header == verdictHeader:
			row.Cells = append(row.Cells, htmlCell{Text: col.show(c), Class: "fail"})
		case c.Caveat != "" && deviationColumn(col.header):
			row.Cells = append(row.Cells, htmlCell{Text: col.show(c) + caveatMark, Class: "caveat", Title: c.Caveat})
		case col.header == digestHeader:
			row.Cells = append(row.Cells, htmlCell{Text: col.show(c), Class: "digest", Title: c.Digest})
		default:
			row.Cells = append(row.Cells, htmlCell{Text: col.show(c)})
		}
	}
	return row
}

// relativeURL is the path of a file relative to a directory, with forward
// slashes.
func relativeURL(dir, file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(rel), nil
}

// policyDescription is a policy's description from its preset or file, or
// why it could not be read.
func policyDescription(name string) string {
	p, err := drivers.LoadPolicy(name)
	switch {
	case err != nil:
		return fmt.Sprintf("(description unavailable: %v)", err)
	case p.Description == "":
		return "(the policy has no description)"
	}
	return p.Description
}

// count says how many of something there are: "1 cell", "3 cells".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// pageStyle is the style sheet of the report pages.
const pageStyle = `<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; ` +
	`margin: 2em auto; max-width: 84em; padding: 0 1em; color: #222; line-height: 1.45; }
h1, h2, h3 { line-height: 1.2; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: .88em; }
th, td { padding: .25em .6em; border-bottom: 1px solid #e4e4e4; }
th { background: #f3f3f3; text-align: center; position: sticky; top: 0; }
td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.name { text-align: left; }
td.error { text-align: left; color: #a00; white-space: normal; }
td.pass { color: #176b2c; }
td.fail { color: #a00; font-weight: bold; }
td.none { color: #a00; font-weight: bold; }
tr.group td { border-top: 1px solid #bbb; }
code, td.digest { font-family: ui-monospace, "Liberation Mono", monospace; }
.scroll { overflow-x: auto; }
dt { font-weight: bold; margin-top: .6em; }
dd { margin-left: 1.5em; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e4e4e4; }
figcaption { font-size: .9em; color: #555; }
.note { font-size: .9em; color: #555; }
td.caveat { color: #777; font-style: italic; }
dl.text pre { white-space: pre-wrap; margin: 0; font-family: ui-monospace, "Liberation Mono", monospace; }
mark { background: #c00; color: #fff; }
</style>
`

// reportTemplate is report.html: the page, calling the generated texts
// (textsTemplate) and the design space (designTemplate).
var reportTemplate = newReportTemplate()

// newReportTemplate parses report.html's page and its named sections.
func newReportTemplate() *template.Template {
	t := template.New("report").Funcs(template.FuncMap{"count": count})
	for _, text := range []string{textsTemplate, designTemplate, reportPage} {
		t = template.Must(t.Parse(text))
	}
	return t
}

// reportPage is the body of report.html.
const reportPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>npusim sweep report</title>
` + pageStyle + `</head>
<body>
<h1>npusim sweep report</h1>
<p>{{count .Cells "cell" "cells"}}: {{count (len .Workloads) "workload" "workloads"}} under ` +
	`{{count (len .Policies) "policy" "policies"}} on ` +
	`{{count (len .HW) "hardware configuration" "hardware configurations"}}
{{- if .Failed}}; {{count .Failed "cell" "cells"}} could not run{{end}}.
{{- with .Design}} The <a href="#design-space">design space</a> of {{.Designs}} hardware designs ` +
	`follows the table.{{end}}</p>

<h2 id="price">The price of determinism</h2>
<div class="scroll">
<table id="price-table">
<thead>
<tr>{{range .Price.Header}}<th>{{.}}</th>{{end}}</tr>
</thead>
<tbody>
{{- range .Price.Rows}}
<tr class="{{.Class}}">` +
	`{{range .Cells}}<td{{with .Class}} class="{{.}}"{{end}}{{with .Title}} title="{{.}}"{{end}}>{{.Text}}</td>{{end}}` +
	`</tr>
{{- end}}
</tbody>
</table>
</div>
{{- range .Price.Notes}}
<p class="price-note">{{.}}</p>
{{- end}}
<p class="note">Per workload and hardware: <em>bit-exact</em> is the cheapest policy whose outputs equal the
reference interpreter's on every sample (max LSB 0; the lowest energy, then the lowest latency, then the
first in the grid), <em>none</em> when no policy that ran is. It is compared with the <em>fastest</em> policy
and the <em>lowest-energy</em> one (one row when they are the same): <em>exact latency</em> and <em>exact
energy</em> are the bit-exact policy's divided by that policy's (above 1: determinism costs that much; hover
for the figures), and <em>max LSB</em>, <em>changed</em>, <em>quality</em> and <em>NNAPI</em> are the error
that policy buys the difference with. <em>ran</em> counts the policies that could run on the hardware; the
others take no part.</p>
{{- with .Price.Figure}}
<figure>
<img src="{{.Src}}" alt="{{.Title}}">
<figcaption>{{.Title}}: per workload and hardware, the bit-exact policy's latency and energy divided by the
fastest policy's (1: no price), and what the fastest policy's outputs lose.</figcaption>
</figure>
{{- end}}

<h2 id="results">Results</h2>
<div class="scroll">
<table>
<thead>
<tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
</thead>
<tbody>
{{- range .Rows}}
<tr>{{range .Cells}}<td{{with .Class}} class="{{.}}"{{end}}{{with .Title}} title="{{.}}"{{end}}` +
	`{{if gt .Span 1}} colspan="{{.Span}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
</div>
<p class="note">Latency and energy are per inference, at the hardware's clock. <em>speed vs ref</em> is the
reference policy's cycles divided by the policy's (above 1: faster); <em>energy vs ref</em> is the policy's
energy divided by the reference's (below 1: cheaper), both on the same workload and hardware.
<em>max LSB</em> and <em>changed</em> compare all outputs of all samples with the bit-exact reference
interpreter; <em>quality</em> is the top-1 agreement with the reference for classifiers, the first
diverging step for recurrent workloads, or the character where a language model's generated text parts
from the reference's (the texts follow the table); <em>NNAPI</em> applies NNAPI's tolerance (1 LSB, 3 for
mobilenet-class networks); <em>digest</em> starts the SHA-256 of the output bytes (hover for all of it;
results.csv has every figure unrounded).</p>
{{- range .Caveats}}
<p class="note">{{.}}</p>
{{- end}}
{{template "texts" .Texts}}

{{with .Design}}{{template "design" .}}{{end}}

<h2 id="policies">Policies</h2>
<dl>
{{- range .Policies}}
<dt><code>{{.Name}}</code></dt>
<dd>{{.Description}}</dd>
{{- end}}
</dl>

<h2 id="workloads">Workloads</h2>
<dl>
{{- range .Workloads}}
<dt><code>{{.Name}}</code></dt>
<dd>{{if .Description}}{{.Description}}{{else}}(no cell of this workload ran){{end}}</dd>
{{- end}}
</dl>

<h2 id="plots">Plots</h2>
<dl>
{{- range .Explanations}}
<dt id="plot-{{.Kind}}">{{.Title}}</dt>
<dd>{{.Text}}</dd>
{{- end}}
</dl>
{{- range .Groups}}
<h3>{{.Workload}} on {{.HW}}</h3>
{{- range .Figures}}
<figure>
<img src="{{.Src}}" alt="{{.Title}}">
<figcaption>{{.Title}} (<a href="#plot-{{.Kind}}">how to read it</a>)</figcaption>
</figure>
{{- end}}
{{- else}}
{{- if .Design}}{{if .Design.GroupPlotsOmitted}}
<p>With {{.Design.Designs}} hardware designs, the plots of each workload on each design are left out: the
design-space section has the plots of each workload across the designs.</p>
{{- end}}{{else}}
<p>No cell ran, so there is nothing to plot per workload and hardware.</p>
{{- end}}
{{- end}}
</body>
</html>
`
