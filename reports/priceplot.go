package reports

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// WritePricePlot draws the price of determinism of a sweep into dir, as
// price.svg and price.png (see pricePlot); it returns nil, and writes
// nothing, when no policy is bit-exact anywhere.
func WritePricePlot(dir string, results []*experiment.Result) (*Plot, error) {
	pl, fig := pricePlot(campaign.Prices(results))
	if fig == nil {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	pl.SVG, pl.PNG = filepath.Join(dir, "price.svg"), filepath.Join(dir, "price.png")
	if err := fig.write(pl.SVG, pl.PNG); err != nil {
		return nil, fmt.Errorf("plot %s: %w", pl.Title, err)
	}
	return &pl, nil
}

// pricePlot draws the price of determinism of a sweep: a row per workload
// and hardware where a cell ran, a bar for the cheapest bit-exact policy's
// latency and one for its energy, both over the fastest policy's, and above
// them what the fastest policy buys the difference with. There is no
// figure when no policy is bit-exact anywhere.
func pricePlot(prices []campaign.Price) (Plot, *figure) {
	pl := Plot{
		Kind:   PricePlot,
		Title:  "The price of determinism: the bit-exact policy against the fastest",
		XLabel: "bit-exact policy / fastest policy",
		YLabel: "workload on hardware",
	}
	latency := Series{Name: "latency", Unit: "ratio"}
	energy := Series{Name: "energy", Unit: "ratio"}
	exact := false
	for _, p := range prices {
		if p.Fastest == nil {
			continue
		}
		l, okL := p.LatencyRatio(p.Fastest)
		e, _ := p.EnergyRatio(p.Fastest)
		if !okL {
			l, e = math.NaN(), math.NaN()
		}
		exact = exact || okL
		x := float64(len(pl.Rows))
		latency.X, latency.Y = append(latency.X, x), append(latency.Y, l)
		energy.X, energy.Y = append(energy.X, x), append(energy.Y, e)
		pl.Rows = append(pl.Rows, p.Workload+" on "+p.HW)
		pl.Annotations = append(pl.Annotations, priceAnnotation(p))
	}
	if !exact {
		return pl, nil
	}
	pl.Series = []Series{latency, energy}
	height := 1.3*vg.Inch + vg.Length(len(pl.Rows))*0.6*vg.Inch
	return pl, &figure{width: 12 * vg.Inch, height: height, draw: func(c draw.Canvas) error { return paintPrice(c, pl) }}
}

// priceAnnotation says what the fastest policy of a workload and hardware
// buys the price with: "reference (emulated): 1.35x the latency, 1.20x the
// energy of fp32, which changes 3.2% (max 12 LSB), top-1 100.0%, NNAPI FAIL
// (>3)".
func priceAnnotation(p campaign.Price) string {
	f := p.Fastest
	errs := fmt.Sprintf("changes %s (max %d LSB)", share(f.Output.Changed), f.Output.MaxLSB)
	if q := Quality(f); q != "-" {
		errs += ", " + q
	}
	errs += ", NNAPI " + Verdict(f)
	l, ok := p.LatencyRatio(f)
	switch {
	case !ok:
		return fmt.Sprintf("no bit-exact policy; the fastest, %s, %s", f.Policy, errs)
	case campaign.BitExact(f):
		return fmt.Sprintf("the fastest policy, %s, is bit-exact: no price", f.Policy)
	}
	e, _ := p.EnergyRatio(f)
	exact := p.Exact.Policy
	if m := RouteMark(p.Exact); m != "" {
		exact += " (" + m + ")"
	}
	return fmt.Sprintf("%s: %.2fx the latency, %.2fx the energy of %s, which %s", exact, l, e, f.Policy, errs)
}

// paintPrice draws the price plot: horizontal bars, the latency ratio
// above the energy ratio of each row, a dashed line at 1 (no price) and
// the rows' annotations above their bars.
func paintPrice(c draw.Canvas, pl Plot) error {
	n := len(pl.Rows)
	p := newPlot(pl.Title, pl.XLabel, "")
	p.Add(plotter.NewGrid())
	legend := newLegend()
	width := vg.Points(9)
	top := 1.0
	for k, s := range pl.Series {
		values := make([]float64, n)
		for i, y := range s.Y {
			if !math.IsNaN(y) {
				values[i] = y
				top = max(top, y)
			}
		}
		bars, err := stackedBars(reversed(values), width, palette[k], nil)
		if err != nil {
			return err
		}
		bars.Horizontal = true
		bars.Offset = width / 2
		if k > 0 {
			bars.Offset = -width / 2
		}
		p.Add(bars)
		legend.Add("bit-exact "+s.Name+" / fastest's", bars)
	}
	one, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(n) - 0.5}})
	if err != nil {
		return err
	}
	one.Color, one.Dashes, one.Width = color.Gray{Y: 0x50}, []vg.Length{vg.Points(4), vg.Points(3)}, vg.Points(1)
	p.Add(one)
	legend.Add("1: no price", one)
	if err := addAnnotations(p, pl.Annotations); err != nil {
		return err
	}
	names := slices.Clone(pl.Rows)
	slices.Reverse(names)
	p.NominalY(names...)
	p.X.Min, p.X.Max = 0, 1.1*top
	p.X.Tick.Marker = ratioTicks{}
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	left, right := split(c, c.Max.X-c.Min.X-2.2*vg.Inch)
	p.Draw(left)
	legend.Draw(draw.Crop(right, vg.Points(8), 0, 0, -vg.Points(24)))
	return nil
}

// addAnnotations writes each row's annotation above its bars, from the
// left edge (row i sits at n-1-i).
func addAnnotations(p *plot.Plot, annotations []string) error {
	n := len(annotations)
	xys := make(plotter.XYs, n)
	for i := range annotations {
		xys[i] = plotter.XY{X: 0, Y: float64(n-1-i) + 0.22}
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: annotations})
	if err != nil {
		return err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Font = font.From(sans, 8)
	}
	labels.Offset = vg.Point{X: vg.Points(4)}
	p.Add(labels)
	return nil
}

// ratioTicks are the default ticks labelled as ratios ("1.5x").
type ratioTicks struct{}

// Ticks implements plot.Ticker.
func (ratioTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i, t := range ticks {
		if !t.IsMinor() {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'g', 6, 64) + "x"
		}
	}
	return ticks
}
