package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/sim/experiment"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PlotKind names what a plot shows.
type PlotKind string

// The plots of a sweep, one of each per workload and hardware.
const (
	// ParetoPlot places every policy by its energy per inference and its
	// output error, and marks the Pareto front.
	ParetoPlot PlotKind = "pareto"
	// LayersPlot follows the error from layer to layer, a line per policy.
	LayersPlot PlotKind = "layers"
	// HistogramPlot shows, per policy, how many output values differ from
	// the reference's by how many LSBs.
	HistogramPlot PlotKind = "histogram"
	// BreakdownPlot stacks each policy's energy by NPU component, beside
	// its latency.
	BreakdownPlot PlotKind = "breakdown"
	// PricePlot shows, for every workload and hardware of a sweep, the
	// cheapest bit-exact policy's latency and energy against the fastest
	// policy's, with the error the fastest buys them with.
	PricePlot PlotKind = "price"
)

// Plot describes one written plot and the values it shows.
//
// Policies names the plotted cells in the order of the results. The series
// depend on the kind:
//   - ParetoPlot: one series whose point i is Policies[i], X the energy per
//     inference in uJ and Y the RMS output error in LSB (see RMSError);
//     Front holds the indices of the Pareto front, by increasing energy.
//   - LayersPlot: a series per policy, X the layer's index in the model,
//     Y the largest difference of the layer's output in LSB.
//   - HistogramPlot: a series per policy other than the reference, X the
//     difference from the reference in LSB, Y the number of output values.
//   - BreakdownPlot: a series per NPU component that used energy, X the
//     index into Policies and Y the energy per inference in uJ, then a
//     series named "latency", Y the latency per inference in ms.
//   - PricePlot (one for the whole sweep, Workload and HW empty): a row per
//     workload and hardware where a cell ran, named by Rows; a series
//     "latency" and a series "energy", X the row's index and Y the cheapest
//     bit-exact policy's latency (energy) over the fastest policy's, NaN
//     where no policy is bit-exact; Annotations[i] says what row i's
//     fastest policy buys the difference with.
//
// WriteFleetPlots says what the series of a fleet's plots hold.
type Plot struct {
	Kind     PlotKind
	Title    string
	Workload string
	HW       string
	// SVG and PNG are the paths of the written files.
	SVG, PNG       string
	XLabel, YLabel string
	Policies       []string
	Series         []Series
	Front          []int
	Rows           []string
	Annotations    []string
}

// Series is one set of plotted values.
type Series struct {
	Name string
	// Unit is the unit of Y.
	Unit string
	X, Y []float64
}

// ParetoFront returns the indices of the points that no other point
// dominates when both coordinates are minimized (a point dominates another
// when it is no worse in both and better in one), sorted by x, then y, then
// index. Equal points are all on the front. Points with a NaN coordinate
// are ignored.
func ParetoFront(xs, ys []float64) []int {
	idx := make([]int, 0, len(xs))
	for i := range xs {
		if !math.IsNaN(xs[i]) && !math.IsNaN(ys[i]) {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(xs[a], xs[b]), cmp.Compare(ys[a], ys[b]), cmp.Compare(a, b))
	})
	// Every earlier point has x no larger; a point is on the front when
	// none of them also has y no larger, unless it equals the best one.
	var front []int
	for _, i := range idx {
		if n := len(front); n == 0 || ys[i] < ys[front[n-1]] ||
			(ys[i] == ys[front[n-1]] && xs[i] == xs[front[n-1]]) {
			front = append(front, i)
		}
	}
	return front
}

// RMSError is the root mean square of the differences counted by a
// deviation's histogram, in LSB: zero exactly when the values equal the
// reference's, and, unlike the largest difference, it tells a policy that
// moves one value by 2 LSB from one that moves every value by 2 LSB.
// Without a histogram it falls back to MaxLSB, its upper bound.
func RMSError(d *experiment.Deviation) float64 {
	var n, sq float64
	for _, b := range d.Histogram {
		n += float64(b.Count)
		sq += float64(b.Count) * float64(b.Diff) * float64(b.Diff)
	}
	if n == 0 {
		return float64(d.MaxLSB)
	}
	return math.Sqrt(sq / n)
}

// plotGroup is the cells of one workload on one hardware that ran, in the
// order of the results.
type plotGroup struct {
	workload, hw string
	cells        []*experiment.Result
}

// groupCells groups the cells that ran by workload and hardware, in order
// of first appearance.
func groupCells(results []*experiment.Result) []plotGroup {
	var groups []plotGroup
	for _, r := range results {
		if r.Error != "" {
			continue
		}
		i := slices.IndexFunc(groups, func(g plotGroup) bool { return g.workload == r.Workload && g.hw == r.HW })
		if i < 0 {
			groups = append(groups, plotGroup{workload: r.Workload, hw: r.HW})
			i = len(groups) - 1
		}
		groups[i].cells = append(groups[i].cells, r)
	}
	return groups
}

func (g plotGroup) policies() []string {
	names := make([]string, len(g.cells))
	for i, r := range g.cells {
		names[i] = r.Policy
	}
	return names
}

// WritePlots draws the plots of a sweep into dir, each as SVG and PNG: per
// workload and hardware, energy against output error with the Pareto front,
// the error through the layers, the histograms of output differences and
// the energy breakdown with latency; then, for a sweep of several hardware
// designs, per workload the design-space plots (area against energy and
// latency, the price of determinism). Cells that could not run are left
// out. A sweep of more than MaxDesignsWithGroupPlots designs has only the
// design-space plots. It returns the plots in the order of their groups'
// first cells, the design-space plots last.
// WritePricePlot draws the price of determinism of the whole sweep.
func WritePlots(dir string, results []*experiment.Result) ([]Plot, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var plots []Plot
	var figures []*figure
	used := map[string]bool{}
	ds := newDesignSpace(results)
	for _, g := range groupCells(results) {
		if ds.omitsGroupPlots() {
			break
		}
		for _, build := range []func(plotGroup) (Plot, *figure){paretoPlot, layersPlot, histogramPlot, breakdownPlot} {
			p, fig := build(g)
			if fig == nil {
				continue
			}
			p.Workload, p.HW = g.workload, g.hw
			base := fileBase(p.Kind, g, used)
			p.SVG, p.PNG = filepath.Join(dir, base+".svg"), filepath.Join(dir, base+".png")
			plots, figures = append(plots, p), append(figures, fig)
		}
	}
	dp, df := designPlots(ds)
	for i := range dp {
		base := designFileBase(dp[i], used)
		dp[i].SVG, dp[i].PNG = filepath.Join(dir, base+".svg"), filepath.Join(dir, base+".png")
	}
	plots, figures = append(plots, dp...), append(figures, df...)
	if err := writeFigures(plots, figures); err != nil {
		return nil, err
	}
	return plots, nil
}

// writeFigures renders figure i into the files of plots[i]. Each figure is
// drawn on its own canvases, so they are drawn side by side; the files do
// not depend on the order.
func writeFigures(plots []Plot, figures []*figure) error {
	errs := make([]error, len(figures))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(figures)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = figures[i].write(plots[i].SVG, plots[i].PNG)
			}
		})
	}
	for i := range figures {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("plot %s: %w", plots[i].Title, err)
		}
	}
	return nil
}

// fileBase names a plot's files after its kind, workload and hardware,
// keeping only characters safe in file names and URLs, and numbering names
// that would otherwise repeat.
func fileBase(kind PlotKind, g plotGroup, used map[string]bool) string {
	base := string(kind) + "-" + slug(g.workload) + "-" + slug(g.hw)
	name := base
	for n := 2; used[name]; n++ {
		name = base + "-" + strconv.Itoa(n)
	}
	used[name] = true
	return name
}

// slug keeps letters, digits, '.', '_' and '-' of a name (a preset name, or
// the base name of a file without its extension), in lower case, and turns
// runs of anything else into one '-'.
func slug(name string) string {
	name = filepath.Base(filepath.ToSlash(name))
	switch ext := filepath.Ext(name); strings.ToLower(ext) {
	case ".yaml", ".yml", ".json", ".csv", ".onnx":
		name = strings.TrimSuffix(name, ext)
	}
	var b strings.Builder
	dash := false
	for _, r := range name {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		ok := letter || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.ToLower(strings.Trim(b.String(), "-."))
	if s == "" {
		return "x"
	}
	return s
}

// figure is a drawing of a given size, rendered once per file format.
type figure struct {
	width, height vg.Length
	draw          func(draw.Canvas) error
}

// pngDPI is the resolution of the PNG files.
const pngDPI = 96

// write renders the figure as SVG and as PNG.
func (f *figure) write(svgPath, pngPath string) (err error) {
	defer func() {
		// gonum/plot reports some impossible layouts by panicking
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing failed: %v", r)
		}
	}()
	svg := vgsvg.New(f.width, f.height)
	if err := f.render(draw.New(svg)); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := svg.WriteTo(&buf); err != nil {
		return err
	}
	// Arial has the metrics of Liberation Sans: a browser without the one
	// lays the text out the same with the other
	const fonts = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"
	out := bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"), []byte(fonts))
	if err := atomicfile.Write(svgPath, func(w io.Writer) error { _, err := w.Write(out); return err }); err != nil {
		return err
	}
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.width, f.height), vgimg.UseDPI(pngDPI))}
	if err := f.render(draw.New(png)); err != nil {
		return err
	}
	return atomicfile.Write(pngPath, writeTo(png))
}

// render paints the figure on a white background, inside a margin.
func (f *figure) render(c draw.Canvas) error {
	c.SetColor(color.White)
	c.Fill(c.Path())
	m := vg.Points(6)
	return f.draw(draw.Crop(c, m, -m, m, -m))
}

func writeTo(wt io.WriterTo) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := wt.WriteTo(w)
		return err
	}
}

// sans is the plots' typeface (gonum/plot embeds the Liberation fonts).
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// palette colours the policies of a group, and the NPU components, in order
// (Tableau 10).
var palette = []color.Color{
	rgb(0x4e79a7), rgb(0xf28e2b), rgb(0xe15759), rgb(0x76b7b2), rgb(0x59a14f),
	rgb(0xedc948), rgb(0xb07aa1), rgb(0xff9da7), rgb(0x9c755f), rgb(0xbab0ac),
}

func rgb(v uint32) color.RGBA { return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff} }

// policyStyle is the colour, dashes and glyph of a group's i-th policy:
// the colours repeat after ten policies, with dashed lines and other glyphs.
func policyStyle(i int) (color.Color, []vg.Length, draw.GlyphDrawer) {
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}}
	var dashes []vg.Length
	if i/len(palette)%2 == 1 {
		dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return palette[i%len(palette)], dashes, shapes[i/len(palette)%len(shapes)]
}

// newPlot is a plot with the report's fonts and labels.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 11)
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, 10)
		a.Tick.Label.Font = font.From(sans, 9)
	}
	p.Legend.TextStyle.Font = font.From(sans, 9)
	return p
}

// newLegend is a legend drawn beside a plot, not on it.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(sans, 9)
	l.Top, l.Left = true, true
	l.Padding = vg.Points(3)
	return l
}

// split cuts a canvas into a left part of the given width and the rest.
func split(c draw.Canvas, left vg.Length) (draw.Canvas, draw.Canvas) {
	w := c.Max.X - c.Min.X
	return draw.Crop(c, 0, left-w, 0, 0), draw.Crop(c, left, 0, 0, 0)
}

// titled draws a title across the top of a canvas and returns the rest.
func titled(c draw.Canvas, title string) draw.Canvas {
	sty := plot.New().Title.TextStyle
	sty.Font = font.From(sans, 12)
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - vg.Points(6)}, title)
	return draw.Crop(c, 0, 0, 0, -vg.Points(28))
}

// wholeTicks marks whole numbers only.
func wholeTicks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value != math.Trunc(t.Value) {
			continue
		}
		if !t.IsMinor() {
			t.Label = strconv.FormatFloat(t.Value, 'f', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

func groupTitle(what string, g plotGroup) string {
	return fmt.Sprintf("%s: %s on %s", what, g.workload, g.hw)
}

// errorTitle is the title of a plot of deviations from the reference,
// with the workload's caveat on a second line.
func errorTitle(what string, g plotGroup) string {
	if c := g.caveat(); c != "" {
		return groupTitle(what, g) + "\n(" + c + ")"
	}
	return groupTitle(what, g)
}

// paretoPlot places every cell by energy and RMS output error, joins the
// Pareto front and labels each point with its policies.
func paretoPlot(g plotGroup) (Plot, *figure) {
	n := len(g.cells)
	xs, ys := make([]float64, n), make([]float64, n)
	for i, r := range g.cells {
		xs[i], ys[i] = r.EnergyUJ, RMSError(&r.Output)
	}
	pl := Plot{
		Kind:     ParetoPlot,
		Title:    errorTitle("Energy and output error", g),
		XLabel:   "energy per inference (uJ)",
		YLabel:   "RMS output error (LSB)",
		Policies: g.policies(),
		Series:   []Series{{Name: "cells", Unit: "LSB", X: xs, Y: ys}},
		Front:    ParetoFront(xs, ys),
	}
	// policies at the same point share one label
	var points plotter.XYs
	var labels []string
	for i := range n {
		j := slices.IndexFunc(points, func(p plotter.XY) bool { return p.X == xs[i] && p.Y == ys[i] })
		if j < 0 {
			points = append(points, plotter.XY{X: xs[i], Y: ys[i]})
			labels = append(labels, pl.Policies[i])
			continue
		}
		labels[j] += ", " + pl.Policies[i]
	}
	front := make(plotter.XYs, len(pl.Front))
	for k, i := range pl.Front {
		front[k] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	paint := func(c draw.Canvas) error { return paintPareto(c, pl, points, labels, front) }
	return pl, &figure{width: 8 * vg.Inch, height: 5 * vg.Inch, draw: paint}
}

// paintPareto draws the cells' points with their policies' names and the
// Pareto front through them.
func paintPareto(c draw.Canvas, pl Plot, points plotter.XYs, labels []string, front plotter.XYs) error {
	p := newPlot(pl.Title, pl.XLabel, pl.YLabel)
	p.Add(plotter.NewGrid())
	line, err := plotter.NewLine(front)
	if err != nil {
		return err
	}
	line.Color, line.Width = palette[2], vg.Points(1.5)
	marks, err := plotter.NewScatter(front)
	if err != nil {
		return err
	}
	marks.GlyphStyle = draw.GlyphStyle{Color: palette[2], Radius: vg.Points(6), Shape: draw.RingGlyph{}}
	all, err := plotter.NewScatter(points)
	if err != nil {
		return err
	}
	all.GlyphStyle = draw.GlyphStyle{Color: palette[0], Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
	names, err := plotter.NewLabels(plotter.XYLabels{XYs: points, Labels: labels})
	if err != nil {
		return err
	}
	for i := range names.TextStyle {
		names.TextStyle[i].Font = font.From(sans, 8)
	}
	names.Offset = vg.Point{X: vg.Points(6), Y: vg.Points(3)}
	p.Add(line, marks, all, names)
	legend := newLegend()
	legend.Add("policy", all)
	legend.Add("Pareto front", line, marks)
	// room for the labels right of the points and above them
	p.Y.Min = math.Min(p.Y.Min, 0)
	p.Y.Max = math.Max(p.Y.Max, 1)
	if p.X.Min == p.X.Max {
		// one energy: show it at the middle of [0, 2x]
		p.X.Min, p.X.Max = min(0, 2*p.X.Min), max(0, 2*p.X.Max)
	}
	p.X.Max += 0.15 * (p.X.Max - p.X.Min)
	p.Y.Max += 0.05 * (p.Y.Max - p.Y.Min)
	left, right := split(c, c.Max.X-c.Min.X-1.3*vg.Inch)
	p.Draw(left)
	legend.Draw(draw.Crop(right, vg.Points(8), 0, 0, -vg.Points(24)))
	return nil
}

// layersPlot draws the largest difference of every layer's output, a line
// per policy.
func layersPlot(g plotGroup) (Plot, *figure) {
	pl := Plot{
		Kind:     LayersPlot,
		Title:    errorTitle("Error through the layers", g),
		XLabel:   "layer (index in the model)",
		YLabel:   "largest difference of the layer output (LSB)",
		Policies: g.policies(),
	}
	layers := 0
	for _, r := range g.cells {
		s := Series{Name: r.Policy, Unit: "LSB"}
		for k, l := range r.Layers {
			if l.Deviation.Elements == 0 && l.Fusion != "" {
				continue // a vendor fusion never computes the layer's output
			}
			s.X = append(s.X, float64(k))
			s.Y = append(s.Y, float64(l.Deviation.MaxLSB))
		}
		pl.Series = append(pl.Series, s)
		layers = max(layers, len(r.Layers))
	}
	if layers == 0 {
		return pl, nil
	}
	paint := func(c draw.Canvas) error { return paintLayers(c, pl, layers <= 40) }
	return pl, &figure{width: 9 * vg.Inch, height: 5 * vg.Inch, draw: paint}
}

// paintLayers draws a line per policy through its layers' largest
// differences, with a mark on every layer when glyphs is set.
func paintLayers(c draw.Canvas, pl Plot, glyphs bool) error {
	p := newPlot(pl.Title, pl.XLabel, pl.YLabel)
	p.Add(plotter.NewGrid())
	legend := newLegend()
	for i, s := range pl.Series {
		xys := make(plotter.XYs, len(s.X))
		for k := range s.X {
			xys[k] = plotter.XY{X: s.X[k], Y: s.Y[k]}
		}
		clr, dashes, shape := policyStyle(i)
		line, err := plotter.NewLine(xys)
		if err != nil {
			return err
		}
		line.Color, line.Dashes, line.Width = clr, dashes, vg.Points(1.2)
		p.Add(line)
		thumbs := []plot.Thumbnailer{line}
		if glyphs {
			pts, err := plotter.NewScatter(xys)
			if err != nil {
				return err
			}
			pts.GlyphStyle = draw.GlyphStyle{Color: clr, Radius: vg.Points(2.5), Shape: shape}
			p.Add(pts)
			thumbs = append(thumbs, pts)
		}
		legend.Add(s.Name, thumbs...)
	}
	p.X.Tick.Marker = plot.TickerFunc(wholeTicks)
	p.Y.Min = 0
	p.Y.Max = math.Max(p.Y.Max, 1)
	left, right := split(c, c.Max.X-c.Min.X-1.8*vg.Inch)
	p.Draw(left)
	legend.Draw(draw.Crop(right, vg.Points(8), 0, 0, -vg.Points(24)))
	return nil
}

// histogramPlot draws, for every policy but the reference, a histogram of
// its output differences on a log scale, all panels on the same axes.
func histogramPlot(g plotGroup) (Plot, *figure) {
	pl := Plot{
		Kind:   HistogramPlot,
		Title:  errorTitle("Output differences from the reference", g),
		XLabel: "output - reference (LSB)",
		YLabel: "output values",
	}
	var colors []color.Color
	lo, hi, most := int64(0), int64(0), 1
	for i, r := range g.cells {
		if r.Policy == ReferencePolicy {
			continue
		}
		s := Series{Name: r.Policy, Unit: "values"}
		for _, b := range r.Output.Histogram {
			s.X = append(s.X, float64(b.Diff))
			s.Y = append(s.Y, float64(b.Count))
			lo, hi, most = min(lo, b.Diff), max(hi, b.Diff), max(most, b.Count)
		}
		pl.Policies = append(pl.Policies, r.Policy)
		pl.Series = append(pl.Series, s)
		clr, _, _ := policyStyle(i)
		colors = append(colors, clr)
	}
	n := len(pl.Series)
	if n == 0 {
		return pl, nil
	}
	cols := min(n, 3)
	rows := (n + cols - 1) / cols
	paint := func(c draw.Canvas) error {
		c = titled(c, pl.Title)
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(12), PadY: vg.Points(12),
			PadLeft: vg.Points(4), PadRight: vg.Points(8), PadBottom: vg.Points(4)}
		for k, s := range pl.Series {
			p := newPlot(fmt.Sprintf("%s (max %d LSB)", s.Name, g.cellMaxLSB(s.Name)), pl.XLabel, pl.YLabel)
			p.Title.TextStyle.Font = font.From(sans, 10)
			h := &plotter.Histogram{FillColor: colors[k], LogY: true}
			for i := range s.X {
				h.Bins = append(h.Bins, plotter.HistogramBin{Min: s.X[i] - 0.4, Max: s.X[i] + 0.4, Weight: s.Y[i]})
			}
			h.LineStyle.Width = 0
			p.Add(h)
			p.X.Min, p.X.Max = float64(lo)-1, float64(hi)+1
			p.X.Tick.Marker = plot.TickerFunc(wholeTicks)
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
			p.Y.Min, p.Y.Max = 0.5, 2*float64(most)
			p.Draw(tiles.At(c, k%cols, k/cols))
		}
		return nil
	}
	width, height := vg.Length(cols)*3.2*vg.Inch, vg.Length(rows)*2.6*vg.Inch+vg.Points(28)
	return pl, &figure{width: width, height: height, draw: paint}
}

// cellMaxLSB is the largest output difference of a policy in the group.
func (g plotGroup) cellMaxLSB(policy string) int64 {
	for _, r := range g.cells {
		if r.Policy == policy {
			return r.Output.MaxLSB
		}
	}
	return 0
}

// breakdownPlot stacks each policy's energy per inference by component,
// beside a bar of its latency.
func breakdownPlot(g plotGroup) (Plot, *figure) {
	pl := Plot{
		Kind:     BreakdownPlot,
		Title:    groupTitle("Energy by component and latency", g),
		XLabel:   "energy per inference (uJ)",
		YLabel:   "policy",
		Policies: g.policies(),
	}
	n := len(g.cells)
	index := make([]float64, n)
	for i := range index {
		index[i] = float64(i)
	}
	var comps []npu.Component
	for c := range npu.NumComponents {
		s := Series{Name: c.String(), Unit: "uJ", X: slices.Clone(index), Y: make([]float64, n)}
		used := false
		for i, r := range g.cells {
			s.Y[i] = r.EnergyPJ[c] / 1e6
			used = used || s.Y[i] != 0
		}
		if used {
			pl.Series = append(pl.Series, s)
			comps = append(comps, c)
		}
	}
	latency := Series{Name: "latency", Unit: "ms", X: index, Y: make([]float64, n)}
	for i, r := range g.cells {
		latency.Y[i] = r.LatencyMs
	}
	pl.Series = append(pl.Series, latency)
	paint := func(c draw.Canvas) error { return paintBreakdown(c, pl, comps) }
	return pl, &figure{width: 9.5 * vg.Inch, height: 1.3*vg.Inch + vg.Length(n)*0.32*vg.Inch, draw: paint}
}

// stackedBars makes a bar chart of values in one colour, without outlines,
// stacked on below unless it is nil.
func stackedBars(values plotter.Values, width vg.Length, c color.Color,
	below *plotter.BarChart) (*plotter.BarChart, error) {
	bars, err := plotter.NewBarChart(values, width)
	if err != nil {
		return nil, err
	}
	bars.Color = c
	bars.LineStyle.Width = 0
	if below != nil {
		bars.StackOn(below)
	}
	return bars, nil
}

// reversed returns the values last first: with the first cell's bar on top,
// bar i sits at n-1-i.
func reversed(v []float64) plotter.Values {
	out := make(plotter.Values, len(v))
	for i, x := range v {
		out[len(v)-1-i] = x
	}
	return out
}

// paintBreakdown draws the energy bars, stacked by component (the first
// series of pl, one per comps), beside the latency bars (its last series).
func paintBreakdown(c draw.Canvas, pl Plot, comps []npu.Component) error {
	names := slices.Clone(pl.Policies)
	slices.Reverse(names)
	barWidth := 0.22 * vg.Inch
	c = titled(c, pl.Title)
	energy := newPlot("energy", pl.XLabel, "")
	legend := newLegend()
	var below *plotter.BarChart
	for k, s := range pl.Series[:len(comps)] {
		bars, err := stackedBars(reversed(s.Y), barWidth, palette[int(comps[k])%len(palette)], below)
		if err != nil {
			return err
		}
		bars.Horizontal = true
		below = bars
		energy.Add(bars)
		legend.Add(s.Name, bars)
	}
	energy.NominalY(names...)
	energy.X.Min = 0
	lat := newPlot("latency", "latency per inference (ms)", "")
	bars, err := stackedBars(reversed(pl.Series[len(pl.Series)-1].Y), barWidth, color.Gray{Y: 0x70}, nil)
	if err != nil {
		return err
	}
	bars.Horizontal = true
	lat.Add(bars)
	lat.NominalY(make([]string, len(names))...)
	lat.X.Min = 0
	plots, key := split(c, c.Max.X-c.Min.X-1.6*vg.Inch)
	left, right := split(plots, (plots.Max.X-plots.Min.X)*0.64)
	energy.Draw(left)
	lat.Draw(draw.Crop(right, vg.Points(10), 0, 0, 0))
	legend.Draw(draw.Crop(key, vg.Points(8), 0, 0, -vg.Points(20)))
	return nil
}
