package campaign

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/area"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/loader"
)

// writeGrid writes a hardware grid file and returns its path.
func writeGrid(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "grid.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadHWGridErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"axes: {array: [8x8]}\n", "hw grid grid.yaml: base: missing"},
		{"base: tiny\n", "axes, points: the grid has no design point"},
		{"base: tiny\naxes: [array]\n", "axes: want a mapping of keys to values"},
		{"base: tiny\naxes: {array: 8x8}\n", "axes.array: want a list of values"},
		{"base: tiny\naxes: {array: []}\n", "axes.array: want a list of values"},
		{"base: tiny\naxes: {requant: [[[mult16]]]}\n", "axes.requant[0]: a list of single values, lists do not nest"},
		{"base: tiny\naxes: {array: [8x8], array: [4x4]}\n", "axes.array: given twice"},
		{"base: tiny\naxes: {clock_mhz: ['']}\n", "axes.clock_mhz[0]: no value"},
		{"base: tiny\npoints: [{}]\n", "points[0]: want a mapping of keys to values"},
		{"base: tiny\npoints: [8x8]\n", "points[0]: want a mapping of keys to values"},
		{"base: tiny\npoints: [{array: {rows: 8}}]\n", "points[0].array: want a value or a list of values"},
		{"base: tiny\npoints: [{array: 8x8}]\niso_area: {spend: []}\n", "iso_area.spend: want a list of macs, sram"},
		{"base: tiny\npoints: [{array: 8x8}]\niso_area: {spend: [dram]}\n", `iso_area.spend[0]: want macs or sram, each once, got "dram"`},
		{"base: tiny\npoints: [{array: 8x8}]\niso_area: {spend: [macs, macs]}\n", "iso_area.spend[1]: want macs or sram, each once"},
		{"base: tiny\npoints: [{array: 8x8}]\niso_area: {spend: [macs], budget_mm2: -1}\n", "iso_area.budget_mm2: must be >= 0"},
		{"base: tiny\npoints: [{array: 8x8}]\nworkloads: [mac2x3]\n", "workloads: unknown field (line 3"},
		{"", "the file is empty"},
	} {
		_, err := ReadHWGrid(writeGrid(t, c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "hw grid grid.yaml: ") {
			t.Errorf("%q: error %v, want %q", c.text, err, c.want)
		}
	}
	if _, err := ReadHWGrid(filepath.Join(t.TempDir(), "none.yaml")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("a missing file: %v", err)
	}
}

// TestExpandHWGrid: the cross product, first axis outermost, then the
// points, each named by its overrides and digest.
func TestExpandHWGrid(t *testing.T) {
	g, err := ReadHWGrid(writeGrid(t, `base: tiny
axes:
  array: [4x4, 8x8]
  requant: [[mult16], [mult16, double-rounding:4]]
points:
  - {clock_mhz: 250, array.dataflow: os}
`))
	if err != nil {
		t.Fatal(err)
	}
	hw, iso, err := g.Expand()
	if err != nil || iso != nil {
		t.Fatalf("%v, iso %v", err, iso)
	}
	want := []string{
		"tiny{array=4x4, requant=[mult16]}", "tiny{array=4x4, requant=[mult16, double-rounding:4]}",
		"tiny{array=8x8, requant=[mult16]}", "tiny{array=8x8, requant=[mult16, double-rounding:4]}",
		"tiny{clock_mhz=250, array.dataflow=os}",
	}
	if len(hw) != len(want) {
		t.Fatalf("%d design points, want %d: %q", len(hw), len(want), hw)
	}
	for i, name := range hw {
		spec, digest, _ := strings.Cut(name, "#")
		cfg, err := npu.LoadConfig(spec)
		if spec != want[i] || err != nil || !strings.HasPrefix(cfg.Digest(), digest) || len(digest) != 8 {
			t.Errorf("point %d: %q (%v), want %q with its digest", i, name, err, want[i])
		}
		if _, err := npu.LoadConfig(name); err != nil {
			t.Errorf("%s does not load: %v", name, err)
		}
	}
	for _, c := range []struct{ text, want string }{
		{"base: tiny\naxes: {array: [8x8, 4x4]}\npoints: [{array: 4x4}]\n", "design points tiny{array=4x4}#"},
		{"base: tiny\naxes: {array: [8x8, 0x4]}\n", "design point 2: hw tiny{array=0x4}: array.rows: must be from 1 to 1024, got 0"},
		{"base: tiny\naxes: {clock_mhz: [1,2,3,4,5,6,7,8,9,10], array: [1x1,2x2,3x3,4x4,5x5,6x6,7x7,8x8,9x9,10x10], dram.latency_ns: [1,2,3,4,5,6,7,8,9,10], vector.lanes: [1,2,3,4,5,6,7,8,9,10,11]}\n",
			"more than 10000 design points"},
	} {
		g, err := ReadHWGrid(writeGrid(t, c.text))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := g.Expand(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.text, err, c.want)
		}
	}
}

// TestIsoAlternatives pins what the exact arithmetic of a 16x16 design
// buys instead: 6 columns of 16 MACs, or 31 KiB of activation SRAM, each
// the most that fits its area.
func TestIsoAlternatives(t *testing.T) {
	s, err := npu.ParseHWSpec("mobile-npu{array=16x16, requant=[mult16, double-rounding]}")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := IsoAlternatives(s, cfg, IsoAreaOption{Spend: []string{SpendMACs, SpendSRAM}})
	if err != nil || len(pairs) != 2 {
		t.Fatalf("%v, %d pairs", err, len(pairs))
	}
	total := area.Of(cfg).TotalMM2()
	for i, want := range []struct{ spec, added string }{
		{"mobile-npu{requant=[mult16:32], array=16x22}", "+6 columns (16x22, +96 MACs)"},
		{"mobile-npu{array=16x16, requant=[mult16:32], sram.activation_kib=543}", "+31 KiB (543 KiB of activation SRAM)"},
	} {
		p := pairs[i]
		spec, _, _ := strings.Cut(p.Alternative, "#")
		if spec != want.spec || p.Added != want.added || p.BudgetMM2 != total || math.Abs(p.ExactMM2-area.Exact(cfg)) > 1e-15 {
			t.Errorf("pair %d: %+v, want %s adding %s", i, p, want.spec, want.added)
		}
		alt, err := npu.LoadConfig(p.Alternative)
		if err != nil {
			t.Fatal(err)
		}
		// the most that fits: one more column or KiB would not
		more := alt.Clone()
		if p.Spend == SpendMACs {
			more.Array.Cols++
		} else {
			more.SRAM.ActivationKiB++
		}
		if a := area.Of(alt).TotalMM2(); a > total || a != p.AreaMM2 || area.Of(more).TotalMM2() <= total {
			t.Errorf("pair %d: alternative %.6f mm^2, budget %.6f, one more %.6f", i, a, total, area.Of(more).TotalMM2())
		}
	}
	// a design without exact-only modes has no alternative; a budget below
	// the exact-free design buys nothing
	plain, _ := npu.LoadConfig("low-cost")
	if pairs, _ := IsoAlternatives(npu.HWSpec{Base: "low-cost"}, plain, IsoAreaOption{Spend: []string{SpendMACs}}); pairs != nil {
		t.Errorf("low-cost has alternatives %+v", pairs)
	}
	pairs, _ = IsoAlternatives(s, cfg, IsoAreaOption{Spend: []string{SpendSRAM}, BudgetMM2: 0.1})
	if len(pairs) != 1 || pairs[0].Alternative != "" || !strings.HasPrefix(pairs[0].Added, "nothing: without its exact modes the design takes") {
		t.Errorf("over budget: %+v", pairs)
	}
}

// hwGridSweep is a sweep of a small hardware grid with its iso-area
// alternatives: designs without double rounding cannot run the reference
// policy, and those cells are recorded, not fatal.
func hwGridSweep(t *testing.T) Grid {
	t.Helper()
	g, err := ReadHWGrid(writeGrid(t, `base: tiny
axes:
  array: [4x4, 8x8]
  requant: [[mult16], [mult16, double-rounding]]
iso_area: {spend: [macs, sram]}
`))
	if err != nil {
		t.Fatal(err)
	}
	grid := Grid{Workloads: []string{"mac2x3", "digits-mlp"}, Policies: []string{"reference", "mult16", "fp32"}, Samples: 3}
	if err := grid.UseHWGrid(g); err != nil {
		t.Fatal(err)
	}
	return grid
}

func sweepGridBytes(t *testing.T, g Grid, dir string, o SweepOptions) []byte {
	t.Helper()
	o.Dir = dir
	if _, err := Sweep(g, o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestHWGridSweepIsDeterministic: a hardware grid's sweep leaves the same
// bytes serial, parallel and sharded then merged.
func TestHWGridSweepIsDeterministic(t *testing.T) {
	grid := hwGridSweep(t)
	if len(grid.HW) != 8 || len(grid.IsoArea) != 4 {
		t.Fatalf("%d designs and %d iso-area pairs, want 4 + 4 alternatives and 4 pairs: %q", len(grid.HW), len(grid.IsoArea), grid.HW)
	}
	base := t.TempDir()
	serial := sweepGridBytes(t, grid, filepath.Join(base, "serial"), SweepOptions{Workers: 1})
	if parallel := sweepGridBytes(t, grid, filepath.Join(base, "parallel"), SweepOptions{Workers: 2}); !bytes.Equal(serial, parallel) {
		t.Error("a parallel sweep of a hardware grid wrote different results than a serial one")
	}
	var shards []string
	for i := 1; i <= 3; i++ {
		dir := filepath.Join(base, "shard", string(rune('0'+i)))
		sweepGridBytes(t, grid, dir, SweepOptions{Shard: &Shard{Index: i, Count: 3}})
		shards = append(shards, dir)
	}
	merged := filepath.Join(base, "merged")
	if _, err := Merge(merged, shards); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(merged, ResultsFile)); !bytes.Equal(serial, got) {
		t.Error("merged shards of a hardware grid differ from the unsharded sweep")
	}
	m, err := ReadSweepManifest(merged)
	if err != nil || !slices.Equal(m.Grid.IsoArea, grid.IsoArea) {
		t.Errorf("the merged sweep.json lost the iso-area pairs (%v)", err)
	}
	// a shard of another grid does not merge
	other := grid
	other.IsoArea = nil
	dir := filepath.Join(base, "other")
	sweepGridBytes(t, other, dir, SweepOptions{Shard: &Shard{Index: 1, Count: 3}})
	if _, err := Merge(filepath.Join(base, "mixed"), []string{dir, shards[1], shards[2]}); err == nil || !strings.Contains(err.Error(), "holds a different sweep") {
		t.Errorf("merging shards of different grids: %v", err)
	}
}

// TestHWGridReferenceOnEveryDesign: the reference policy is bit-exact on
// every design, through an exact route (emulation or the host CPU) on a
// design without double rounding; a shortcut policy the design cannot run
// records an error; the design space is computed from what ran; every
// result carries its design's area.
func TestHWGridReferenceOnEveryDesign(t *testing.T) {
	grid := hwGridSweep(t)
	results, err := Sweep(grid, SweepOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		cfg, err := npu.LoadConfig(r.HW)
		if err != nil {
			t.Fatal(err)
		}
		_, hasFP32 := cfg.RequantMode(quant.VariantFP32)
		_, hasDR := cfg.RequantMode(quant.VariantDoubleRounding)
		switch {
		case r.Hardware == nil || r.Hardware.TotalMM2 != area.Of(cfg).TotalMM2() || r.Hardware.Digest != cfg.Digest()[:16]:
			t.Errorf("%s: hardware summary %+v", r.Key(), r.Hardware)
		case r.Policy == "reference" && (r.Error != "" || !BitExact(r)):
			t.Errorf("%s: the reference is not bit-exact: %q", r.Key(), r.Error)
		case r.Policy == "fp32" && !hasFP32 && !strings.Contains(r.Error, "asks for requantization mode fp32"):
			t.Errorf("%s: error %q", r.Key(), r.Error)
		case r.Policy == "reference" && !hasDR && r.Routes == "":
			t.Errorf("%s: the reference ran every layer natively on a design without double rounding", r.Key())
		}
	}
	for _, d := range DesignSpace(results) {
		if d.Cells != 3 || d.Fastest == nil || d.LowestEnergy == nil {
			t.Errorf("%s on %s: %d cells, fastest %v", d.Workload, d.HW, d.Cells, d.Fastest)
		}
		// mult16 is bit-exact on mac2x3, so every design has an exact policy
		if d.Workload == "mac2x3" && (d.Exact == nil || d.Exact.Policy != "mult16" && d.Exact.Policy != "reference") {
			t.Errorf("mac2x3 on %s: cheapest bit-exact %v", d.HW, d.Exact)
		}
	}
}

// TestOverrideEqualToPresetRunsAsThePreset: a design whose overrides leave
// the preset as it is gives the preset's exact results.
func TestOverrideEqualToPresetRunsAsThePreset(t *testing.T) {
	ws, refs := loader.New(), experiment.NewReferences()
	run := func(hw string) []byte {
		r, err := experiment.Run(experiment.Cell{Workload: "digits-cnn", Policy: "mult16", HW: hw, Samples: 4}, ws, refs)
		if err != nil {
			t.Fatal(err)
		}
		r.HW = ""
		data, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	preset := run("mobile-npu")
	same := run("mobile-npu{array=32x32, requant.lanes=32, sram.weight_kib=256, clock_mhz=1000}")
	if !bytes.Equal(preset, same) {
		t.Errorf("an override equal to the preset changed the results:\n%s\n%s", preset, same)
	}
	if other := run("mobile-npu{array=16x16}"); bytes.Equal(preset, other) {
		t.Error("a 16x16 array gives the 32x32 preset's results")
	}
}

func TestDesignSpaceChoices(t *testing.T) {
	mk := func(policy string, latency, energy float64, maxLSB int64, errText string) *experiment.Result {
		r := &experiment.Result{Cell: experiment.Cell{Workload: "w", Policy: policy, HW: "h"}, LatencyMs: latency, EnergyUJ: energy, Error: errText}
		r.Output.Elements, r.Output.MaxLSB = 10, maxLSB
		return r
	}
	results := []*experiment.Result{
		mk("reference", 0, 0, 0, "cannot run"),
		mk("fast", 1, 5, 2, ""),
		mk("frugal", 2, 3, 1, ""),
		mk("exact-a", 3, 4, 0, ""),
		mk("exact-b", 2.5, 4, 0, ""),
	}
	ds := DesignSpace(results)
	if len(ds) != 1 {
		t.Fatalf("%d designs", len(ds))
	}
	d := ds[0]
	l, okL := d.LatencyPrice()
	e, okE := d.EnergyPrice()
	if d.Cells != 5 || d.Ran != 4 || d.Fastest.Policy != "fast" || d.LowestEnergy.Policy != "frugal" || d.Exact.Policy != "exact-b" ||
		!okL || l != 2.5 || !okE || math.Abs(e-4.0/3) > 1e-15 {
		t.Errorf("design %+v, prices %v %v", d, l, e)
	}
}

// benchGrid is 54 design points: three arrays, six requantizers and three
// accumulator sets.
var benchGrid = HWGrid{
	Base: "mobile-npu",
	Axes: []HWAxis{
		{Key: "array", Values: []npu.HWOverride{{Key: "array", Value: "8x8"}, {Key: "array", Value: "16x16"}, {Key: "array", Value: "32x32"}}},
		{Key: "requant", Values: listValues("requant", []string{"mult16"}, []string{"mult16", "double-rounding"}, []string{"fp32"},
			[]string{"fp32", "double-rounding"}, []string{"double-rounding"}, []string{"mult24", "mult16"})},
		{Key: "array.accumulators", Values: listValues("array.accumulators", []string{"acc32-wrap"}, []string{"acc32-wrap", "acc24-saturate"}, []string{"acc24-saturate"})},
	},
}

func listValues(key string, lists ...[]string) []npu.HWOverride {
	var out []npu.HWOverride
	for _, l := range lists {
		out = append(out, npu.HWOverride{Key: key, IsList: true, List: l, Value: "[" + strings.Join(l, ", ") + "]"})
	}
	return out
}

// BenchmarkHWGrid sweeps 54 hardware design points x 2 workloads (the
// digits CNN on its 539 test images, the recurrent cell of 24 steps) x 3
// policies on all cores, and reports the wall time of the whole sweep.
func BenchmarkHWGrid(b *testing.B) {
	grid := Grid{Workloads: []string{"digits-cnn", "rnn-unrolled"}, Policies: []string{"reference", "mult16", "fp32"}}
	if err := grid.UseHWGrid(&benchGrid); err != nil {
		b.Fatal(err)
	}
	if len(grid.HW) < 50 {
		b.Fatalf("%d design points", len(grid.HW))
	}
	for b.Loop() {
		if _, err := Sweep(grid, SweepOptions{Dir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(grid.Cells())), "cells")
}
