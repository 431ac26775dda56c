package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/npusim/npusim/sim/experiment"
)

// TestRunLanguageModel runs the language model under vendor-b: the output
// (not a terminal) marks the first differing character with brackets and
// says where the texts part; --json carries both texts.
func TestRunLanguageModel(t *testing.T) {
	status, out, errOut := runCLI("run", "--workload", "kjv-lstm", "--policy", "vendor-b")
	if status != 0 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	for _, want := range []string{"text parts at char 15", "reference:  and the lord s[a]id unto",
		"vendor-b:   and the lord s[h]all be", "parts from the reference at character 15 of 200"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	status, out, errOut = runCLI("run", "--workload", "kjv-lstm", "--policy", "vendor-b", "--json")
	if status != 0 {
		t.Fatalf("--json: exit %d: %s", status, errOut)
	}
	var r experiment.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Text == nil || r.Text.Diverge != 15 || !strings.HasPrefix(r.Text.Generated, "and the lord shall be") || len(r.Text.Reference) != 200 {
		t.Errorf("--json text %+v, want vendor-b's text parting at 15 from a 200-character reference", r.Text)
	}
}

// TestShowTrainedWorkloads checks that show gives the MACs, the
// parameters and the data's provenance of the trained workloads.
func TestShowTrainedWorkloads(t *testing.T) {
	cases := []struct{ workload, total, data string }{
		{"fashion-mobilenet", "total: 2657224 MACs (2.7 M), 38346 parameters (0.04 M)", "data: Fashion-MNIST (Xiao, Rasul and Vollgraf 2017"},
		{"kjv-lstm", "total: 87296 MACs (0.1 M), 87842 parameters (0.09 M)", "data: the King James Version of the Bible (1611; public domain)"},
	}
	for _, c := range cases {
		status, out, errOut := runCLI("show", c.workload)
		if status != 0 {
			t.Fatalf("%s: exit %d: %s", c.workload, status, errOut)
		}
		if !strings.Contains(out, c.total) || !strings.Contains(out, c.data) {
			t.Errorf("show %s lacks %q or %q:\n%s", c.workload, c.total, c.data, out)
		}
	}
}
