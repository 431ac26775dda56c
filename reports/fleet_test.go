package reports

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/sim/campaign"
)

func TestFleetTable(t *testing.T) {
	classifierSpec, classifier := classifierFleet()
	recurrentSpec, recurrent := recurrentFleet()
	for _, tc := range []struct {
		name    string
		spec    campaign.FleetSpec
		devices []campaign.DeviceResult
		summary string
		header  []string
		rows    [][]string
		notes   []string
	}{
		{
			name: "classifier", spec: classifierSpec, devices: classifier,
			// 4 of the 9 devices that ran are bit-identical (44.4%), 7 pass
			// NNAPI (77.8%); devices 2, 3 and 8 pass but change outputs; the
			// max LSBs 0 0 0 0 1 1 1 2 3 have median 1; 6 flips over 9
			// devices
			summary: "12 devices: 44.4% bit-identical to the reference; 3 devices pass NNAPI's limit but change outputs; 3 cannot run",
			header:  []string{"hw", "policy", "devices", "cannot run", "bit-identical", "median LSB", "max LSB", "mean flips", "max flips", "NNAPI pass", "valid but different", "latency ms", "energy uJ"},
			rows: [][]string{
				{"mobile-npu", "reference", "2", "0", "100.0%", "0", "0", "0", "0", "100.0%", "0", "1.1", "11"},
				{"mobile-npu", "vendor-a@1.1", "2", "0", "0%", "1", "1", "0.5", "1", "100.0%", "2", "0.8", "8"},
				{"mobile-npu", "vendor-dynamic", "2", "0", "50.0%", "1.5", "3", "1", "2", "50.0%", "0", "0.95", "9.5"},
				{"tiny", "reference", "2", "1", "100.0%", "0", "0", "0", "0", "100.0%", "0", "4", "20"},
				{"tiny", "vendor-a@1.1", "2", "0", "0%", "1.5", "2", "1.5", "3", "50.0%", "1", "3", "16"},
				{"tiny", "vendor-dynamic", "2", "2", "-", "-", "-", "-", "-", "-", "-", "-", "-"},
				{"all devices", "", "12", "3", "44.4%", "1", "3", "0.6667", "3", "77.8%", "3", "1.744", "12.11"},
			},
			notes: []string{
				"2 devices cannot run (devices 5, 11): " + sramError,
				"device 7 cannot run: tiny: the job does not fit",
			},
		},
		{
			name: "recurrent", spec: recurrentSpec, devices: recurrent,
			// vendor-dynamic diverges at steps 5 and 3 (median 4, earliest
			// 3); its device 5 stays exact and does not count
			summary: "6 devices: 66.7% bit-identical to the reference; 0 devices pass NNAPI's limit but change outputs; 0 cannot run",
			header:  []string{"hw", "policy", "devices", "cannot run", "bit-identical", "median LSB", "max LSB", "median divergence", "first divergence", "NNAPI pass", "valid but different", "latency ms", "energy uJ"},
			rows: [][]string{
				{"mobile-npu", "reference", "3", "0", "100.0%", "0", "0", "none", "none", "100.0%", "0", "2", "5"},
				{"mobile-npu", "vendor-dynamic", "3", "0", "33.3%", "2", "4", "4", "3", "33.3%", "0", "1.667", "4.333"},
				{"all devices", "", "6", "0", "66.7%", "0", "4", "4", "3", "66.7%", "0", "1.833", "4.667"},
			},
		},
		{
			name: "one device valid but different, in a group the spec does not name",
			spec: campaign.FleetSpec{Workload: "digits-cnn", Devices: 1, HW: []string{"tiny"}, Policies: []string{"reference"}},
			devices: []campaign.DeviceResult{
				flips(ranDevice(0, "mobile-npu", "mult16", 60, 1, 2, 3), 0),
			},
			summary: "1 device: 0% bit-identical to the reference; 1 device passes NNAPI's limit but changes outputs; 0 cannot run",
			header:  []string{"hw", "policy", "devices", "cannot run", "bit-identical", "median LSB", "max LSB", "mean flips", "max flips", "NNAPI pass", "valid but different", "latency ms", "energy uJ"},
			rows: [][]string{
				{"mobile-npu", "mult16", "1", "0", "0%", "1", "1", "0", "0", "100.0%", "1", "2", "3"},
				{"all devices", "", "1", "0", "0%", "1", "1", "0", "0", "100.0%", "1", "2", "3"},
			},
		},
		{
			name: "no device ran",
			spec: campaign.FleetSpec{Workload: "digits-cnn", Devices: 2, HW: []string{"tiny"}, Policies: []string{"acc24"}},
			devices: []campaign.DeviceResult{
				failedDevice(0, "tiny", "acc24", "policy acc24 asks for 24-bit wrap accumulators"),
				failedDevice(1, "tiny", "acc24", "policy acc24 asks for 24-bit wrap accumulators"),
			},
			summary: "2 devices: none could run",
			header:  []string{"hw", "policy", "devices", "cannot run", "bit-identical", "median LSB", "max LSB", "NNAPI pass", "valid but different", "latency ms", "energy uJ"},
			rows: [][]string{
				{"tiny", "acc24", "2", "2", "-", "-", "-", "-", "-", "-", "-"},
				{"all devices", "", "2", "2", "-", "-", "-", "-", "-", "-", "-"},
			},
			notes: []string{"2 devices cannot run (devices 0, 1): policy acc24 asks for 24-bit wrap accumulators"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := FleetTable(&buf, tc.spec, tc.devices); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if first, _, _ := strings.Cut(out, "\n"); first != tc.summary {
				t.Errorf("summary = %q\n   want %q", first, tc.summary)
			}
			rows := tableRows(out)
			if len(rows) == 0 || !slices.Equal(rows[0], tc.header) {
				t.Fatalf("header = %q\n  want %q\n%s", rows[0], tc.header, out)
			}
			if len(rows)-1 != len(tc.rows) {
				t.Fatalf("%d rows, want %d:\n%s", len(rows)-1, len(tc.rows), out)
			}
			for i, want := range tc.rows {
				if !slices.Equal(rows[i+1], want) {
					t.Errorf("row %d = %q\n   want %q", i+1, rows[i+1], want)
				}
			}
			_, notes, _ := strings.Cut(out, "┘\n")
			if want := strings.Join(append(tc.notes, ""), "\n"); notes != want {
				t.Errorf("after the table: %q, want %q", notes, want)
			}
		})
	}
}

func TestWriteFleetCSV(t *testing.T) {
	_, devices := classifierFleet()
	path := filepath.Join(t.TempDir(), "fleet.csv")
	if err := WriteFleetCSV(path, devices); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"device", "hw", "policy", "seed", "run", "temperature_c", "clock_factor", "sram_held", "load",
		"identical", "digest", "max_lsb", "changed", "top1_flips", "divergence_step", "nnapi_pass", "latency_ms", "energy_uj", "error"}
	if !slices.Equal(records[0], header) {
		t.Fatalf("header = %q\n  want %q", records[0], header)
	}
	if len(records) != len(devices)+1 {
		t.Fatalf("%d rows, want one per device (%d)", len(records)-1, len(devices))
	}
	col := func(row []string, name string) string { return row[slices.Index(header, name)] }
	for _, tc := range []struct {
		device int
		fields map[string]string
	}{
		{9, map[string]string{"device": "9", "hw": "tiny", "policy": "vendor-a@1.1", "seed": "1000012", "run": "2",
			"temperature_c": "80", "clock_factor": "1", "sram_held": "0", "load": "0", "identical": "false",
			"digest": strings.Repeat("0", 63) + "2", "max_lsb": "2", "changed": "0.02", "top1_flips": "3",
			"divergence_step": "", "nnapi_pass": "false", "latency_ms": "3", "energy_uj": "16", "error": ""}},
		{0, map[string]string{"identical": "true", "top1_flips": "0", "nnapi_pass": "true", "latency_ms": "1"}},
		// a device that cannot run keeps its state, not an outcome
		{5, map[string]string{"device": "5", "policy": "vendor-dynamic", "run": "3", "temperature_c": "52.5",
			"sram_held": "0.5", "load": "0.25", "identical": "", "max_lsb": "", "top1_flips": "", "nnapi_pass": "",
			"latency_ms": "", "error": sramError}},
	} {
		row := records[tc.device+1]
		for name, want := range tc.fields {
			if got := col(row, name); got != want {
				t.Errorf("device %d %s = %q, want %q", tc.device, name, got, want)
			}
		}
	}
}

func TestCountBins(t *testing.T) {
	for _, tc := range []struct {
		largest int64
		labels  []string
		// values and the labels of their bins
		values []int64
		bins   []string
	}{
		{0, []string{"0"}, []int64{0}, []string{"0"}},
		{3, []string{"0", "1", "2", "3"}, []int64{0, 3}, []string{"0", "3"}},
		{15, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"}, []int64{15}, []string{"15"}},
		{16, []string{"0", "1", "2", "3", "4-7", "8-15", "16-31"}, []int64{4, 7, 8, 16}, []string{"4-7", "4-7", "8-15", "16-31"}},
		{200, []string{"0", "1", "2", "3", "4-7", "8-15", "16-31", "32-63", "64-127", "128-255"}, []int64{1, 127, 128, 200}, []string{"1", "64-127", "128-255", "128-255"}},
	} {
		bins := countBins(tc.largest)
		var labels []string
		for _, b := range bins {
			labels = append(labels, b.label(""))
		}
		if !slices.Equal(labels, tc.labels) {
			t.Errorf("countBins(%d) = %q, want %q", tc.largest, labels, tc.labels)
		}
		for i, v := range tc.values {
			if got := bins[binOf(bins, v)].label(""); got != tc.bins[i] {
				t.Errorf("countBins(%d): %d falls in %s, want %s", tc.largest, v, got, tc.bins[i])
			}
		}
	}
	if got := countBins(3)[0].label("none"); got != "none" {
		t.Errorf("the bin of 0 is labelled %q, want none", got)
	}
}

// devicePoint is a device as the state plot shows it.
type devicePoint struct {
	policy      string
	temperature float64
	lsb         float64
}

func comparePoints(a, b devicePoint) int {
	return cmp.Or(cmp.Compare(a.policy, b.policy), cmp.Compare(a.temperature, b.temperature), cmp.Compare(a.lsb, b.lsb))
}

func TestWriteFleetPlots(t *testing.T) {
	classifierSpec, classifier := classifierFleet()
	recurrentSpec, recurrent := recurrentFleet()
	for _, tc := range []struct {
		name     string
		spec     campaign.FleetSpec
		devices  []campaign.DeviceResult
		kinds    []PlotKind
		policies []string
		// counts are the series of the two distributions, a row per policy
		lsb, quality [][]float64
	}{
		{
			name: "classifier", spec: classifierSpec, devices: classifier,
			kinds:    []PlotKind{FleetLSBPlot, FleetFlipsPlot, FleetStatePlot},
			policies: []string{"reference", "vendor-a@1.1", "vendor-dynamic"},
			// max LSB 0..3; flips 0..3
			lsb:     [][]float64{{3, 0, 0, 0}, {0, 3, 1, 0}, {1, 0, 0, 1}},
			quality: [][]float64{{3, 0, 0, 0}, {2, 1, 0, 1}, {1, 0, 1, 0}},
		},
		{
			name: "recurrent", spec: recurrentSpec, devices: recurrent,
			kinds:    []PlotKind{FleetLSBPlot, FleetDivergencePlot, FleetStatePlot},
			policies: []string{"reference", "vendor-dynamic"},
			// max LSB 0..4; divergence none, 1..5
			lsb:     [][]float64{{3, 0, 0, 0, 0}, {1, 0, 1, 0, 1}},
			quality: [][]float64{{3, 0, 0, 0, 0, 0}, {1, 0, 0, 1, 0, 1}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			plots, err := WriteFleetPlots(dir, tc.spec, tc.devices)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []PlotKind
			for _, p := range plots {
				kinds = append(kinds, p.Kind)
			}
			if !slices.Equal(kinds, tc.kinds) {
				t.Fatalf("plots %q, want %q", kinds, tc.kinds)
			}
			var ran []devicePoint
			for _, d := range tc.devices {
				if d.Error == "" {
					ran = append(ran, devicePoint{d.Policy, d.State.TemperatureC, float64(d.MaxLSB)})
				}
			}
			slices.SortFunc(ran, comparePoints)
			for i, p := range plots {
				for _, f := range []struct{ path, magic string }{{p.SVG, "<?xml"}, {p.PNG, "\x89PNG"}} {
					data, err := os.ReadFile(f.path)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.HasPrefix(data, []byte(f.magic)) {
						t.Errorf("%s does not start with %q", f.path, f.magic)
					}
				}
				if p.Workload != tc.spec.Workload || !slices.Equal(p.Policies, tc.policies) || len(p.Series) != len(tc.policies) {
					t.Fatalf("%s: workload %q, %d series for %q; want %q, one per policy %q", p.Kind, p.Workload, len(p.Series), p.Policies, tc.spec.Workload, tc.policies)
				}
				if p.Kind == FleetStatePlot {
					// every device that ran once, at its temperature and error
					var points []devicePoint
					for k, s := range p.Series {
						for j := range s.X {
							points = append(points, devicePoint{p.Policies[k], s.X[j], s.Y[j]})
						}
					}
					slices.SortFunc(points, comparePoints)
					if !slices.Equal(points, ran) {
						t.Errorf("%s: points %v\n  want the devices that ran %v", p.Kind, points, ran)
					}
					continue
				}
				want := [][][]float64{tc.lsb, tc.quality}[i]
				total := 0.0
				for k, s := range p.Series {
					if s.Name != tc.policies[k] || !slices.Equal(s.Y, want[k]) {
						t.Errorf("%s: %s counts %v, want %s %v", p.Kind, s.Name, s.Y, tc.policies[k], want[k])
					}
					for j, x := range s.X {
						if x != float64(j) {
							t.Errorf("%s: %s bin %d at %v, want %d", p.Kind, s.Name, j, x, j)
						}
					}
					for _, n := range s.Y {
						total += n
					}
				}
				if total != float64(len(ran)) {
					t.Errorf("%s: the bars count %v devices, want every device that ran once (%d)", p.Kind, total, len(ran))
				}
			}
		})
	}
}

func TestWriteFleetPlotsWithoutDevicesThatRan(t *testing.T) {
	spec := campaign.FleetSpec{Workload: "digits-cnn", Devices: 1, HW: []string{"tiny"}, Policies: []string{"acc24"}}
	plots, err := WriteFleetPlots(t.TempDir(), spec, []campaign.DeviceResult{failedDevice(0, "tiny", "acc24", "no")})
	if err != nil || len(plots) != 0 {
		t.Errorf("WriteFleetPlots = %d plots, %v; want none, nil", len(plots), err)
	}
}

func TestWriteFleetHTML(t *testing.T) {
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "my policy.yaml")
	if err := os.WriteFile(policyFile, []byte("description: Rounds <down> & saves 3% energy.\nrequant: truncate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, devices := classifierFleet()
	spec.Policies[2] = policyFile
	for i := range devices {
		if devices[i].Policy == "vendor-dynamic" {
			devices[i].Policy = policyFile
		}
	}
	devices[7].Error = `workload "<img src=x>": no such workload`
	plots, err := WriteFleetPlots(filepath.Join(dir, "plots"), spec, devices)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "report.html")
	if err := WriteFleetHTML(path, spec, devices, plots); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n<html lang=\"en\">") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("the page is not an HTML5 document:\n%.80s...%s", page, page[max(0, len(page)-40):])
	}
	checkTags(t, page)
	for _, banned := range []string{"<script", "<link", "<iframe", "url(", "http://", "https://", "<img src=x>"} {
		if strings.Contains(page, banned) {
			t.Errorf("the page contains %q", banned)
		}
	}
	// six groups and the whole fleet
	if n := len(rowPattern.FindAllString(page, -1)); n != 7 {
		t.Errorf("%d table rows, want 7 (6 groups and all devices)", n)
	}
	var srcs, want []string
	for _, m := range srcPattern.FindAllStringSubmatch(page, -1) {
		srcs = append(srcs, m[1])
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(m[1]))); err != nil {
			t.Errorf("the page refers to %s: %v", m[1], err)
		}
	}
	for _, p := range plots {
		want = append(want, "plots/"+filepath.Base(p.SVG))
	}
	if len(want) != 3 || !slices.Equal(srcs, want) {
		t.Errorf("images %q, want the 3 plots' SVG files %q", srcs, want)
	}
	for _, m := range refPattern.FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "#") || !strings.Contains(page, `id="`+m[1][1:]+`"`) {
			t.Errorf("link to %s, want one to an element of the page", m[1])
		}
	}
	for _, name := range []string{"reference", "vendor-a@1.1"} {
		p, err := drivers.LoadPolicy(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page, "<dt><code>"+name+"</code></dt>\n<dd>"+escaped(p.Description)+"</dd>") {
			t.Errorf("no description of %s", name)
		}
	}
	for _, s := range []string{
		"<strong>12 devices: 44.4% bit-identical to the reference; 3 devices pass NNAPI&#39;s limit but change outputs; 3 cannot run.</strong>",
		"vendor-a 1.1: the release that moved requantization",
		"Rounds &lt;down&gt; &amp; saves 3% energy.",
		"<li>device 7 cannot run: workload &#34;&lt;img src=x&gt;&#34;: no such workload</li>",
		"<li>2 devices cannot run (devices 5, 11): " + escaped(sramError) + "</li>",
		`<td class="name">mobile-npu</td><td class="name">vendor-a@1.1</td><td>2</td><td>0</td><td>0%</td><td>1</td><td>1</td><td>0.5</td><td>1</td><td>100.0%</td><td class="warn">2</td>`,
		`<tfoot>` + "\n" + `<tr><td class="name">all devices</td><td class="name"></td><td>12</td><td>3</td><td>44.4%</td>`,
		"<th>mean flips</th><th>max flips</th>",
		`id="device-state"`,
		"demanding foreground app (78 C), the clock throttles to 80% above 75 C and to 60% above 85 C",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	for _, s := range []string{"median divergence", `id="plot-fleet-divergence"`} {
		if strings.Contains(page, s) {
			t.Errorf("a classifier's page shows %q", s)
		}
	}
}

// TestGenerateFleetIsDeterministic generates a fleet's report twice in two
// directories and once more over the first: every file has the same bytes
// each time.
func TestGenerateFleetIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	spec, devices := classifierFleet()
	for _, dir := range []string{a, b, a} {
		if err := GenerateFleet(dir, spec, devices); err != nil {
			t.Fatal(err)
		}
	}
	fa, fb := readTree(t, a), readTree(t, b)
	var names []string
	for name := range fa {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"fleet.csv", "plots/fleet-flips.png", "plots/fleet-flips.svg", "plots/fleet-lsb.png", "plots/fleet-lsb.svg",
		"plots/fleet-state.png", "plots/fleet-state.svg", "report.html"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %q, want %q", names, want)
	}
	for _, name := range names {
		if !bytes.Equal(fa[name], fb[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	if len(fb) != len(fa) {
		t.Errorf("%d files in one run, %d in the other", len(fa), len(fb))
	}
}
