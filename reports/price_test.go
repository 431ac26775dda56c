package reports

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"

	"go.yaml.in/yaml/v3"
)

// writeHW writes a hardware file into the working directory: mobile-npu
// with the given requantization modes.
func writeHW(t *testing.T, name string, modes ...npu.RequantMode) {
	t.Helper()
	cfg, err := npu.LoadConfig(npu.DefaultPreset)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Name, cfg.Requant.Modes = strings.TrimSuffix(name, ".yaml"), modes
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// priceHW writes, into a fresh working directory, flex.yaml, whose
// requantizer implements every mode at 32 lanes and mult16 at 64, and
// fp32.yaml, whose requantizer has float32 only, at 64 lanes.
func priceHW(t *testing.T) {
	t.Chdir(t.TempDir())
	var all []npu.RequantMode
	for _, v := range quant.Variants() {
		lanes := 32
		if v == quant.VariantMult16 {
			lanes = 64
		}
		all = append(all, npu.RequantMode{Variant: v, Lanes: lanes, PJPerOutput: 0.25})
	}
	writeHW(t, "flex.yaml", all...)
	writeHW(t, "fp32.yaml", npu.RequantMode{Variant: quant.VariantFP32, Lanes: 64, PJPerOutput: 0.3})
}

// priceResults is a sweep built so that every case of the price table
// shows (latency = cycles / 1e6 ms):
//
//	mobilenet-v2 on flex.yaml: reference (1000000 cycles, 1000 uJ, 2% of it
//	requantization) is bit-exact; mult16 (990000, 999 uJ) is the fastest and
//	the lowest-energy: a price of 1.01x and 1.00x, about 1.
//	mobilenet-v2 on fp32.yaml: reference, emulated, is bit-exact at 1350000
//	cycles and 1200 uJ; fp32 (1000000, 1000 uJ) is the fastest, truncate
//	(1100000, 900 uJ) the lowest-energy; mult16 could not run.
//	rnn-unrolled on fp32.yaml: fp32 runs and diverges, reference could not
//	run: no bit-exact policy.
//	rnn-unrolled on flex.yaml: no cell ran.
func priceResults() []*experiment.Result {
	ref := top1(fabricated("mobilenet-v2", "reference", "flex.yaml", 1000000, 1000, exact, 0, 0), 1)
	ref.EnergyPJ[npu.CompArray] -= 20e6
	ref.EnergyPJ[npu.CompRequant] = 20e6
	emulated := top1(fabricated("mobilenet-v2", "reference", "fp32.yaml", 1350000, 1200, exact, 0, 0), 1)
	emulated.Routes = "emulated: 2 layers (vector-requant/double-rounding)"
	for i := range emulated.Layers {
		emulated.Layers[i].Route = &drivers.LayerRoute{Layer: emulated.Layers[i].Name, Kind: drivers.RouteEmulated, Sequence: "vector-requant/double-rounding"}
	}
	return []*experiment.Result{
		ref,
		top1(fabricated("mobilenet-v2", "mult16", "flex.yaml", 990000, 999, []experiment.Bin{{Diff: -13, Count: 1}, {Diff: 0, Count: 990}, {Diff: 2, Count: 9}}, 0, 13), 1),
		emulated,
		top1(fabricated("mobilenet-v2", "fp32", "fp32.yaml", 1000000, 1000, []experiment.Bin{{Diff: 0, Count: 968}, {Diff: 12, Count: 32}}, 1, 12), 0.97),
		failed("mobilenet-v2", "mult16", "fp32.yaml", "policy mult16 asks for requantization mode mult16, which fp32 does not implement (it has [fp32])"),
		top1(fabricated("mobilenet-v2", "truncate", "fp32.yaml", 1100000, 900, []experiment.Bin{{Diff: -1, Count: 500}, {Diff: 0, Count: 500}}, 1, 1), 0.9),
		failed("rnn-unrolled", "reference", "fp32.yaml", "policy reference asks for requantization mode double-rounding, which fp32 does not implement (it has [fp32])"),
		divergence(fabricated("rnn-unrolled", "fp32", "fp32.yaml", 4000, 2, []experiment.Bin{{Diff: 0, Count: 907}, {Diff: 82, Count: 93}}, 0, 82), 1),
		failed("rnn-unrolled", "reference", "flex.yaml", "no such thing"),
		failed("rnn-unrolled", "mult16", "flex.yaml", "no such thing"),
	}
}

func TestPriceTable(t *testing.T) {
	priceHW(t)
	var buf bytes.Buffer
	if err := PriceTable(&buf, priceResults()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, PriceTitle+"\n") {
		t.Errorf("the table does not start with its title:\n%s", out)
	}
	rows := tableRows(out)
	want := [][]string{
		{"workload", "hw", "ran", "bit-exact", "against", "policy", "exact latency", "exact energy", "max LSB", "changed", "quality", "NNAPI"},
		{"mobilenet-v2", "flex.yaml", "2 of 2", "reference", "fastest, lowest energy", "mult16", "1.01x", "1.00x", "13", "1.0%", "top-1 100.0%", "FAIL (>1)"},
		{"mobilenet-v2", "fp32.yaml", "3 of 4", "reference", "fastest", "fp32", "1.35x", "1.20x", "12", "3.2%", "top-1 97.0%", "FAIL (>1)"},
		{"mobilenet-v2", "fp32.yaml", "3 of 4", "reference", "lowest energy", "truncate", "1.23x", "1.33x", "1", "50.0%", "top-1 90.0%", "PASS (<=1)"},
		{"rnn-unrolled", "fp32.yaml", "1 of 2", "none", "fastest, lowest energy", "fp32", "-", "-", "82", "9.3%", "diverges at step 1", "FAIL (>1)"},
		{"rnn-unrolled", "flex.yaml", "0 of 2", "none", "no policy ran", "-", "-", "-", "-", "-", "-", "-"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), out)
	}
	for i, w := range want {
		if !slices.Equal(rows[i], w) {
			t.Errorf("row %d = %q\n         want %q", i, rows[i], w)
		}
	}
	notes := "flex.yaml: the price is about 1 (within 1.5%) on mobilenet-v2: its requantizer implements every mode natively " +
		"at 32 lanes (mult16 at 64), the bit-exact policy ran every layer natively, and requantization is 2% of its energy.\n" +
		"fp32.yaml: no bit-exact policy on rnn-unrolled: every policy that ran changes outputs and the others could not run " +
		"(see their errors in the grid).\n"
	if !strings.HasSuffix(out, notes) {
		t.Errorf("the table does not end with the notes\n%s\ngot:\n%s", notes, out)
	}
}

// TestPriceNotes checks the line that says why a price is about 1, from
// the hardware's configuration and the results, in the cases the table
// test does not reach.
func TestPriceNotes(t *testing.T) {
	priceHW(t)
	free := func(workload, hw string, requant float64, routes string) []*experiment.Result {
		r := fabricated(workload, "reference", hw, 1000, 10, exact, 0)
		r.EnergyPJ[npu.CompArray] -= requant * 10e6
		r.EnergyPJ[npu.CompRequant] = requant * 10e6
		r.Routes = routes
		return []*experiment.Result{r, fabricated(workload, "mult16", hw, 1000, 10, []experiment.Bin{{Diff: 1, Count: 1}}, 1)}
	}
	var costly []*experiment.Result
	costly = append(costly, fabricated("c", "reference", "fp32.yaml", 2000, 10, exact, 0), fabricated("c", "fp32", "fp32.yaml", 1000, 10, []experiment.Bin{{Diff: 1, Count: 1}}, 1))
	for _, tc := range []struct {
		name    string
		results []*experiment.Result
		want    string
	}{
		{"all workloads, a range of shares", slices.Concat(free("a", "flex.yaml", 0.0031, ""), free("b", "flex.yaml", 0.021, "")),
			"flex.yaml: the price is about 1 (within 1.5%) on both workloads: its requantizer implements every mode natively at 32 lanes (mult16 at 64), " +
				"the bit-exact policy ran every layer natively, and requantization is 0.31-2.1% of its energy."},
		{"some workloads, emulated, a requantizer without every mode", slices.Concat(free("a", "fp32.yaml", 0.01, "emulated: 3 layers (x)"), costly),
			"fp32.yaml: the price is about 1 (within 1.5%) on a (1 of 2 workloads): its requantizer implements 1 of the 8 modes natively (fp32) at 64 lanes, " +
				"the bit-exact policy ran layers emulated or on the CPU on a, and requantization is 1% of its energy."},
		{"a configuration that cannot be read", free("a", "gone.yaml", 0.01, ""),
			"gone.yaml: the price is about 1 (within 1.5%) on a: its configuration cannot be read (hw config gone.yaml: "},
		{"a price", costly, ""},
	} {
		got := strings.Join(PriceNotes(campaign.Prices(tc.results)), "\n")
		if !strings.HasPrefix(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestLaneFacts(t *testing.T) {
	mode := func(v quant.Variant, lanes int) npu.RequantMode { return npu.RequantMode{Variant: v, Lanes: lanes} }
	for _, tc := range []struct {
		modes []npu.RequantMode
		want  string
	}{
		{[]npu.RequantMode{mode(quant.VariantFP32, 64)}, "at 64 lanes"},
		{[]npu.RequantMode{mode(quant.VariantDoubleRounding, 32), mode(quant.VariantMult16, 64)}, "at 32 lanes (mult16 at 64)"},
		{[]npu.RequantMode{mode(quant.VariantDoubleRounding, 8), mode(quant.VariantMult16, 16), mode(quant.VariantTruncate, 16)}, "at 16 lanes (double-rounding at 8)"},
	} {
		if got := laneFacts(tc.modes); got != tc.want {
			t.Errorf("laneFacts(%v) = %q, want %q", tc.modes, got, tc.want)
		}
	}
}

// TestPricePlotData checks the values of the price plot: a row per
// workload and hardware where a cell ran (for one workload, one per
// hardware), the ratios to the fastest, NaN without a bit-exact policy,
// and each row's annotation.
func TestPricePlotData(t *testing.T) {
	results := priceResults()
	pl, fig := pricePlot(campaign.Prices(results[:6]))
	if fig == nil {
		t.Fatal("no price plot")
	}
	if !slices.Equal(pl.Rows, []string{"mobilenet-v2 on flex.yaml", "mobilenet-v2 on fp32.yaml"}) || len(pl.Series) != 2 {
		t.Fatalf("rows %q, %d series; want one row per hardware and 2 series", pl.Rows, len(pl.Series))
	}
	for _, s := range []struct {
		name string
		want []float64
	}{{"latency", []float64{1 / 0.99, 1.35}}, {"energy", []float64{1000.0 / 999, 1.2}}} {
		got := pl.Series[slices.IndexFunc(pl.Series, func(x Series) bool { return x.Name == s.name })]
		for i, w := range s.want {
			if math.Abs(got.Y[i]-w) > 1e-12 || got.X[i] != float64(i) {
				t.Errorf("%s of row %d = (%v, %v), want (%d, %v)", s.name, i, got.X[i], got.Y[i], i, w)
			}
		}
	}
	want := []string{
		"reference: 1.01x the latency, 1.00x the energy of mult16, which changes 1.0% (max 13 LSB), top-1 100.0%, NNAPI FAIL (>1)",
		"reference (emulated): 1.35x the latency, 1.20x the energy of fp32, which changes 3.2% (max 12 LSB), top-1 97.0%, NNAPI FAIL (>1)",
	}
	if !slices.Equal(pl.Annotations, want) {
		t.Errorf("annotations %q\n           want %q", pl.Annotations, want)
	}
	pl, fig = pricePlot(campaign.Prices(results))
	if fig == nil || len(pl.Rows) != 3 || !math.IsNaN(pl.Series[0].Y[2]) || !math.IsNaN(pl.Series[1].Y[2]) ||
		pl.Annotations[2] != "no bit-exact policy; the fastest, fp32, changes 9.3% (max 82 LSB), diverges at step 1, NNAPI FAIL (>1)" {
		t.Errorf("with rnn-unrolled: rows %q, series %v, annotations %q; want a third row without a ratio", pl.Rows, pl.Series, pl.Annotations)
	}
	fast := []*experiment.Result{fabricated("w", "exact", "h", 100, 1, exact, 0), fabricated("w", "slow", "h", 200, 2, exact, 0)}
	if pl, _ := pricePlot(campaign.Prices(fast)); !slices.Equal(pl.Annotations, []string{"the fastest policy, exact, is bit-exact: no price"}) {
		t.Errorf("annotations %q, want that the fastest is bit-exact", pl.Annotations)
	}
	if _, fig := pricePlot(campaign.Prices(results[6:8])); fig != nil {
		t.Error("a price plot without any bit-exact policy")
	}
}

// TestWritePricePlot draws the price plot and checks its files.
func TestWritePricePlot(t *testing.T) {
	dir := t.TempDir()
	pl, err := WritePricePlot(dir, priceResults())
	if err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(pl.SVG)
	if err != nil {
		t.Fatal(err)
	}
	png, err := os.ReadFile(pl.PNG)
	if err != nil {
		t.Fatal(err)
	}
	if pl.SVG != filepath.Join(dir, "price.svg") || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("files %s, %s; want price.svg and a PNG", pl.SVG, pl.PNG)
	}
	// the annotations are drawn as text
	for _, a := range pl.Annotations {
		if !bytes.Contains(svg, []byte(escapedXML(a))) {
			t.Errorf("the SVG lacks the annotation %q", a)
		}
	}
	if pl, err := WritePricePlot(filepath.Join(dir, "none"), priceResults()[6:8]); pl != nil || err != nil {
		t.Errorf("without a bit-exact policy: plot %v, error %v; want neither", pl, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none")); !os.IsNotExist(err) {
		t.Error("without a bit-exact policy the plot's directory was created")
	}
}

// escapedXML is text as the SVG writer escapes it.
func escapedXML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestSweepTableMarksRoutes checks that a cell that ran layers other than
// natively says so beside its ratios to the reference.
func TestSweepTableMarksRoutes(t *testing.T) {
	results := priceResults()[2:6]
	cpu := fabricated("mobilenet-v2", "both", "fp32.yaml", 1350000, 1200, exact, 0, 0)
	cpu.Layers[0].Route = &drivers.LayerRoute{Kind: drivers.RouteCPU}
	cpu.Layers[1].Route = &drivers.LayerRoute{Kind: drivers.RouteEmulated}
	results = append(results, cpu)
	var buf bytes.Buffer
	if err := SweepTable(&buf, results); err != nil {
		t.Fatal(err)
	}
	rows := tableRows(buf.String())
	for _, want := range [][]string{
		{"reference", "1.00x (emulated)", "1.00x (emulated)"},
		{"fp32", "1.35x", "0.83x"},
		{"both", "1.00x (emulated + CPU)", "1.00x (emulated + CPU)"},
	} {
		i := slices.IndexFunc(rows, func(r []string) bool { return r[1] == want[0] })
		if i < 0 || rows[i][6] != want[1] || rows[i][7] != want[2] {
			t.Errorf("%s: row %q, want speed %q and energy %q", want[0], rows[max(i, 0)], want[1], want[2])
		}
	}
	cpu.Layers[1].Route = nil
	if got := RouteMark(cpu); got != "CPU fallback" {
		t.Errorf("RouteMark = %q, want CPU fallback", got)
	}
}

// TestSweepTableGroupsErrors checks that one policy failing the same way
// on several workloads of a hardware gives one error line.
func TestSweepTableGroupsErrors(t *testing.T) {
	msg := "policy reference asks for requantization mode double-rounding, which fp32 does not implement (it has [fp32])"
	results := []*experiment.Result{
		failed("a", "reference", "fp32", msg), failed("a", "mult16", "fp32", "other"),
		failed("b", "reference", "fp32", msg), failed("b", "reference", "flex", msg),
	}
	var buf bytes.Buffer
	if err := SweepTable(&buf, results); err != nil {
		t.Fatal(err)
	}
	var marks []string
	for _, r := range tableRows(buf.String())[1:] {
		marks = append(marks, r[3])
	}
	if !slices.Equal(marks, []string{"error [1]", "error [2]", "error [1]", "error [3]"}) {
		t.Errorf("marks %q", marks)
	}
	want := "[1] a, b under reference on fp32: " + msg + "\n[2] a under mult16 on fp32: other\n[3] b under reference on flex: " + msg + "\n"
	if !strings.HasSuffix(buf.String(), want) {
		t.Errorf("the table does not end with\n%s", want)
	}
}

// TestWriteHTMLPrice checks that the price table heads report.html, before
// the sweep table, with its rows, notes and plot.
func TestWriteHTMLPrice(t *testing.T) {
	priceHW(t)
	dir := t.TempDir()
	results := priceResults()
	price, err := WritePricePlot(filepath.Join(dir, "plots"), results)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "report.html")
	if err := WriteHTML(path, results, []Plot{*price}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	checkTags(t, page)
	at := strings.Index(page, `<table id="price-table">`)
	if at < 0 || at > strings.Index(page, `<h2 id="results">`) || strings.Index(page, "<table") != at {
		t.Fatal("the price table is not the page's first table, before the results")
	}
	table := page[at : at+strings.Index(page[at:], "</table>")]
	if n := strings.Count(table, "<tr class="); n != 5 {
		t.Errorf("the price table has %d rows, want 5", n)
	}
	for _, s := range []string{
		`<tr class="group"><td class="name">mobilenet-v2</td><td class="name">fp32.yaml</td><td class="name">3 of 4</td><td class="name">reference</td><td class="name">fastest</td><td class="name">fp32</td>` +
			`<td title="reference 1.35 ms, fp32 1 ms">1.35x</td><td title="reference 1200 uJ, fp32 1000 uJ">1.20x</td><td>12</td><td>3.2%</td><td>top-1 97.0%</td><td class="fail">FAIL (&gt;1)</td></tr>`,
		`<tr class="same"><td class="name">mobilenet-v2</td><td class="name">fp32.yaml</td><td class="name">3 of 4</td><td class="name">reference</td><td class="name">lowest energy</td><td class="name">truncate</td>`,
		`<td class="name none">none</td>`,
		`<td class="name">no policy ran</td><td class="name">-</td><td>-</td>`,
		`<p class="price-note">flex.yaml: the price is about 1 (within 1.5%) on mobilenet-v2: its requantizer implements every mode natively at 32 lanes (mult16 at 64)`,
		`<p class="price-note">fp32.yaml: no bit-exact policy on rnn-unrolled`,
		`<img src="plots/price.svg" alt="The price of determinism: the bit-exact policy against the fastest">`,
		`<td>1.00x (emulated)</td><td>1.00x (emulated)</td>`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	if strings.Index(page, `src="plots/price.svg"`) > strings.Index(page, `<h2 id="results">`) {
		t.Error("the price plot is not in the price section")
	}
}
