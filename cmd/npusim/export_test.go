package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportThenRun exports a workload, runs it back through --workload and
// checks that a corrupt ONNX file is bad input (exit 2) naming the file.
func TestExportThenRun(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "mlp.onnx")
	if status, _, stderr := runCLI("export", "digits-mlp", "--onnx", model); status != 0 {
		t.Fatalf("export: status %d: %s", status, stderr)
	}
	status, stdout, stderr := runCLI("show", model)
	if status != 0 || !strings.Contains(stdout, "FULLY_CONNECTED") || !strings.Contains(stdout, "539 sample(s)") {
		t.Fatalf("show %s: status %d\n%s%s", model, status, stdout, stderr)
	}
	bad := filepath.Join(dir, "bad.onnx")
	if err := os.WriteFile(bad, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, _, stderr = runCLI("show", bad)
	if status != 2 || !strings.Contains(stderr, "bad.onnx") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("show bad.onnx: status %d, stderr %q; want 2 and one line naming the file", status, stderr)
	}
}
