package reports

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/npusim/npusim/sim/campaign"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The plots of a fleet, one of each per fleet (FleetFlipsPlot for
// classifiers, FleetDivergencePlot for recurrent workloads).
const (
	// FleetLSBPlot counts the devices by their largest output error, a
	// stacked bar per error, a colour per policy.
	FleetLSBPlot PlotKind = "fleet-lsb"
	// FleetFlipsPlot counts the devices by how many samples' top-1 class
	// differs from the reference's.
	FleetFlipsPlot PlotKind = "fleet-flips"
	// FleetDivergencePlot counts the devices by the first step whose
	// output differs from the reference's, those that never diverge first.
	FleetDivergencePlot PlotKind = "fleet-divergence"
	// FleetStatePlot places every device by its die temperature and its
	// largest output error, a colour per policy.
	FleetStatePlot PlotKind = "fleet-state"
)

// countBin is the whole numbers from lo to hi.
type countBin struct{ lo, hi int64 }

// countBins cover the whole numbers from 0 to largest: a bin per number
// up to 15; beyond, a bin per number up to 3, then [4, 7], [8, 15], [16,
// 31] and so on, so that a few devices far out do not squeeze the rest.
func countBins(largest int64) []countBin {
	var bins []countBin
	if largest < 16 {
		for v := range max(largest, 0) + 1 {
			bins = append(bins, countBin{v, v})
		}
		return bins
	}
	for v := range int64(4) {
		bins = append(bins, countBin{v, v})
	}
	for lo := int64(4); lo > 0 && lo <= largest; lo *= 2 {
		bins = append(bins, countBin{lo, 2*lo - 1})
	}
	return bins
}

// binOf is the index of the bin that holds v (the first bin for v < 0).
func binOf(bins []countBin, v int64) int {
	return max(slices.IndexFunc(bins, func(b countBin) bool { return v <= b.hi }), 0)
}

// label names a bin: "2", "4-7"; zero names the bin of 0 when not empty.
func (b countBin) label(zero string) string {
	switch {
	case b.lo == 0 && zero != "":
		return zero
	case b.lo == b.hi:
		return strconv.FormatInt(b.lo, 10)
	}
	return fmt.Sprintf("%d-%d", b.lo, b.hi)
}

// WriteFleetPlots draws the plots of a fleet into dir, each as SVG and
// PNG: the number of devices by their largest output error, by their top-1
// flips (classifiers) or first diverging step (recurrent workloads), both
// as bars stacked by policy, and every device's largest output error
// against its die temperature, coloured by policy. Devices that cannot run
// are left out; a plot without devices to show is not drawn.
//
// The plots' Workload is the fleet's; HW is empty, as the plots cover
// every hardware. Policies lists the policies of the devices that ran, in
// the order of the spec, and the series follow it, a series per policy:
//   - FleetLSBPlot, FleetFlipsPlot and FleetDivergencePlot: X the smallest
//     value of each bin (see countBins; 0 is "none" for the divergence), Y
//     the number of the policy's devices in the bin; together the series
//     count every device that ran once.
//   - FleetStatePlot: a point per device of the policy that ran, X its
//     die temperature in degrees C, Y its largest output error in LSB.
func WriteFleetPlots(dir string, spec campaign.FleetSpec, devices []campaign.DeviceResult) ([]Plot, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	policies := fleetPolicies(spec, devices)
	var ran []campaign.DeviceResult
	for _, d := range devices {
		if d.Error == "" {
			ran = append(ran, d)
		}
	}
	var plots []Plot
	var figures []*figure
	add := func(p Plot, fig *figure) {
		if fig == nil {
			return
		}
		p.Workload = spec.Workload
		p.SVG, p.PNG = filepath.Join(dir, string(p.Kind)+".svg"), filepath.Join(dir, string(p.Kind)+".png")
		plots, figures = append(plots, p), append(figures, fig)
	}
	add(fleetDistribution(Plot{
		Kind:   FleetLSBPlot,
		Title:  "Largest output error per device: " + spec.Workload,
		XLabel: "largest difference from the reference (LSB)",
	}, policies, ran, "", func(d campaign.DeviceResult) (int64, bool) { return d.MaxLSB, true }))
	switch qualityOf(ran) {
	case flipsQuality:
		add(fleetDistribution(Plot{
			Kind:   FleetFlipsPlot,
			Title:  "Top-1 flips per device: " + spec.Workload,
			XLabel: "samples whose top-1 class differs from the reference's",
		}, policies, ran, "", func(d campaign.DeviceResult) (int64, bool) { return intValue(d.Top1Flips) }))
	case divergenceQuality:
		add(fleetDistribution(Plot{
			Kind:   FleetDivergencePlot,
			Title:  "First diverging step per device: " + spec.Workload,
			XLabel: "first step whose output differs from the reference's",
		}, policies, ran, "none", func(d campaign.DeviceResult) (int64, bool) { return intValue(d.DivergenceStep) }))
	}
	add(fleetStatePlot(spec.Workload, policies, ran))
	if err := writeFigures(plots, figures); err != nil {
		return nil, err
	}
	return plots, nil
}

// countTicks marks whole numbers: each of them, labelled, across a span
// of 10 or less, else those of the default ticks (see wholeTicks).
func countTicks(lo, hi float64) []plot.Tick {
	if hi-lo > 10 {
		return wholeTicks(lo, hi)
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo); v <= hi; v++ {
		if v == 0 {
			v = 0 // not -0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return ticks
}

// intValue is a figure a device may lack.
func intValue(x *int) (int64, bool) {
	if x == nil {
		return 0, false
	}
	return int64(*x), true
}

// fleetDistribution counts the devices by a whole-number figure (those
// for which value says false are left out), a bar per bin stacked by
// policy, with the total above each bar. zero names the bin of 0 if not
// empty. Without a device to count it returns no figure.
func fleetDistribution(pl Plot, policies []string, devices []campaign.DeviceResult, zero string,
	value func(campaign.DeviceResult) (int64, bool)) (Plot, *figure) {
	pl.YLabel, pl.Policies = "devices", policies
	largest, counted := int64(0), 0
	for _, d := range devices {
		if v, ok := value(d); ok {
			largest, counted = max(largest, v), counted+1
		}
	}
	if counted == 0 {
		return pl, nil
	}
	bins := countBins(largest)
	labels := make([]string, len(bins))
	xs := make([]float64, len(bins))
	for i, b := range bins {
		labels[i], xs[i] = b.label(zero), float64(b.lo)
	}
	totals := make([]float64, len(bins))
	for _, policy := range policies {
		s := Series{Name: policy, Unit: "devices", X: slices.Clone(xs), Y: make([]float64, len(bins))}
		for _, d := range devices {
			if v, ok := value(d); ok && d.Policy == policy {
				s.Y[binOf(bins, v)]++
				totals[binOf(bins, v)]++
			}
		}
		pl.Series = append(pl.Series, s)
	}
	paint := func(c draw.Canvas) error { return paintDistribution(c, pl, labels, totals) }
	return pl, &figure{width: 8 * vg.Inch, height: 4.5 * vg.Inch, draw: paint}
}

// paintDistribution draws the devices' counts per bin as bars stacked by
// policy, each stack topped by its total.
func paintDistribution(c draw.Canvas, pl Plot, labels []string, totals []float64) error {
	p := newPlot(pl.Title, pl.XLabel, pl.YLabel)
	legend := newLegend()
	width := min(0.6*vg.Inch, 4*vg.Inch/vg.Length(len(labels)))
	var below *plotter.BarChart
	for k, s := range pl.Series {
		clr, _, _ := policyStyle(k)
		bars, err := stackedBars(plotter.Values(s.Y), width, clr, below)
		if err != nil {
			return err
		}
		below = bars
		p.Add(bars)
		legend.Add(s.Name, bars)
	}
	var tops plotter.XYLabels
	for i, n := range totals {
		if n > 0 {
			tops.XYs = append(tops.XYs, plotter.XY{X: float64(i), Y: n})
			tops.Labels = append(tops.Labels, strconv.FormatFloat(n, 'f', -1, 64))
		}
	}
	names, err := plotter.NewLabels(tops)
	if err != nil {
		return err
	}
	for i := range names.TextStyle {
		names.TextStyle[i].Font = font.From(sans, 8)
		names.TextStyle[i].XAlign, names.TextStyle[i].YAlign = text.XCenter, text.YBottom
	}
	names.Offset.Y = vg.Points(2)
	p.Add(names)
	p.NominalX(labels...)
	p.Y.Min, p.Y.Max = 0, math.Max(1, 1.1*slices.Max(totals))
	p.Y.Tick.Marker = plot.TickerFunc(countTicks)
	left, right := split(c, c.Max.X-c.Min.X-1.8*vg.Inch)
	p.Draw(left)
	legend.Draw(draw.Crop(right, vg.Points(8), 0, 0, -vg.Points(24)))
	return nil
}

// fleetStatePlot places every device by its die temperature and largest
// output error, a colour per policy. The points of equal errors would hide
// each other, so each policy's are drawn in a band of their own a little
// above or below the error they stand for (0.15 LSB either way, wider when
// the errors span more than 10 LSB); the series hold the exact
// values.
func fleetStatePlot(workload string, policies []string, devices []campaign.DeviceResult) (Plot, *figure) {
	pl := Plot{
		Kind:     FleetStatePlot,
		Title:    "Die temperature and largest output error: " + workload,
		XLabel:   "die temperature (C)",
		YLabel:   "largest difference from the reference (LSB)",
		Policies: policies,
	}
	largest := int64(0)
	for _, policy := range policies {
		s := Series{Name: policy, Unit: "LSB"}
		for _, d := range devices {
			if d.Policy == policy {
				s.X = append(s.X, d.State.TemperatureC)
				s.Y = append(s.Y, float64(d.MaxLSB))
				largest = max(largest, d.MaxLSB)
			}
		}
		pl.Series = append(pl.Series, s)
	}
	if len(devices) == 0 {
		return pl, nil
	}
	band := 0.15 * math.Max(1, float64(largest)/10)
	step := 0.0
	if n := len(pl.Series); n > 1 {
		step = 2 * band / float64(n-1)
	}
	paint := func(c draw.Canvas) error {
		p := newPlot(pl.Title, pl.XLabel, pl.YLabel)
		p.Add(plotter.NewGrid())
		legend := newLegend()
		for k, s := range pl.Series {
			if len(s.X) == 0 {
				continue
			}
			xys := make(plotter.XYs, len(s.X))
			for i := range s.X {
				xys[i] = plotter.XY{X: s.X[i], Y: s.Y[i] - band + float64(k)*step}
			}
			points, err := plotter.NewScatter(xys)
			if err != nil {
				return err
			}
			clr, _, shape := policyStyle(k)
			points.GlyphStyle = draw.GlyphStyle{Color: clr, Radius: vg.Points(2.5), Shape: shape}
			p.Add(points)
			legend.Add(s.Name, points)
		}
		p.Y.Tick.Marker = plot.TickerFunc(countTicks)
		top := math.Max(1, float64(largest)+band)
		p.Y.Min, p.Y.Max = -band-0.05*top, 1.05*top
		left, right := split(c, c.Max.X-c.Min.X-1.8*vg.Inch)
		p.Draw(left)
		legend.Draw(draw.Crop(right, vg.Points(8), 0, 0, -vg.Points(24)))
		return nil
	}
	return pl, &figure{width: 8 * vg.Inch, height: 5 * vg.Inch, draw: paint}
}
