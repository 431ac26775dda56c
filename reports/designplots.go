package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The plots of a hardware design space, one of each per workload.
const (
	// DesignEnergyPlot places every design by its area and the energy per
	// inference of its lowest-energy policy, with the Pareto fronts of the
	// designs that can run bit-exact and of those that cannot.
	DesignEnergyPlot PlotKind = "design-energy"
	// DesignLatencyPlot is the same with the latency of the fastest
	// policy.
	DesignLatencyPlot PlotKind = "design-latency"
	// DesignPricePlot shows each design's price of determinism (its
	// cheapest bit-exact policy over its fastest and its lowest-energy
	// policy) by requantizer modes, a mark per accumulator choice.
	DesignPricePlot PlotKind = "design-price"
)

// designMetric is what a design-space plot measures of a policy's result.
type designMetric struct {
	kind  PlotKind
	title string
	label string
	value func(*experiment.Result) float64
	// best is the design's best policy by the metric.
	best func(campaign.DesignResult) *experiment.Result
}

var designMetrics = []designMetric{
	{DesignEnergyPlot, "Area and energy", "energy per inference (uJ)",
		func(r *experiment.Result) float64 { return r.EnergyUJ },
		func(d campaign.DesignResult) *experiment.Result { return d.LowestEnergy }},
	{DesignLatencyPlot, "Area and latency", "latency per inference (ms)",
		func(r *experiment.Result) float64 { return r.LatencyMs },
		func(d campaign.DesignResult) *experiment.Result { return d.Fastest }},
}

// designAreaPlot plots the designs of one workload by area and a metric.
// Its series: the designs' best policies by the metric ("best policy";
// Policies names their designs), the cheapest bit-exact policies of the
// designs whose best is not bit-exact ("bit-exact policy"), and the two
// Pareto fronts ("exact front" over the bit-exact points of the designs
// that ran one, "non-exact front" over the best points of the others).
func designAreaPlot(ds *designSpace, workload string, m designMetric) (Plot, *figure) {
	pl := Plot{Kind: m.kind, Workload: workload, Title: m.title + ": " + workload + ", one point per design",
		XLabel: "modelled area (mm^2)", YLabel: m.label}
	best := Series{Name: "best policy", Unit: unitOf(m.kind)}
	exact := Series{Name: "bit-exact policy", Unit: best.Unit}
	exactFront, otherFront := Series{Unit: best.Unit}, Series{Unit: best.Unit}
	var filled []bool
	for _, d := range ds.designs(workload) {
		b := m.best(d)
		if b == nil || d.Hardware == nil {
			continue
		}
		a := d.Hardware.TotalMM2
		best.X, best.Y = append(best.X, a), append(best.Y, m.value(b))
		pl.Policies, filled = append(pl.Policies, ds.id(d.HW)), append(filled, campaign.BitExact(b))
		if d.Exact == nil {
			otherFront.X, otherFront.Y = append(otherFront.X, a), append(otherFront.Y, m.value(b))
			continue
		}
		exactFront.X, exactFront.Y = append(exactFront.X, a), append(exactFront.Y, m.value(d.Exact))
		if d.Exact != b {
			exact.X, exact.Y = append(exact.X, a), append(exact.Y, m.value(d.Exact))
		}
	}
	if len(best.X) == 0 {
		return pl, nil
	}
	exactFront, otherFront = frontOf(exactFront, "exact front"), frontOf(otherFront, "non-exact front")
	pl.Series = []Series{best, exact, exactFront, otherFront}
	paint := func(c draw.Canvas) error { return paintDesignArea(c, pl, filled) }
	return pl, &figure{width: 8 * vg.Inch, height: 5 * vg.Inch, draw: paint}
}

func unitOf(k PlotKind) string {
	if k == DesignLatencyPlot {
		return "ms"
	}
	return "uJ"
}

// frontOf keeps the Pareto front of a series' points, by increasing x.
func frontOf(s Series, name string) Series {
	front := Series{Name: name, Unit: s.Unit}
	for _, i := range ParetoFront(s.X, s.Y) {
		front.X, front.Y = append(front.X, s.X[i]), append(front.Y, s.Y[i])
	}
	return front
}

// xys turns a series into plotter points.
func xys(s Series) plotter.XYs {
	out := make(plotter.XYs, len(s.X))
	for i := range s.X {
		out[i] = plotter.XY{X: s.X[i], Y: s.Y[i]}
	}
	return out
}

// paintDesignArea draws the designs' points, filled where the best policy
// is bit-exact, labelled with the designs' numbers, and the two fronts.
func paintDesignArea(c draw.Canvas, pl Plot, filled []bool) error {
	p := newPlot(pl.Title, pl.XLabel, pl.YLabel)
	p.Add(plotter.NewGrid())
	legend := newLegend()
	for k, s := range pl.Series[2:] {
		if len(s.X) == 0 {
			continue
		}
		line, err := plotter.NewLine(xys(s))
		if err != nil {
			return err
		}
		line.Color, line.Width = palette[2+2*k], vg.Points(1.5)
		line.Dashes = [][]vg.Length{nil, {vg.Points(5), vg.Points(3)}}[k]
		p.Add(line)
		legend.Add(s.Name, line)
	}
	if err := addDesignPoints(p, &legend, pl, filled); err != nil {
		return err
	}
	padRange(&p.X, 0.12)
	padRange(&p.Y, 0.08)
	left, right := split(c, c.Max.X-c.Min.X-1.9*vg.Inch)
	p.Draw(left)
	legend.Draw(draw.Crop(right, vg.Points(8), 0, 0, -vg.Points(24)))
	return nil
}

// addDesignPoints adds the designs' best points (filled where bit-exact,
// rings where not), the cheapest bit-exact points and the designs'
// numbers.
func addDesignPoints(p *plot.Plot, legend *plot.Legend, pl Plot, filled []bool) error {
	best := pl.Series[0]
	var on, off plotter.XYs
	for i, xy := range xys(best) {
		if filled[i] {
			on = append(on, xy)
		} else {
			off = append(off, xy)
		}
	}
	for _, g := range []struct {
		pts   plotter.XYs
		shape draw.GlyphDrawer
		color int
		name  string
	}{
		{on, draw.CircleGlyph{}, 0, "best policy is bit-exact"},
		{off, draw.RingGlyph{}, 1, "best policy is not bit-exact"},
		{xys(pl.Series[1]), draw.SquareGlyph{}, 4, "cheapest bit-exact policy"},
	} {
		if len(g.pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(g.pts)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: palette[g.color], Radius: vg.Points(3.5), Shape: g.shape}
		p.Add(sc)
		legend.Add(g.name, sc)
	}
	names, err := plotter.NewLabels(plotter.XYLabels{XYs: xys(best), Labels: pl.Policies})
	if err != nil {
		return err
	}
	for i := range names.TextStyle {
		names.TextStyle[i].Font = font.From(sans, 8)
	}
	names.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
	p.Add(names)
	return nil
}

// padRange widens an axis by a share of its range (or of its value, when
// the range is empty), so that labels beside the points stay inside.
func padRange(a *plot.Axis, share float64) {
	span := a.Max - a.Min
	if span == 0 {
		span = math.Max(math.Abs(a.Max), 1)
		a.Min -= span * share
	}
	a.Max += span * share
}

// designPricePlot draws, for one workload, each design's price of
// determinism against its requantizer modes (a row per set of modes and
// lanes), a mark per accumulator choice: latency on the left, energy on
// the right. Series: "latency" and "energy", X the ratio, Y the row;
// Policies names the rows.
func designPricePlot(ds *designSpace, workload string) (Plot, *figure) {
	pl := Plot{Kind: DesignPricePlot, Workload: workload,
		Title:  "Price of determinism by requantizer and accumulators: " + workload,
		XLabel: "cheapest bit-exact policy / best policy", YLabel: "requantization modes (lanes)"}
	lat, en := Series{Name: "latency", Unit: "x"}, Series{Name: "energy", Unit: "x"}
	var accs, accOf []string
	for _, d := range ds.designs(workload) {
		l, okL := d.LatencyPrice()
		e, okE := d.EnergyPrice()
		if !okL || !okE || d.Hardware == nil {
			continue
		}
		rq, acc := strings.Join(d.Hardware.Requant, " + "), accumulatorsText(d.Hardware.Accumulators)
		row := slices.Index(pl.Policies, rq)
		if row < 0 {
			pl.Policies, row = append(pl.Policies, rq), len(pl.Policies)
		}
		if !slices.Contains(accs, acc) {
			accs = append(accs, acc)
		}
		lat.X, lat.Y = append(lat.X, l), append(lat.Y, float64(row))
		en.X, en.Y = append(en.X, e), append(en.Y, float64(row))
		accOf = append(accOf, acc)
	}
	if len(lat.X) == 0 {
		return pl, nil
	}
	pl.Series = []Series{lat, en}
	paint := func(c draw.Canvas) error { return paintDesignPrice(c, pl, accs, accOf) }
	return pl, &figure{width: 10 * vg.Inch, height: 1.6*vg.Inch + vg.Length(len(pl.Policies))*0.4*vg.Inch, draw: paint}
}

// paintDesignPrice draws the two panels of a price plot, a glyph and colour per
// accumulator choice, spread a little within each row.
func paintDesignPrice(c draw.Canvas, pl Plot, accs, accOf []string) error {
	c = titled(c, pl.Title)
	legend := newLegend()
	panels, key := split(c, c.Max.X-c.Min.X-2.2*vg.Inch)
	left, right := split(panels, (panels.Max.X-panels.Min.X)*0.58)
	for k, s := range pl.Series {
		p := newPlot(s.Name, s.Name+": "+pl.XLabel, "")
		p.Add(plotter.NewGrid())
		for a, acc := range accs {
			var pts plotter.XYs
			spread := 0.25 * (float64(a) - float64(len(accs)-1)/2) / float64(max(len(accs), 1))
			for i := range s.X {
				if accOf[i] == acc {
					pts = append(pts, plotter.XY{X: s.X[i], Y: s.Y[i] + spread})
				}
			}
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			clr, _, shape := policyStyle(a)
			sc.GlyphStyle = draw.GlyphStyle{Color: clr, Radius: vg.Points(3.5), Shape: shape}
			p.Add(sc)
			if k == 0 {
				legend.Add(acc, sc)
			}
		}
		labels := pl.Policies
		if k == 1 {
			labels = make([]string, len(pl.Policies))
		}
		p.NominalY(labels...)
		p.X.Min = math.Min(p.X.Min, 1)
		padRange(&p.X, 0.05)
		p.X.Tick.Marker = plot.TickerFunc(decimalTicks)
		p.Draw(draw.Crop([]draw.Canvas{left, right}[k], vg.Points(4*float64(k)), 0, 0, 0))
	}
	legend.Draw(draw.Crop(key, vg.Points(8), 0, 0, -vg.Points(20)))
	return nil
}

// decimalTicks are the default ticks labelled with as many decimals as the
// range needs to tell them apart (1.0005 and 1.001, not 1 and 1).
func decimalTicks(lo, hi float64) []plot.Tick {
	decimals := 0
	if span := hi - lo; span > 0 {
		decimals = max(0, int(math.Ceil(-math.Log10(span)))+1)
	}
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if !ticks[i].IsMinor() {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', decimals, 64)
		}
	}
	return ticks
}

// accumulatorsText writes accumulator modes compactly: "acc 32w 24s" for
// acc32-wrap and acc24-saturate.
func accumulatorsText(modes []string) string {
	out := "acc"
	for _, m := range modes {
		var bits int
		var overflow string
		if _, err := fmt.Sscanf(m, "acc%d-%s", &bits, &overflow); err != nil || overflow == "" {
			out += " " + m
			continue
		}
		out += fmt.Sprintf(" %d%c", bits, overflow[0])
	}
	return out
}

// designPlots lays out the design-space plots of every workload; none
// without a design space.
func designPlots(ds *designSpace) ([]Plot, []*figure) {
	if ds == nil {
		return nil, nil
	}
	var plots []Plot
	var figures []*figure
	for _, w := range ds.workloads {
		builds := []func() (Plot, *figure){
			func() (Plot, *figure) { return designAreaPlot(ds, w, designMetrics[0]) },
			func() (Plot, *figure) { return designAreaPlot(ds, w, designMetrics[1]) },
			func() (Plot, *figure) { return designPricePlot(ds, w) },
		}
		for _, build := range builds {
			if p, fig := build(); fig != nil {
				plots, figures = append(plots, p), append(figures, fig)
			}
		}
	}
	return plots, figures
}

// designFileBase names a design-space plot's files.
func designFileBase(p Plot, used map[string]bool) string {
	return fileBase(p.Kind, plotGroup{workload: p.Workload, hw: "designs"}, used)
}
