package experiment

import (
	"fmt"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/npusim/npusim/workloads/zoo"
)

// The price of determinism on MobileNet v2, per hardware preset: which
// layers of the reference policy take which route, and its latency and
// energy against the fastest policy that runs there. docs/exact.md derives
// every figure.

// mobileNetPrice is one preset's pinned figures.
type mobileNetPrice struct {
	hw string
	// routes is Result.Routes; byKind the route of each requantizing op
	// kind, except the layers listed in except (every other op is native).
	routes string
	byKind map[string]string
	except map[string]string
	// fastest is the policy with the fewest cycles (the first in preset
	// order on a tie); the cycles and energies are the reference's and
	// the fastest's, the ratios the reference's over the fastest's.
	fastest                   string
	refCycles, fastCycles     uint64
	refEnergyUJ, fastEnergyUJ string
	latency, energy           string
}

const vectorDR = "emulated: vector-requant/double-rounding"

var mobileNetPrices = []mobileNetPrice{
	{hw: "mobile-npu", fastest: "vendor-c", refCycles: 1542805, fastCycles: 1540857,
		refEnergyUJ: "510.623", fastEnergyUJ: "503.162", latency: "1.0013", energy: "1.0148"},
	{hw: "edge-tpu-like", routes: "emulated: 53 layers (vector-requant/double-rounding)",
		byKind:  map[string]string{"CONV_2D": vectorDR, "DEPTHWISE_CONV_2D": vectorDR},
		fastest: "fp32", refCycles: 4989865, fastCycles: 3191923,
		refEnergyUJ: "1689.750", fastEnergyUJ: "967.872", latency: "1.5633", energy: "1.7458"},
	{hw: "low-cost", routes: "emulated: 48 layers (vector-requant/double-rounding; split-accumulation + vector-requant/double-rounding); cpu: 5 layers",
		byKind: map[string]string{"CONV_2D": vectorDR, "DEPTHWISE_CONV_2D": vectorDR},
		except: map[string]string{
			"expanded_conv_1/expand": "cpu", "expanded_conv_1/depthwise": "cpu", "expanded_conv_1/project": "cpu",
			"expanded_conv_2/expand": "cpu", "expanded_conv_2/depthwise": "cpu",
			"expanded_conv_14/project": "emulated: split-accumulation + vector-requant/double-rounding",
			"expanded_conv_15/project": "emulated: split-accumulation + vector-requant/double-rounding",
			"expanded_conv_16/project": "emulated: split-accumulation + vector-requant/double-rounding",
			"Logits/Conv2d_1c_1x1":     "emulated: split-accumulation + vector-requant/double-rounding"},
		fastest: "psum16", refCycles: 15403650, fastCycles: 4050879,
		refEnergyUJ: "4327.480", fastEnergyUJ: "1314.298", latency: "3.8025", energy: "3.2926"},
	{hw: "dsp-hvx-like", routes: "emulated: 53 layers (vector-requant/double-rounding)",
		byKind:  map[string]string{"CONV_2D": vectorDR, "DEPTHWISE_CONV_2D": vectorDR},
		fastest: "mult16", refCycles: 5179154, fastCycles: 2342632,
		refEnergyUJ: "1988.927", fastEnergyUJ: "940.243", latency: "2.2108", energy: "2.1153"},
	{hw: "fixed-per-tensor", routes: "emulated: 53 layers (per-channel-groups)",
		byKind:  map[string]string{"CONV_2D": "emulated: per-channel-groups", "DEPTHWISE_CONV_2D": "emulated: per-channel-groups"},
		fastest: "per-tensor", refCycles: 2116593, fastCycles: 1785536,
		refEnergyUJ: "717.015", fastEnergyUJ: "622.343", latency: "1.1854", energy: "1.1521"},
}

// TestMobileNetV2PriceOfDeterminism runs MobileNet v2 under every policy
// on every preset but tiny and pins, per preset, each layer's route under
// the reference policy and the reference's latency and energy against the
// fastest policy's. On tiny (whose MobileNet v2 takes minutes), only the
// routes are pinned: every layer native, as on mobile-npu.
func TestMobileNetV2PriceOfDeterminism(t *testing.T) {
	if testing.Short() {
		t.Skip("65 MobileNet v2 runs; without -short")
	}
	ws, refs := loader.New(), NewReferences()
	for _, want := range mobileNetPrices {
		ref, fast := runPolicies(t, ws, refs, want.hw)
		checkRoutes(t, want, ref)
		got := mobileNetPrice{hw: want.hw, routes: ref.Routes, byKind: want.byKind, except: want.except, fastest: fast.Policy,
			refCycles: ref.Cycles, fastCycles: fast.Cycles,
			refEnergyUJ: fmt.Sprintf("%.3f", ref.EnergyUJ), fastEnergyUJ: fmt.Sprintf("%.3f", fast.EnergyUJ),
			latency: fmt.Sprintf("%.4f", float64(ref.Cycles)/float64(fast.Cycles)), energy: fmt.Sprintf("%.4f", ref.EnergyUJ/fast.EnergyUJ)}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\n got %+v\nwant %+v", want.hw, got, want)
		}
	}
	w, err := zoo.Load("mobilenet-v2")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := drivers.LoadPolicy("reference")
	tiny, _ := npu.LoadConfig("tiny")
	c, err := drivers.Compile(w.Model, p, tiny)
	if err != nil || drivers.SummarizeRoutes(c.Routes) != "" {
		t.Errorf("tiny: %v, routes %q; want every layer native", err, drivers.SummarizeRoutes(c.Routes))
	}
}

// runPolicies runs MobileNet v2 under every policy on a preset and returns
// the reference's result and the fastest policy's.
func runPolicies(t *testing.T, ws *loader.Loader, refs *References, hw string) (ref, fast *Result) {
	for _, p := range drivers.Presets() {
		r, err := Run(Cell{Workload: "mobilenet-v2", Policy: p, HW: hw, Samples: 1}, ws, refs)
		if err != nil {
			if p == "reference" {
				t.Fatalf("reference on %s: %v", hw, err)
			}
			continue
		}
		if p == "reference" {
			ref = r
		}
		if fast == nil || r.Cycles < fast.Cycles {
			fast = r
		}
	}
	return ref, fast
}

// checkRoutes holds every layer's route to the pinned table.
func checkRoutes(t *testing.T, want mobileNetPrice, r *Result) {
	for _, l := range r.Layers {
		label, ok := want.except[l.Name]
		if !ok {
			if label, ok = want.byKind[l.Kind]; !ok {
				label = "native"
			}
		}
		if got := l.Route.Label(); got != label {
			t.Errorf("%s: layer %s (%s) took %q, want %q", want.hw, l.Name, l.Kind, got, label)
		}
	}
}
