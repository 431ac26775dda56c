package reports

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/npusim/npusim/sim/experiment"
)

// dominates reports whether point a dominates point b (no worse in both
// coordinates, better in one).
func dominates(xs, ys []float64, a, b int) bool {
	return xs[a] <= xs[b] && ys[a] <= ys[b] && (xs[a] < xs[b] || ys[a] < ys[b])
}

func TestParetoFront(t *testing.T) {
	for _, tc := range []struct {
		name   string
		xs, ys []float64
		want   []int
	}{
		{"empty", nil, nil, nil},
		{"one point", []float64{3}, []float64{1}, []int{0}},
		{"a chain", []float64{3, 1, 2}, []float64{1, 3, 2}, []int{1, 2, 0}},
		{"one dominates all", []float64{1, 2, 3}, []float64{1, 2, 0.5}, []int{0, 2}},
		{"equal points both stay", []float64{2, 1, 2}, []float64{0, 5, 0}, []int{1, 0, 2}},
		{"same x, worse y", []float64{1, 1}, []float64{2, 1}, []int{1}},
		{"same y, worse x", []float64{2, 1}, []float64{0, 0}, []int{1}},
		{"NaN ignored", []float64{math.NaN(), 2, 1}, []float64{0, 1, 2}, []int{2, 1}},
	} {
		if got := ParetoFront(tc.xs, tc.ys); !slices.Equal(got, tc.want) {
			t.Errorf("%s: ParetoFront = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestParetoFrontProperty checks on random point sets (with many ties)
// that no point of the front is dominated, that every other point is, and
// that the front is sorted by x.
func TestParetoFrontProperty(t *testing.T) {
	for seed := range uint64(500) {
		rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		n := rng.IntN(30)
		grid := float64(1 + rng.IntN(8)) // a coarse grid makes ties
		xs, ys := make([]float64, n), make([]float64, n)
		for i := range n {
			xs[i], ys[i] = math.Floor(rng.Float64()*grid), math.Floor(rng.Float64()*grid)
		}
		front := ParetoFront(xs, ys)
		on := make([]bool, n)
		for k, i := range front {
			on[i] = true
			if k > 0 && xs[front[k-1]] > xs[i] {
				t.Fatalf("seed %d: front %v not sorted by x (points %v, %v)", seed, front, xs, ys)
			}
		}
		for i := range n {
			dominated := slices.ContainsFunc(front, func(j int) bool { return dominates(xs, ys, j, i) })
			anyDominates := false
			for j := range n {
				anyDominates = anyDominates || dominates(xs, ys, j, i)
			}
			if on[i] && anyDominates {
				t.Fatalf("seed %d: point %d (%v, %v) is on the front %v but dominated", seed, i, xs[i], ys[i], front)
			}
			if !on[i] && !dominated {
				t.Fatalf("seed %d: point %d (%v, %v) is off the front %v but no front point dominates it", seed, i, xs[i], ys[i], front)
			}
		}
	}
}

func TestRMSError(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    experiment.Deviation
		want float64
	}{
		{"exact", experiment.Deviation{Histogram: exact}, 0},
		{"one in four off by 2", experiment.Deviation{MaxLSB: 2, Histogram: []experiment.Bin{{Diff: -2, Count: 1}, {Diff: 0, Count: 3}}}, 1},
		{"no histogram: the largest difference", experiment.Deviation{MaxLSB: 3}, 3},
	} {
		if got := RMSError(&tc.d); got != tc.want {
			t.Errorf("%s: RMSError = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"mobile-npu", "mobile-npu"},
		{"rnn-unrolled:steps=32", "rnn-unrolled-steps-32"},
		{"configs/low cost.yaml", "low-cost"},
		{"Mobile-NPU.YML", "mobile-npu"},
		{"cases/conv.json", "conv"},
		{"mobilenet-v2:alpha=0.5", "mobilenet-v2-alpha-0.5"},
		{"<script>", "script"},
		{"", "x"},
	} {
		if got := slug(tc.name); got != tc.want {
			t.Errorf("slug(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// groupOf returns the results of a workload on a hardware that ran.
func groupOf(results []*experiment.Result, workload, hw string) []*experiment.Result {
	var cells []*experiment.Result
	for _, r := range results {
		if r.Workload == workload && r.HW == hw && r.Error == "" {
			cells = append(cells, r)
		}
	}
	return cells
}

func TestWritePlots(t *testing.T) {
	dir := t.TempDir()
	results := sweepResults()
	plots, err := WritePlots(dir, results)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range plots {
		kinds = append(kinds, fmt.Sprintf("%s %s %s", p.Kind, p.Workload, p.HW))
	}
	var want []string
	for _, g := range []string{"digits-cnn mobile-npu", "rnn-unrolled mobile-npu", "mac2x3 tiny"} {
		for _, k := range []PlotKind{ParetoPlot, LayersPlot, HistogramPlot, BreakdownPlot} {
			want = append(want, fmt.Sprintf("%s %s", k, g))
		}
	}
	if !slices.Equal(kinds, want) {
		t.Fatalf("plots = %q\n  want %q", kinds, want)
	}
	for _, p := range plots {
		cells := groupOf(results, p.Workload, p.HW)
		var policies, others []string
		for _, r := range cells {
			policies = append(policies, r.Policy)
			if r.Policy != ReferencePolicy {
				others = append(others, r.Policy)
			}
		}
		for _, f := range []struct{ path, magic string }{{p.SVG, "<?xml"}, {p.PNG, "\x89PNG"}} {
			data, err := os.ReadFile(f.path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte(f.magic)) {
				t.Errorf("%s does not start with %q", f.path, f.magic)
			}
		}
		switch p.Kind {
		case ParetoPlot:
			s := p.Series[0]
			if len(p.Series) != 1 || !slices.Equal(p.Policies, policies) || len(s.X) != len(cells) || len(s.Y) != len(cells) {
				t.Errorf("%s: policies %q with %d points, want one per cell %q", p.Title, p.Policies, len(s.X), policies)
				continue
			}
			for i, r := range cells {
				if s.X[i] != r.EnergyUJ || s.Y[i] != RMSError(&r.Output) {
					t.Errorf("%s: point %d = (%v, %v), want (%v, %v)", p.Title, i, s.X[i], s.Y[i], r.EnergyUJ, RMSError(&r.Output))
				}
			}
			if !slices.Equal(p.Front, ParetoFront(s.X, s.Y)) {
				t.Errorf("%s: front %v, ParetoFront gives %v", p.Title, p.Front, ParetoFront(s.X, s.Y))
			}
		case LayersPlot:
			if !slices.Equal(p.Policies, policies) || len(p.Series) != len(cells) {
				t.Errorf("%s: %d series for %q, want one per cell %q", p.Title, len(p.Series), p.Policies, policies)
				continue
			}
			for i, r := range cells {
				for k, l := range r.Layers {
					if p.Series[i].X[k] != float64(k) || p.Series[i].Y[k] != float64(l.Deviation.MaxLSB) {
						t.Errorf("%s: %s layer %d = (%v, %v), want (%d, %d)", p.Title, r.Policy, k, p.Series[i].X[k], p.Series[i].Y[k], k, l.Deviation.MaxLSB)
					}
				}
			}
		case HistogramPlot:
			if !slices.Equal(p.Policies, others) || len(p.Series) != len(others) {
				t.Errorf("%s: histograms of %q, want every policy but the reference %q", p.Title, p.Policies, others)
				continue
			}
			for _, s := range p.Series {
				r := cells[slices.Index(policies, s.Name)]
				var n float64
				for _, c := range s.Y {
					n += c
				}
				if n != float64(r.Output.Elements) {
					t.Errorf("%s: %s counts %v values, want %d", p.Title, s.Name, n, r.Output.Elements)
				}
			}
		case BreakdownPlot:
			var names []string
			for _, s := range p.Series {
				names = append(names, s.Name)
			}
			if want := []string{"array", "dram", "static", "latency"}; !slices.Equal(names, want) {
				t.Errorf("%s: series %q, want %q", p.Title, names, want)
			}
			if !slices.Equal(p.Policies, policies) {
				t.Errorf("%s: bars for %q, want one per cell %q", p.Title, p.Policies, policies)
				continue
			}
			for i, r := range cells {
				var sum float64
				for _, s := range p.Series[:len(p.Series)-1] {
					sum += s.Y[i]
				}
				if math.Abs(sum-r.EnergyUJ) > 1e-9 || p.Series[len(p.Series)-1].Y[i] != r.LatencyMs {
					t.Errorf("%s: %s energy %v uJ, latency %v ms; want %v, %v", p.Title, r.Policy, sum, p.Series[len(p.Series)-1].Y[i], r.EnergyUJ, r.LatencyMs)
				}
			}
		}
	}
	// digits-cnn: mult16 (4 uJ, RMS sqrt(0.05)) and the reference (5 uJ,
	// exact) dominate truncate (4.5 uJ, RMS sqrt(0.12)) and vendor-b (6 uJ,
	// exact)
	p := plots[0]
	if !slices.Equal(p.Front, []int{1, 0}) || p.Series[0].Y[1] != math.Sqrt(0.05) {
		t.Errorf("digits-cnn front = %v, mult16 RMS = %v; want [1 0] (mult16, reference), %v", p.Front, p.Series[0].Y[1], math.Sqrt(0.05))
	}
}

func TestWritePlotsNamesFilesApart(t *testing.T) {
	results := []*experiment.Result{
		fabricated("digits-cnn", "reference", "one/low.yaml", 100, 1, exact, 0),
		fabricated("digits-cnn", "reference", "two/low.yaml", 100, 1, exact, 0),
	}
	plots, err := WritePlots(t.TempDir(), results)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range plots {
		if seen[p.SVG] || seen[p.PNG] {
			t.Errorf("%s: file names %s, %s used twice", p.Title, p.SVG, p.PNG)
		}
		seen[p.SVG], seen[p.PNG] = true, true
	}
	// only the reference ran: no histogram, three plots per hardware
	if len(plots) != 6 {
		t.Errorf("%d plots, want 6", len(plots))
	}
}
