package campaign

import (
	"testing"

	"github.com/npusim/npusim/sim/experiment"
)

// priced is a result with a latency, an energy and a largest output
// difference over 100 output values; no error.
func priced(workload, policy, hw string, latencyMs, energyUJ float64, maxLSB int64) *experiment.Result {
	r := &experiment.Result{Cell: experiment.Cell{Workload: workload, Policy: policy, HW: hw}, LatencyMs: latencyMs, EnergyUJ: energyUJ}
	r.Output.Elements, r.Output.MaxLSB = 100, maxLSB
	return r
}

func broken(workload, policy, hw string) *experiment.Result {
	return &experiment.Result{Cell: experiment.Cell{Workload: workload, Policy: policy, HW: hw}, Error: "policy asks for what the hardware lacks"}
}

// names is the policies of a price's fastest, lowest-energy and bit-exact
// cells ("" for none).
func names(p Price) [3]string {
	var n [3]string
	for i, r := range []*experiment.Result{p.Fastest, p.LowestEnergy, p.Exact} {
		if r != nil {
			n[i] = r.Policy
		}
	}
	return n
}

func TestPrices(t *testing.T) {
	results := []*experiment.Result{
		// cnn on npu: mult16 is the fastest, truncate the lowest-energy,
		// acc24 the cheapest bit-exact (less energy than reference)
		priced("cnn", "reference", "npu", 10, 5, 0),
		priced("cnn", "acc24", "npu", 10, 4.75, 0),
		priced("cnn", "mult16", "npu", 8, 4.5, 3),
		priced("cnn", "truncate", "npu", 9, 4, 2),
		broken("cnn", "vendor-a", "npu"),
		// cnn on dsp: nothing bit-exact
		priced("cnn", "fp32", "dsp", 2, 1, 12),
		broken("cnn", "reference", "dsp"),
		// rnn on npu, interleaved with the others: every cell failed
		broken("rnn", "reference", "npu"),
		broken("rnn", "mult16", "npu"),
	}
	prices := Prices(results)
	want := []struct {
		workload, hw string
		cells, ran   int
		names        [3]string
	}{
		{"cnn", "npu", 5, 4, [3]string{"mult16", "truncate", "acc24"}},
		{"cnn", "dsp", 2, 1, [3]string{"fp32", "fp32", ""}},
		{"rnn", "npu", 2, 0, [3]string{"", "", ""}},
	}
	if len(prices) != len(want) {
		t.Fatalf("%d prices, want %d", len(prices), len(want))
	}
	for i, w := range want {
		p := prices[i]
		if p.Workload != w.workload || p.HW != w.hw || p.Cells != w.cells || p.Ran != w.ran || names(p) != w.names {
			t.Errorf("price %d: %s on %s, %d cells, %d ran, %q; want %s on %s, %d, %d, %q",
				i, p.Workload, p.HW, p.Cells, p.Ran, names(p), w.workload, w.hw, w.cells, w.ran, w.names)
		}
	}
	cnn := prices[0]
	for _, tc := range []struct {
		what string
		got  func() (float64, bool)
		want float64
	}{
		{"latency vs fastest", func() (float64, bool) { return cnn.LatencyRatio(cnn.Fastest) }, 10.0 / 8},
		{"energy vs fastest", func() (float64, bool) { return cnn.EnergyRatio(cnn.Fastest) }, 4.75 / 4.5},
		{"latency vs lowest energy", func() (float64, bool) { return cnn.LatencyRatio(cnn.LowestEnergy) }, 10.0 / 9},
		{"energy vs lowest energy", func() (float64, bool) { return cnn.EnergyRatio(cnn.LowestEnergy) }, 4.75 / 4},
	} {
		if got, ok := tc.got(); !ok || got != tc.want {
			t.Errorf("cnn on npu: %s = %v, %v; want %v", tc.what, got, ok, tc.want)
		}
	}
	if cnn.IsAboutOne() {
		t.Error("cnn on npu: a price of 1.25x counts as about 1")
	}
	dsp := prices[1]
	if _, ok := dsp.LatencyRatio(dsp.Fastest); ok || dsp.IsAboutOne() {
		t.Error("cnn on dsp has a price without a bit-exact policy")
	}
	if _, ok := prices[2].EnergyRatio(prices[2].LowestEnergy); ok {
		t.Error("rnn on npu has a price without a cell that ran")
	}
}

// TestPricesBreakTies checks each rule of Prices' tie-breaking on a group
// built so that only that rule decides.
func TestPricesBreakTies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results []*experiment.Result
		want    [3]string
	}{
		{"equal latency: the lower energy is the fastest", []*experiment.Result{
			priced("w", "a", "h", 5, 3, 1), priced("w", "b", "h", 5, 2, 1), priced("w", "c", "h", 6, 1, 1),
		}, [3]string{"b", "c", ""}},
		{"equal energy: the lower latency has the lowest energy", []*experiment.Result{
			priced("w", "a", "h", 6, 2, 1), priced("w", "b", "h", 4, 2, 1), priced("w", "c", "h", 5, 3, 1),
		}, [3]string{"b", "b", ""}},
		{"equal cost: the bit-exact one first", []*experiment.Result{
			priced("w", "shortcut", "h", 5, 2, 4), priced("w", "exact", "h", 5, 2, 0),
		}, [3]string{"exact", "exact", "exact"}},
		{"equal cost, none bit-exact: the earlier", []*experiment.Result{
			priced("w", "first", "h", 5, 2, 4), priced("w", "second", "h", 5, 2, 1),
		}, [3]string{"first", "first", ""}},
		{"bit-exact: the lower energy, then the lower latency, then the earlier", []*experiment.Result{
			priced("w", "fast", "h", 3, 9, 0), priced("w", "frugal", "h", 8, 2, 0), priced("w", "quick", "h", 7, 2, 0), priced("w", "late", "h", 7, 2, 0),
		}, [3]string{"fast", "quick", "quick"}},
	} {
		prices := Prices(tc.results)
		if len(prices) != 1 || names(prices[0]) != tc.want {
			t.Errorf("%s: %d prices, first %q; want %q", tc.name, len(prices), names(prices[0]), tc.want)
		}
	}
}

func TestBitExact(t *testing.T) {
	failed := broken("w", "p", "h")
	empty := priced("w", "p", "h", 1, 1, 0)
	empty.Output.Elements = 0
	for _, tc := range []struct {
		name string
		r    *experiment.Result
		want bool
	}{
		{"max 0 LSB", priced("w", "p", "h", 1, 1, 0), true},
		{"max 1 LSB", priced("w", "p", "h", 1, 1, 1), false},
		{"failed", failed, false},
		{"no outputs compared", empty, false},
	} {
		if got := BitExact(tc.r); got != tc.want {
			t.Errorf("%s: BitExact = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestIsAboutOne puts the bit-exact policy just inside and just outside
// AboutOne of the fastest (latency) and the lowest-energy (energy) policy.
func TestIsAboutOne(t *testing.T) {
	for _, tc := range []struct {
		name            string
		latency, energy float64 // the bit-exact policy's, against 1 and 1
		want            bool
	}{
		{"both equal", 1, 1, true},
		{"1.4% slower", 1.014, 1, true},
		{"1.6% slower", 1.016, 1, false},
		{"1.4% more energy", 1, 1.014, true},
		{"1.6% more energy", 1, 1.016, false},
	} {
		p := Prices([]*experiment.Result{
			priced("w", "exact", "h", tc.latency, tc.energy, 0),
			priced("w", "fast", "h", 1, 2, 5),
			priced("w", "frugal", "h", 2, 1, 5),
		})[0]
		if got := p.IsAboutOne(); got != tc.want {
			t.Errorf("%s: IsAboutOne = %v, want %v", tc.name, got, tc.want)
		}
	}
}
