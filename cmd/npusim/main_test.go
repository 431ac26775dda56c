package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/internal/vectors"
)

// runCLI runs the command line in process and returns the exit status and
// what it printed.
func runCLI(args ...string) (status int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	status = run(args, &out, &errOut)
	return status, out.String(), errOut.String()
}

func TestCheckNNAPIVectors(t *testing.T) {
	dir := vectors.NNAPIDir(t)
	status, out, errOut := runCLI("check", dir)
	if status != 0 {
		t.Fatalf("exit %d, stderr %s\n%s", status, errOut, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 36 || lines[35] != "35 passed, 0 failed" {
		t.Fatalf("want 35 case lines and the summary, got %d lines ending %q", len(lines), lines[len(lines)-1])
	}
	for _, l := range lines[:35] {
		if !strings.HasSuffix(l, "max diff   0 LSB  PASS") {
			t.Errorf("line %q", l)
		}
	}
}

func TestCheckVariantFailsThenPassesWithTolerance(t *testing.T) {
	file := filepath.Join(vectors.NNAPIDir(t), "conv_quant8_large.json")
	status, out, _ := runCLI("check", "--variant", "single-rounding", file)
	if status != 1 || !strings.Contains(out, "max diff   1 LSB  FAIL") || !strings.HasSuffix(out, "0 passed, 1 failed\n") {
		t.Errorf("single rounding at tolerance 0: exit %d\n%s", status, out)
	}
	status, out, _ = runCLI("check", "--variant", "fp32", "--tolerance", "1", file)
	if status != 0 || !strings.HasSuffix(out, "1 passed, 0 failed\n") {
		t.Errorf("fp32 at tolerance 1: exit %d\n%s", status, out)
	}
}

func TestCheckJSON(t *testing.T) {
	file := filepath.Join(vectors.NNAPIDir(t), "relu_quant8_1.json")
	status, out, _ := runCLI("check", "--json", file)
	var got struct {
		Cases []struct {
			Name     string `json:"name"`
			Op       string `json:"op"`
			Elements int    `json:"elements"`
			MaxDiff  int    `json:"maxAbsDiffLSB"`
			Pass     bool   `json:"pass"`
		} `json:"cases"`
		Passed, Failed int
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || status != 0 {
		t.Fatalf("exit %d, %v\n%s", status, err, out)
	}
	if len(got.Cases) != 2 || got.Passed != 2 || got.Cases[1].Name != "relu_quant8_1[1]" || got.Cases[0].Op != "RELU" || got.Cases[0].Elements != 4 {
		t.Errorf("got %+v", got)
	}
}

func TestBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"op": "CONV_2D", "cases": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"check", bad}, "npusim: case " + bad + ": bad JSON"},
		{[]string{"check", filepath.Join(dir, "missing.json")}, "no such file"},
		{[]string{"check", "--variant", "round-to-odd", bad}, `--variant: unknown requantization variant "round-to-odd"`},
		{[]string{"check", "--tolerance", "-1", bad}, "--tolerance: must be >= 0, got -1"},
		{[]string{"check", "--tolerance", "x", bad}, `--tolerance: want an integer, got "x"`},
		{[]string{"check"}, "requires at least 1 arg"},
		{[]string{"check", dir + "/empty"}, "no such file"},
		{[]string{"demo", "extra"}, "unknown command"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, c := range cases {
		status, out, errOut := runCLI(c.args...)
		if status != 2 || out != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, no output and one line containing %q", c.args, status, out, errOut, c.want)
		}
	}
}

func TestDemo(t *testing.T) {
	status, out, _ := runCLI("demo")
	if status != 0 {
		t.Fatalf("exit %d", status)
	}
	for _, want := range []string{
		"accumulator   : (8 - 0) x 127 = 1016",
		"double-rounding          1016   1623294720     -3      96    96   6.0000 yes",
		"truncate                 1016   1623294720     -3      95    95   5.9375 NO",
		"truncate:              1016 x 1623294720 / 2^34 = 95.9999996424 (the exact value); truncation drops the fraction -> 95",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q\n%s", want, out)
		}
	}
}

// TestRunOwnInput runs mac2x3 on a user's raw input: 3.0 (code 12 at scale
// 0.25) times the 3.0 weight is 9.0, above the output's 7.9375, so the
// reference and every driver clamp it to code 127.
func TestRunOwnInput(t *testing.T) {
	in := filepath.Join(t.TempDir(), "three.bin")
	if err := os.WriteFile(in, []byte{12}, 0o644); err != nil {
		t.Fatal(err)
	}
	status, out, errOut := runCLI("run", "--workload", "mac2x3", "--policy", "truncate", "--input", in, "--json")
	var r struct {
		Output struct {
			MaxLSB int `json:"maxLSB"`
		} `json:"output"`
		SamplesRun int    `json:"samplesRun"`
		Digest     string `json:"digest"`
		RefDigest  string `json:"referenceDigest"`
	}
	if err := json.Unmarshal([]byte(out), &r); status != 0 || err != nil {
		t.Fatalf("exit %d, %v: %s", status, err, errOut)
	}
	if r.SamplesRun != 1 || r.Output.MaxLSB != 0 || r.Digest != r.RefDigest {
		t.Errorf("got %+v", r)
	}
	if status, _, errOut := runCLI("run", "--workload", "mac2x3", "--input", in+","+in); status != 2 || !strings.Contains(errOut, "takes 1 inputs, 2 input files given") {
		t.Errorf("two inputs for one: exit %d, %s", status, errOut)
	}
}
