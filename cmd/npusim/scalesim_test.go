package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/internal/vectors"
)

var scaleSimReports = []string{"COMPUTE_REPORT.csv", "BANDWIDTH_REPORT.csv", "DETAILED_ACCESS_REPORT.csv"}

// TestScaleSimGolden runs the command on SCALE-Sim's regression run and
// compares the three reports it writes into OUT/<run_name>/ with
// SCALE-Sim's, byte for byte.
func TestScaleSimGolden(t *testing.T) {
	dir := vectors.ScaleSimDir(t)
	out := filepath.Join(t.TempDir(), "runs")
	args := []string{"scalesim", "-c", filepath.Join(dir, "scale_32x32_ws.cfg"), "-t", filepath.Join(dir, "alexnet_part.csv"), "-p", out}
	for range 2 { // the second run replaces the reports in the existing directory
		status, stdout, stderr := runCLI(args...)
		if status != 0 {
			t.Fatalf("exit %d: %s", status, stderr)
		}
		for _, want := range []string{"scale_example_run_32x32_ws: ws dataflow, 32x32 array", "0       Conv1                  112283     91.68      94.53   15.687 0.328 31.243",
			"total: 112283 cycles, 105415200 MACs", filepath.Join(out, "scale_example_run_32x32_ws") + "/{COMPUTE_REPORT.csv,"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("summary lacks %q:\n%s", want, stdout)
			}
		}
		for _, name := range scaleSimReports {
			got, err := os.ReadFile(filepath.Join(out, "scale_example_run_32x32_ws", name))
			if err != nil {
				t.Fatal(err)
			}
			want, _ := os.ReadFile(filepath.Join(dir, "golden_32x32_ws", name))
			if string(got) != string(want) {
				t.Errorf("%s:\n got %q\nwant %q", name, got, want)
			}
		}
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("%s holds %d entries, want only the run directory", out, len(entries))
	}
}

// TestScaleSimGEMM runs an M, N, K topology, read by its header or by -i.
func TestScaleSimGEMM(t *testing.T) {
	tmp := t.TempDir()
	cfg := writeTemp(t, tmp, "os.cfg", "[general]\nrun_name = mlp\n[architecture_presets]\nArrayHeight: 8\nArrayWidth: 4\n"+
		"IfmapSramSzkB: 1\nFilterSramSzkB: 1\nOfmapSramSzkB: 1\nIfmapOffset: 0\nFilterOffset: 10000000\nOfmapOffset: 20000000\nDataflow: os\n[run_presets]\nInterfaceBandwidth: CALC\n")
	topo := writeTemp(t, tmp, "mlp.csv", "Layer, M, N, K,\nup, 16, 8, 4,\n")
	for _, format := range []string{"auto", "gemm"} {
		status, stdout, stderr := runCLI("scalesim", "-c", cfg, "-t", topo, "-i", format, "-p", tmp)
		// os on 8 x 4: M = 16 pixels on 2 row folds, N = 8 on 2 column
		// folds, K = 4 streamed: 4 folds of 8 + 4 + 4 - 2 = 14 cycles.
		if status != 0 || !strings.Contains(stdout, "topology mlp (gemm layout): 1 layer") || !strings.Contains(stdout, "total: 55 cycles") {
			t.Errorf("-i %s: exit %d\n%s%s", format, status, stdout, stderr)
		}
	}
}

// TestScaleSimRerunWithoutComparison: a run without npusim's comparison
// into the directory of one with it leaves no stale NPUSIM_REPORT.csv.
func TestScaleSimRerunWithoutComparison(t *testing.T) {
	tmp := t.TempDir()
	cfg := writeTemp(t, tmp, "ws.cfg", "[general]\nrun_name = mlp\n[architecture_presets]\nArrayHeight: 8\nArrayWidth: 4\n"+
		"IfmapSramSzkB: 1\nFilterSramSzkB: 1\nOfmapSramSzkB: 1\nIfmapOffset: 0\nFilterOffset: 10000000\nOfmapOffset: 20000000\nDataflow: ws\n[run_presets]\nInterfaceBandwidth: CALC\n")
	topo := writeTemp(t, tmp, "mlp.csv", "Layer, M, N, K,\nup, 16, 8, 4,\n")
	report := filepath.Join(tmp, "mlp", "NPUSIM_REPORT.csv")
	for _, c := range []struct {
		npusim string
		report bool
	}{{"true", true}, {"false", false}} {
		if status, _, stderr := runCLI("scalesim", "-c", cfg, "-t", topo, "-p", tmp, "--npusim="+c.npusim); status != 0 {
			t.Fatalf("--npusim=%s: exit %d: %s", c.npusim, status, stderr)
		}
		if _, err := os.Stat(report); (err == nil) != c.report {
			t.Errorf("--npusim=%s: NPUSIM_REPORT.csv there: %v, want %v", c.npusim, err == nil, c.report)
		}
	}
}

// TestScaleSimBadInput: bad input exits 2 with one error line naming the
// file, line and field, and leaves no output directory behind.
func TestScaleSimBadInput(t *testing.T) {
	dir := vectors.ScaleSimDir(t)
	tmp := t.TempDir()
	goldenCfg, _ := os.ReadFile(filepath.Join(dir, "scale_32x32_ws.cfg"))
	badCfg := writeTemp(t, tmp, "bad.cfg", strings.Replace(string(goldenCfg), "Dataflow : ws", "Dataflow : wx", 1))
	badTopo := writeTemp(t, tmp, "bad.csv", "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nConv1, 224, 224, 11, 11, 3, 96, four,\n")
	cfg, topo := filepath.Join(dir, "scale_32x32_ws.cfg"), filepath.Join(dir, "alexnet_part.csv")
	file := writeTemp(t, tmp, "file", "not a directory")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad config", []string{"-c", badCfg, "-t", topo}, "npusim: config " + badCfg + `:14: architecture_presets.Dataflow: must be os, ws or is, got "wx"`},
		{"bad topology", []string{"-c", cfg, "-t", badTopo}, "npusim: topology " + badTopo + `:2: Strides: must be an integer from 1 to 16777216, got "four"`},
		{"missing topology", []string{"-c", cfg, "-t", filepath.Join(tmp, "none.csv")}, "npusim: topology " + filepath.Join(tmp, "none.csv") + ": open "},
		{"no config flag", []string{"-t", topo}, `npusim: required flag(s) "config" not set`},
		{"bad format", []string{"-c", cfg, "-t", topo, "-i", "onnx"}, `npusim: --input-type: topology format "onnx": must be auto, conv or gemm`},
		{"output under a file", []string{"-c", cfg, "-t", topo, "-p", filepath.Join(file, "runs")}, "npusim: --out: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(tmp, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			args := append([]string{"scalesim", "-p", out}, tc.args...)
			status, stdout, stderr := runCLI(args...)
			if status != 2 || stdout != "" || !strings.HasPrefix(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line starting %q", status, stdout, stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created", out)
			}
		})
	}
	// A file where the run directory goes: refused, nothing left behind.
	writeTemp(t, tmp, "scale_example_run_32x32_ws", "in the way")
	status, _, stderr := runCLI("scalesim", "-c", cfg, "-t", topo, "-p", tmp)
	if status != 2 || !strings.Contains(stderr, "exists and is not a directory") {
		t.Errorf("exit %d, stderr %q", status, stderr)
	}
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left %s behind", e.Name())
		}
	}
}

func writeTemp(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
