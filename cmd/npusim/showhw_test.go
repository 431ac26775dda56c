package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShowHW(t *testing.T) {
	status, out, errOut := runCLI("show-hw", "mobile-npu")
	if status != 0 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	for _, want := range []string{
		"mobile-npu: 0.5502 mm^2 at 7 nm (logic: Aladdin's 40 nm figures x 0.0863, Stillmaker & Baas)",
		"array    processing element          1024       120.10    0.12299  22.35%",
		"sram     activation (KiB)             512       421.30    0.21571  39.21%",
		"total                                                     0.55020",
		"bit-exact arithmetic only: 0.00378 mm^2 (0.69%), the requantizer hardware that serves double-rounding and double-rounding-nosat alone",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show-hw lacks %q:\n%s", want, out)
		}
	}
	status, out, _ = runCLI("show-hw", "--json", "low-cost{requant=[mult16, double-rounding]}")
	var got struct {
		HW      string `json:"hw"`
		Summary struct {
			TotalMM2 float64 `json:"totalMM2"`
			ExactMM2 float64 `json:"exactMM2"`
		} `json:"summary"`
		Area struct {
			Parts []struct {
				Derivation string `json:"derivation"`
			} `json:"parts"`
		} `json:"area"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || status != 0 {
		t.Fatalf("exit %d, %v: %s", status, err, out)
	}
	if got.HW != "low-cost{requant=[mult16, double-rounding]}" || got.Summary.ExactMM2 <= 0 || got.Summary.ExactMM2/got.Summary.TotalMM2 < 0.1 || len(got.Area.Parts) == 0 || got.Area.Parts[0].Derivation == "" {
		t.Errorf("got %+v", got)
	}
	if _, out, _ := runCLI("show-hw", "edge-tpu-like"); !strings.Contains(out, "bit-exact arithmetic only: none (the requantizer has no double-rounding mode)") {
		t.Errorf("edge-tpu-like:\n%s", out)
	}
}

// TestHardwareOverridesOnTheCommandLine: overrides work wherever --hw
// does, and bad ones exit 2 with one line naming the key.
func TestHardwareOverridesOnTheCommandLine(t *testing.T) {
	status, out, errOut := runCLI("run", "--workload", "mac2x3", "--policy", "mult16", "--hw", "mobile-npu{array=16x16, requant=[mult16, fp32], sram.activation_kib=256}")
	if status != 0 || !strings.Contains(out, "mac2x3 under mult16 on mobile-npu{array=16x16, requant=[mult16, fp32], sram.activation_kib=256}") ||
		!strings.Contains(out, "mm^2 at 7 nm, of which 0 mm^2 (0%) on bit-exact arithmetic only") {
		t.Errorf("run with overrides: exit %d, %s\n%s", status, errOut, out)
	}
	grid := filepath.Join(t.TempDir(), "grid.yaml")
	if err := os.WriteFile(grid, []byte("base: tiny\naxes: {array: [4x4, 0x4]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(t.TempDir(), "out")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"show-hw", "mobile-npu{sram.act=3}"}, `npusim: hw mobile-npu{sram.act=3}: unknown key "sram.act" (keys here: sram.accumulator_kib, sram.activation_kib, sram.weight_kib)`},
		{[]string{"show-hw", "mobile-npu{array=0x16}"}, "npusim: hw mobile-npu{array=0x16}: array.rows: must be from 1 to 1024, got 0"},
		{[]string{"run", "--workload", "mac2x3", "--hw", "tiny{clock_mhz=fast}"}, `npusim: hw tiny{clock_mhz=fast}: clock_mhz: want a number, got "fast"`},
		{[]string{"sweep", "--hw-grid", grid, "--out", out}, "npusim: hw grid " + grid + ": design point 2: hw tiny{array=0x4}: array.rows: must be from 1 to 1024, got 0"},
		{[]string{"sweep", "--hw-grid", grid, "--hw", "tiny", "--out", out}, "npusim: --hw-grid and --hw: give one of them"},
		{[]string{"sweep", "--hw-grid", grid + ".missing", "--out", out}, "no such file"},
		{[]string{"show-hw"}, "accepts 1 arg(s), received 0"},
	} {
		status, stdout, errOut := runCLI(c.args...)
		if status != 2 || stdout != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line containing %q", c.args, status, stdout, errOut, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a sweep with a bad hardware grid created its results directory")
	}
}

func TestSplitHW(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"mobile-npu", []string{"mobile-npu"}},
		{"mobile-npu,tiny", []string{"mobile-npu", "tiny"}},
		{"mobile-npu{array=16x16, requant=[mult16, fp32]}, tiny{clock_mhz=400}", []string{"mobile-npu{array=16x16, requant=[mult16, fp32]}", "tiny{clock_mhz=400}"}},
		{"hw/a.yaml{requant=[mult16]}#0123abcd,low-cost", []string{"hw/a.yaml{requant=[mult16]}#0123abcd", "low-cost"}},
	} {
		if got := splitHW(c.in); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("splitHW(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
