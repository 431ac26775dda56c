package engines

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"

	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/onnx"
)

//go:embed scripts/ort_bench.js
var ortBenchScript []byte

// ORTTiming is what ONNX Runtime took for one model on one thread: per
// timed run, the wall-clock and the process's CPU milliseconds.
type ORTTiming struct {
	Version string    `json:"version"`
	WallMs  []float64 `json:"wallMs"`
	CPUMs   []float64 `json:"cpuMs"`
}

// Join returns the runs of t followed by those of u (t may be nil).
func (t *ORTTiming) Join(u *ORTTiming) *ORTTiming {
	if t == nil {
		return u
	}
	return &ORTTiming{Version: t.Version,
		WallMs: slices.Concat(t.WallMs, u.WallMs), CPUMs: slices.Concat(t.CPUMs, u.CPUMs)}
}

// BenchORT exports a workload to dir (the QOperator model of npusim export,
// package onnx) and times it on ONNX Runtime's CPU execution provider with
// one intra-op and one inter-op thread, on the inputs of one sample: warmup
// untimed runs, then runs timed ones, in one Node process.
func BenchORT(dir string, w *workloads.Workload, sample, warmup, runs int) (*ORTTiming, error) {
	if ORTDir() == "" {
		return nil, fmt.Errorf("NPUSIM_ORT_DIR is not set")
	}
	model := filepath.Join(dir, "bench.onnx")
	if err := onnx.WriteWorkload(w, model); err != nil {
		return nil, fmt.Errorf("export %s: %w", w.Name, err)
	}
	manifest := struct {
		Model  string   `json:"model"`
		Inputs []string `json:"inputs"`
		Warmup int      `json:"warmup"`
		Runs   int      `json:"runs"`
	}{Model: model, Warmup: warmup, Runs: runs}
	for k := range w.Model.Inputs {
		manifest.Inputs = append(manifest.Inputs, onnx.InputPath(model, k, sample))
	}
	data, err := json.Marshal(manifest)
	if err != nil {
		return nil, err
	}
	script, mpath := filepath.Join(dir, "ort_bench.js"), filepath.Join(dir, "bench.json")
	if err := os.WriteFile(script, ortBenchScript, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "ort_run.js"), ortScript, 0o644); err != nil { // its helpers
		return nil, err
	}
	if err := os.WriteFile(mpath, data, 0o644); err != nil {
		return nil, err
	}
	out, err := exec.Command("node", script, mpath).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return nil, fmt.Errorf("node ort_bench.js: %w\n%s", err, ee.Stderr)
		}
		return nil, fmt.Errorf("node ort_bench.js: %w", err)
	}
	var t ORTTiming
	if err := json.Unmarshal(out, &t); err != nil || len(t.WallMs) != runs {
		return nil, fmt.Errorf("node ort_bench.js printed %q: %v", out, err)
	}
	return &t, nil
}
