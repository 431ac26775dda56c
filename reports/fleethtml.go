package reports

import (
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"slices"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/sim/campaign"
)

// fleetPage is what a fleet's report.html shows.
type fleetPage struct {
	Summary string
	Spec    campaign.FleetSpec
	// Flips and Divergence say which task-specific columns the table has.
	Flips, Divergence bool
	Header            []string
	Rows              []htmlRow
	Total             htmlRow
	Errors            []fleetError
	Policies          []described
	Figures           []htmlFigure
	// Explanations say how to read the plots the page shows.
	Explanations []explanation
}

// fleetExplanations say how to read each kind of fleet plot.
var fleetExplanations = []explanation{
	{string(FleetLSBPlot), "Largest output error per device",
		"Each bar counts the devices whose largest difference from the reference interpreter, over all outputs " +
			"of all their samples, is that many LSB of the output grid (when a device is 16 LSB or more off, the " +
			"bars beyond 3 LSB gather ranges: 4-7, 8-15 and so on), stacked by policy, with the total above it. " +
			"The bar at 0 holds the bit-exact " +
			"devices; NNAPI accepts 1 LSB (3 for mobilenet-class networks), so the devices of the next bars pass " +
			"its test while computing something else."},
	{string(FleetFlipsPlot), "Top-1 flips per device",
		"Each bar counts the devices by how many of their samples get a top-1 class other than the reference's, " +
			"stacked by policy: the changes an application would see, which the LSB error alone does not tell."},
	{string(FleetDivergencePlot), "First diverging step per device",
		"Each bar counts the devices by the first step of the sequence whose output differs from the " +
			"reference's (none: the device never diverges), stacked by policy; in a recurrent network a " +
			"difference at one step feeds every later one."},
	{string(FleetStatePlot), "Die temperature and largest output error",
		"Each point is a device: x its die temperature when it ran, y its largest output error in LSB, " +
			"coloured by policy. A static policy's error does not follow the temperature; a dynamic policy's " +
			"rules react to temperature, free scratchpad and DRAM load, so its error changes with the device's " +
			"state, for example above a temperature threshold. Each policy's points are drawn a little above or " +
			"below the whole number of LSB they stand for, so that equal errors of different policies stay visible."},
}

// WriteFleetHTML writes a fleet's report.html: a self-contained page
// (inline CSS, no scripts, no external resources) with the fleet's summary
// line, the table of FleetTable, why devices cannot run, the plots (their
// SVG files, linked by paths relative to the page) with how to read each,
// what each policy is (from its preset or policy file, versions included)
// and how the device state is modelled.
func WriteFleetHTML(path string, spec campaign.FleetSpec, devices []campaign.DeviceResult, plots []Plot) error {
	page, err := newFleetPage(path, spec, devices, plots)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error { return fleetTemplate.Execute(w, page) })
}

func newFleetPage(path string, spec campaign.FleetSpec, devices []campaign.DeviceResult,
	plots []Plot) (*fleetPage, error) {
	groups := fleetGroups(spec, devices)
	quality := qualityOf(devices)
	page := &fleetPage{
		Summary:    fleetSummary(groups[len(groups)-1]),
		Spec:       spec,
		Flips:      quality == flipsQuality,
		Divergence: quality == divergenceQuality,
		Errors:     fleetErrors(devices),
	}
	cols := fleetColumns(quality)
	page.Header = headers(cols)
	for i, g := range groups {
		row := fleetHTMLRow(cols, g)
		if i == len(groups)-1 {
			page.Total = row
			break
		}
		page.Rows = append(page.Rows, row)
	}
	policies := slices.Clone(spec.Policies)
	for _, d := range devices {
		policies = append(policies, d.Policy)
	}
	for _, name := range policies {
		if !slices.ContainsFunc(page.Policies, func(d described) bool { return d.Name == name }) {
			page.Policies = append(page.Policies, described{name, policyDescription(name)})
		}
	}
	base, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	for _, p := range plots {
		src, err := relativeURL(base, p.SVG)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", p.Title, err)
		}
		page.Figures = append(page.Figures, htmlFigure{Src: src, Title: p.Title, Kind: string(p.Kind)})
	}
	for _, e := range fleetExplanations {
		if slices.ContainsFunc(plots, func(p Plot) bool { return string(p.Kind) == e.Kind }) {
			page.Explanations = append(page.Explanations, e)
		}
	}
	return page, nil
}

// fleetHTMLRow is a group's row of the fleet table, the devices that pass
// NNAPI's test but change outputs marked.
func fleetHTMLRow(cols []column[*fleetGroup], g *fleetGroup) htmlRow {
	var row htmlRow
	for i, text := range fleetRow(cols, g) {
		c := htmlCell{Text: text}
		switch {
		case i < fleetNameColumns:
			c.Class = "name"
		case cols[i].header == "valid but different" && g.validButDifferent > 0:
			c.Class = "warn"
		}
		row.Cells = append(row.Cells, c)
	}
	return row
}

var fleetTemplate = template.Must(template.New("fleet").Funcs(template.FuncMap{"count": count}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>npusim fleet report</title>
` + pageStyle + `<style>
tfoot td { font-weight: bold; border-top: 2px solid #bbb; }
td.warn { color: #a35a00; font-weight: bold; }
</style>
</head>
<body>
<h1>npusim fleet report</h1>
<p><strong>{{.Summary}}.</strong></p>
<p>Workload <code>{{.Spec.Workload}}</code>, ` +
	`{{if .Spec.Samples}}{{count .Spec.Samples "sample" "samples"}} per device` +
	`{{else}}every sample of the workload on each device{{end}}, fleet seed {{.Spec.Seed}};
hardware {{range $i, $h := .Spec.HW}}{{if $i}}, {{end}}<code>{{$h}}</code>{{end}};
policies {{range $i, $p := .Spec.Policies}}{{if $i}}, {{end}}<code>{{$p}}</code>{{end}}.</p>

<h2 id="results">Results</h2>
<div class="scroll">
<table>
<thead>
<tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
</thead>
<tbody>
{{- range .Rows}}
<tr>{{range .Cells}}<td{{with .Class}} class="{{.}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody>
<tfoot>
<tr>{{range .Total.Cells}}<td{{with .Class}} class="{{.}}"{{end}}>{{.Text}}</td>{{end}}</tr>
</tfoot>
</table>
</div>
<p class="note">A row per hardware and policy, the last for the whole fleet. Every figure but <em>devices</em>
and <em>cannot run</em> is about the devices that ran. <em>bit-identical</em> is the share whose output bytes
equal the reference interpreter's; <em>median LSB</em> and <em>max LSB</em> are the median and the largest, over
the devices, of each device's largest difference from the reference (all outputs of its samples, in LSB of the
output grid);
{{- if .Flips}} <em>mean flips</em> and <em>max flips</em> are the mean and the largest number of samples
per device whose top-1 class differs from the reference's;
{{- else if .Divergence}} <em>median divergence</em> and <em>first divergence</em> are the median and the
earliest first diverging step of the devices that diverge (none: no device does);
{{- end}} <em>NNAPI pass</em> is the share within NNAPI's tolerance (1 LSB, 3 for mobilenet-class networks);
<em>valid but different</em> counts the devices that pass NNAPI's test and still change outputs, which a
conformance test cannot tell from exact ones. Latency and energy are means per inference; fleet.csv has every
device's figures unrounded.</p>
{{- if .Errors}}

<h3 id="cannot-run">Devices that cannot run</h3>
<ul>
{{- range .Errors}}
<li>{{.Stopped}}: {{.Message}}</li>
{{- end}}
</ul>
{{- end}}

<h2 id="policies">Policies</h2>
<dl>
{{- range .Policies}}
<dt><code>{{.Name}}</code></dt>
<dd>{{.Description}}</dd>
{{- end}}
</dl>

<h2 id="device-state">Device state</h2>
<p>Each device is caught at a seeded point of its life (one of its first 50 runs) of a stochastic model of what
else the phone does: the die temperature follows an ambient heat that switches between idle (35 C) and a
demanding foreground app (78 C), the clock throttles to 80% above 75 C and to 60% above 85 C, a camera or DSP
client sometimes holds a quarter or half of the scratchpads, and other clients use up to three quarters of the
DRAM bandwidth. The state is a pure function of the device's seed and run, so every device can be replayed; the
clock and the DRAM load change only its latency and energy, the scratchpad left changes how the driver tiles
(and so where split reductions round), and a dynamic policy's rules read the temperature, free scratchpad and
load to choose its arithmetic.</p>

<h2 id="plots">Plots</h2>
<dl>
{{- range .Explanations}}
<dt id="plot-{{.Kind}}">{{.Title}}</dt>
<dd>{{.Text}}</dd>
{{- end}}
</dl>
{{- range .Figures}}
<figure>
<img src="{{.Src}}" alt="{{.Title}}">
<figcaption>{{.Title}} (<a href="#plot-{{.Kind}}">how to read it</a>)</figcaption>
</figure>
{{- else}}
<p>No device ran, so there is nothing to plot.</p>
{{- end}}
</body>
</html>
`))
