package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "matmul.vcd")
	status, out, errOut := runCLI("trace", "--hw", "tiny", "--gemm", "8x8x8", "--vcd", path)
	if status != 0 {
		t.Fatalf("exit %d, stderr %s", status, errOut)
	}
	for _, want := range []string{
		"hw tiny: 8x8 ws array, 500 MHz; int8 operands from seed 1\n",
		// One fold: 2*8 + 8 + 8 - 2 = 30 cycles.
		"matmul  8x8x8, acc32-wrap: 1 fold, 30 cycles (fast model 30)\n",
		// 64 outputs on 8 lanes behind 6 stages: 8 + 6 = 14 cycles.
		"requant double-rounding, 8 lanes x 6 stages: 64 outputs, 14 cycles (fast model, 6 stages: 14)\n",
		"total   44 cycles, 88 ns\n",
		"accumulators (8x8):\n",
		"outputs (int8; bias 0, multiplier Q 1518500250, shift -8, zero point 0):\n",
		"vcd " + path + ": 613 signals (with PE registers), 44 cycles\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}
	vcd, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"$timescale 1 ns $end\n",
		"$scope module pe_7_7 $end\n",
		"$var wire 32 ",
		"$scope module requant $end\n",
		"$enddefinitions $end\n#0\n$dumpvars\n",
		"\n#88\n", // the final state, at the rising edge after cycle 43
	} {
		if !bytes.Contains(vcd, []byte(want)) {
			t.Errorf("vcd lacks %q", want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the output directory, want the vcd alone", len(entries))
	}

	// The same seed gives the same results and the same waveform.
	again := filepath.Join(dir, "again.vcd")
	_, out2, _ := runCLI("trace", "--hw", "tiny", "--gemm", "8x8x8", "--vcd", again)
	vcd2, _ := os.ReadFile(again)
	if strings.ReplaceAll(out2, again, path) != out || !bytes.Equal(vcd, vcd2) {
		t.Error("a second run with the same seed differs")
	}
}

func TestTraceOutputStationary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "os.vcd")
	status, out, errOut := runCLI("trace", "--gemm", "20x12x9", "--dataflow", "os", "--seed", "7", "--variant", "truncate", "--vcd", path)
	// OS on 8x8: M 20 = 8+8+4 rows, N 9 = 8+1 columns, K 12 streams:
	// 2*(2*8+8+10) + 2*(2*8+1+10) + (2*4+8+10) + (2*4+1+10) = 167.
	if status != 0 || !strings.Contains(out, "matmul  20x12x9, acc32-wrap: 6 folds, 167 cycles (fast model 167)\n") ||
		!strings.Contains(out, "requant truncate, 8 lanes x 6 stages: 180 outputs, 29 cycles") {
		t.Errorf("exit %d, stderr %s\n%s", status, errOut, out)
	}
}

func TestTraceBadInput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.vcd")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--gemm", "8x8"}, `--gemm: want MxKxN such as 8x8x8, got "8x8"`},
		{[]string{"--gemm", "8x0x8"}, `--gemm: "8x0x8": each of M, K and N must be from 1 to 1024, got "0"`},
		{[]string{"--gemm", "8xKx8"}, `each of M, K and N must be from 1 to 1024, got "K"`},
		{[]string{"--gemm", "1024x1024x4"}, "--gemm: 1024x1024x4 is 4194304 multiply-accumulates, more than the 2097152 a trace takes"},
		{[]string{"--gemm", ""}, "--gemm: required"},
		{[]string{"--gemm", "8x8x8", "--dataflow", "rs"}, `--dataflow: want ws or os, got "rs"`},
		{[]string{"--gemm", "8x8x8", "--variant", "round-to-odd"}, `--variant: unknown requantization variant "round-to-odd"`},
		{[]string{"--gemm", "8x8x8", "--variant", "truncate/20"}, "--variant: hw tiny does not implement truncate/20"},
		{[]string{"--gemm", "8x8x8", "--hw", "huge"}, "hw huge: no such preset"},
		{[]string{"--gemm", "8x8x8", "--hw", filepath.Join(dir, "missing.yaml")}, "missing.yaml: open"},
		{[]string{"--gemm", "8x8x8", "--seed", "-1"}, `--seed: want a whole number >= 0, got "-1"`},
		{[]string{"--gemm", "8x8x8", "extra"}, `unknown command "extra"`},
	}
	for _, c := range cases {
		args := append([]string{"trace", "--vcd", path}, c.args...)
		status, out, errOut := runCLI(args...)
		if status != 2 || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "npusim: ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, no output and one line containing %q", c.args, status, out, errOut, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", "--gemm", "8x8x8"}, "--vcd: required"},
		{[]string{"trace", "--gemm", "8x8x8", "--vcd", filepath.Join(dir, "no", "such", "x.vcd")}, "--vcd: " + filepath.Join(dir, "no", "such", "x.vcd") + ": its directory " + filepath.Join(dir, "no", "such") + " does not exist"},
	} {
		status, out, errOut := runCLI(c.args...)
		if status != 2 || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line containing %q", c.args, status, out, errOut, c.want)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != "old" {
		t.Errorf("a failed trace changed the existing file: %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files left in the directory, want only the existing one", len(entries))
	}
}
