package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/npu/area"
	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"
)

// onDesign gives a fabricated result a design's hardware summary.
func onDesign(r *experiment.Result, mm2, exactMM2 float64, requant ...string) *experiment.Result {
	r.Hardware = &area.Summary{TotalMM2: mm2, ExactMM2: exactMM2, ExactShare: exactMM2 / mm2, NodeNM: 7, MACs: 1024,
		Requant: requant, Accumulators: []string{"acc32-wrap"}}
	return r
}

var inexact = []experiment.Bin{{Diff: 0, Count: 900}, {Diff: 1, Count: 100}}

// designResults is a design space of three designs on one workload:
//
//	D1 (0.5 mm^2, double rounding and mult16): reference 10000 cycles, 5 uJ
//	   (exact); mult16 8000 cycles, 4 uJ (not exact): price 1.25x, 1.25x;
//	D2 (0.45 mm^2, mult16 only): reference cannot run; mult16 8500, 3.9 uJ;
//	D3 (0.5 mm^2, mult16 and 3 more columns, D1's iso-area alternative):
//	   mult16 7000 cycles, 3.95 uJ.
func designResults() []*experiment.Result {
	d1, d2, d3 := "npu{requant=[mult16, double-rounding]}#00000001", "npu{requant=[mult16]}#00000002", "npu{requant=[mult16:32], array=32x35}#00000003"
	return []*experiment.Result{
		onDesign(fabricated("w", "reference", d1, 10000, 5, exact, 0), 0.5, 0.05, "mult16:32", "double-rounding:32"),
		onDesign(fabricated("w", "mult16", d1, 8000, 4, inexact, 1), 0.5, 0.05, "mult16:32", "double-rounding:32"),
		onDesign(failed("w", "reference", d2, "policy reference asks for requantization mode double-rounding"), 0.45, 0, "mult16:32"),
		onDesign(fabricated("w", "mult16", d2, 8500, 3.9, inexact, 1), 0.45, 0, "mult16:32"),
		onDesign(failed("w", "reference", d3, "policy reference asks for requantization mode double-rounding"), 0.5, 0, "mult16:32"),
		onDesign(fabricated("w", "mult16", d3, 7000, 3.95, inexact, 1), 0.5, 0, "mult16:32"),
	}
}

func TestDesignPlots(t *testing.T) {
	plots, err := WritePlots(t.TempDir(), designResults())
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[PlotKind]Plot{}
	for _, p := range plots {
		byKind[p.Kind] = p
	}
	e, ok := byKind[DesignEnergyPlot]
	if !ok {
		t.Fatalf("no design-energy plot among %d plots", len(plots))
	}
	// best by energy: D1 mult16 (4 uJ), D2 mult16 (3.9), D3 mult16 (3.95);
	// D1's cheapest bit-exact is the reference (5 uJ); the exact front is
	// D1 alone, the other front D2 (0.45 mm^2, 3.9 uJ) alone, since D3 is
	// larger and costlier.
	want := []Series{
		{Name: "best policy", Unit: "uJ", X: []float64{0.5, 0.45, 0.5}, Y: []float64{4, 3.9, 3.95}},
		{Name: "bit-exact policy", Unit: "uJ", X: []float64{0.5}, Y: []float64{5}},
		{Name: "exact front", Unit: "uJ", X: []float64{0.5}, Y: []float64{5}},
		{Name: "non-exact front", Unit: "uJ", X: []float64{0.45}, Y: []float64{3.9}},
	}
	if fmt.Sprint(e.Series) != fmt.Sprint(want) || !slices.Equal(e.Policies, []string{"D1", "D2", "D3"}) {
		t.Errorf("design-energy series %v %v\nwant %v", e.Policies, e.Series, want)
	}
	// the fastest of D3 (0.007 ms) is on the non-exact latency front with D2
	if l := byKind[DesignLatencyPlot]; fmt.Sprint(l.Series[3]) != fmt.Sprint(Series{Name: "non-exact front", Unit: "ms", X: []float64{0.45, 0.5}, Y: []float64{0.0085, 0.007}}) {
		t.Errorf("design-latency fronts %v", l.Series)
	}
	// only D1 ran a bit-exact policy: one row, prices 1.25x and 1.25x
	p := byKind[DesignPricePlot]
	if !slices.Equal(p.Policies, []string{"mult16:32 + double-rounding:32"}) || fmt.Sprint(p.Series) != "[{latency x [1.25] [0]} {energy x [1.25] [0]}]" {
		t.Errorf("design-price %v %v", p.Policies, p.Series)
	}
}

func TestDesignSection(t *testing.T) {
	dir := t.TempDir()
	results := designResults()
	iso := []campaign.IsoPair{{Design: results[0].HW, Alternative: results[4].HW, Spend: campaign.SpendMACs, ExactMM2: 0.05, BudgetMM2: 0.5, AreaMM2: 0.5, Added: "+3 columns (32x35, +96 MACs)"}}
	grid := campaign.Grid{HW: []string{results[0].HW, results[2].HW, results[4].HW}, IsoArea: iso}
	for _, r := range results {
		if !slices.Contains(grid.Workloads, r.Workload) {
			grid.Workloads = append(grid.Workloads, r.Workload)
		}
		if !slices.Contains(grid.Policies, r.Policy) {
			grid.Policies = append(grid.Policies, r.Policy)
		}
	}
	manifest, err := json.Marshal(campaign.SweepManifest{Grid: grid})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, campaign.ManifestFile), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Generate(dir, results); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	checkTags(t, page)
	for _, s := range []string{
		`<h2 id="design-space">Design space</h2>`,
		`<tr><td class="name" title="npu{requant=[mult16, double-rounding]}#00000001">D1</td><td class="name">mult16:32, double-rounding:32</td><td class="name">acc 32w</td><td>1024</td><td>0.5000</td><td>0.0500 (10.0%)</td><td>2 of 2</td><td class="name">mult16</td><td>no</td><td>4</td><td>0.008</td><td class="name">mult16 (0.008 ms)</td><td class="name">reference</td><td>1.25x</td><td>1.25x</td></tr>`,
		`<td>1 of 2</td><td class="name">mult16</td><td>no</td><td>3.9</td><td>0.0085</td><td class="name">mult16 (0.0085 ms)</td><td class="name">none ran</td><td>-</td><td>-</td></tr>`,
		// D3 against D1: 7000 vs 8000 cycles, 3.95 vs 4 uJ
		`<tr><td class="name">w</td><td class="name">D1</td><td>0.0500 of 0.5000</td><td class="name">macs</td><td class="name">D3</td><td class="name">&#43;3 columns (32x35, &#43;96 MACs)</td><td>-12.5%</td><td>-1.2%</td></tr>`,
		`src="plots/design-energy-w-designs.svg"`, `src="plots/design-price-w-designs.svg"`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	// the design section sits between the results and the policies
	i, j, k := strings.Index(page, `id="results"`), strings.Index(page, `id="design-space"`), strings.Index(page, `id="policies"`)
	if i < 0 || j <= i || k <= j {
		t.Errorf("sections at %d, %d, %d", i, j, k)
	}
}

// TestManyDesignsOmitGroupPlots: beyond MaxDesignsWithGroupPlots designs,
// only the design-space plots (and the sweep's price plot) are drawn, and
// the page says why.
func TestManyDesignsOmitGroupPlots(t *testing.T) {
	var results []*experiment.Result
	for i := range MaxDesignsWithGroupPlots + 1 {
		hw := fmt.Sprintf("npu{clock_mhz=%d}", 500+i)
		results = append(results, onDesign(fabricated("w", "reference", hw, uint64(1000+i), 1, exact, 0), 0.5, 0.01, "double-rounding:32"))
	}
	dir := t.TempDir()
	if err := Generate(dir, results); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "plots", "design-*.svg"))
	all, _ := filepath.Glob(filepath.Join(dir, "plots", "*.svg"))
	for _, f := range all {
		if name := filepath.Base(f); !strings.HasPrefix(name, "design-") && name != "price.svg" {
			t.Errorf("plot %s drawn for a sweep of %d designs", name, MaxDesignsWithGroupPlots+1)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if len(files) != 3 || !strings.Contains(string(data), "With 9 hardware designs, the plots of each workload on each design are left out") {
		t.Errorf("%d design plots; the page explains: %v", len(files), strings.Contains(string(data), "left out"))
	}
}
