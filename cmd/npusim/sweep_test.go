package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/npusim/npusim/reports"
	"github.com/npusim/npusim/sim/campaign"
)

// TestMain lets a test run the command line as a subprocess of the test
// binary (NPUSIM_MAIN=1), so that a test can kill it mid-way.
func TestMain(m *testing.M) {
	if os.Getenv("NPUSIM_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(withTestCache(m.Run))
}

var killGrid = []string{"sweep", "--workloads", "digits-mlp,mac2x3", "--policies", "reference,mult16,truncate,vendor-b", "--parallel", "1"}

// TestSweepKilledAndResumed kills a sweep after two cells, resumes it, and
// compares the results with an uninterrupted sweep's, byte for byte.
func TestSweepKilledAndResumed(t *testing.T) {
	base := t.TempDir()
	whole := filepath.Join(base, "whole")
	if status, _, errOut := runCLI(append(killGrid, "--out", whole)...); status != 0 {
		t.Fatalf("uninterrupted sweep: exit %d: %s", status, errOut)
	}
	want, _ := os.ReadFile(filepath.Join(whole, campaign.ResultsFile))

	killed := filepath.Join(base, "killed")
	cmd := exec.Command(os.Args[0], append(killGrid, "--out", killed)...)
	cmd.Env = append(os.Environ(), "NPUSIM_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(killed, campaign.ResultsFile))
		if bytes.Count(data, []byte("\n")) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill() // a failure to kill shows in the Fatal below anyway
			t.Fatal("the sweep wrote no results in a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill() // it may have finished already: the Skip below covers that
	_ = cmd.Wait()         // "signal: killed" is the expected outcome
	partial, _ := os.ReadFile(filepath.Join(killed, campaign.ResultsFile))
	if bytes.Count(partial, []byte("\n")) >= 8 {
		t.Skip("the sweep finished before it could be killed")
	}
	if status, _, errOut := runCLI(append(killGrid, "--out", killed, "--resume")...); status != 0 {
		t.Fatalf("resumed sweep: exit %d: %s", status, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(killed, campaign.ResultsFile)); !bytes.Equal(got, want) {
		t.Error("the resumed sweep's results differ from the uninterrupted sweep's")
	}
	for _, f := range []string{"results.csv", "report.html"} {
		if _, err := os.Stat(filepath.Join(killed, f)); err != nil {
			t.Errorf("resumed sweep: %v", err)
		}
	}
}

func TestSweepBadInput(t *testing.T) {
	base := t.TempDir()
	out := filepath.Join(base, "out")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "--policies", "reference,turbo", "--out", out}, "policy turbo: no such preset"},
		{[]string{"sweep", "--hw", "phone.yaml", "--out", out}, "hw config phone.yaml"},
		{[]string{"sweep", "--workloads", "alexnet", "--out", out}, `workload "alexnet": no such workload`},
		{[]string{"sweep", "--shard", "4/3", "--out", out}, "--shard"},
		{[]string{"sweep", "--parallel", "-1", "--out", out}, "--parallel: must be >= 0"},
		{[]string{"fleet", "--devices", "0", "--out", out}, "--devices: must be >= 1, got 0"},
		{[]string{"fleet", "--samples", "-1", "--out", out}, "--samples: must be >= 0, got -1"},
		{[]string{"sweep", "--samples", "-1", "--out", out}, "--samples: must be >= 0, got -1"},
		{[]string{"repeat", "--runs", "0"}, "--runs: must be >= 1"},
		{[]string{"run", "--policy", "fp32", "--hw", "low-cost"}, "which low-cost does not implement"},
	}
	for _, c := range cases {
		status, stdout, errOut := runCLI(c.args...)
		if status != 2 || stdout != "" || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line containing %q", c.args, status, errOut, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Fatalf("%v left a results directory behind", c.args)
		}
	}
}

// TestDefaultSweep runs the main job on its embedded defaults: every
// reference row that ran must be exact and pass NNAPI's verdict (a hardware
// whose requantizer lacks double rounding cannot run it natively: its rows
// say so), and the price table must show a hardware where exactness has a
// price or no bit-exact policy runs.
func TestDefaultSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("the default sweep takes about half a minute")
	}
	out := filepath.Join(t.TempDir(), "results")
	status, stdout, errOut := runCLI("sweep", "--out", out)
	if status != 0 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	_, results, err := campaign.LoadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	want := len(campaign.DefaultGrid().Cells())
	refs, ran := 0, 0
	for _, r := range results {
		if r.Policy != "reference" {
			continue
		}
		refs++
		if r.Error != "" {
			if !strings.Contains(r.Error, "does not implement") {
				t.Errorf("reference row of %s on %s: %s", r.Workload, r.HW, r.Error)
			}
			continue
		}
		ran++
		if r.Output.MaxLSB != 0 || !r.NNAPIPass || r.Digest != r.RefDigest {
			b, _ := json.Marshal(r.Output)
			t.Errorf("reference row of %s on %s: deviation %s", r.Workload, r.HW, b)
		}
	}
	grid := campaign.DefaultGrid()
	wantRefs := len(grid.Workloads) * len(grid.HW)
	if len(results) != want || refs != wantRefs || ran < len(grid.Workloads) || !strings.Contains(stdout, fmt.Sprintf("\n%d cells", want)) {
		t.Errorf("%d results, %d reference rows, %d ran; want %d, %d and at least %d", len(results), refs, ran, want, wantRefs, len(grid.Workloads))
	}
	priced := slices.ContainsFunc(campaign.Prices(results), func(p campaign.Price) bool { return p.Ran > 0 && !p.IsAboutOne() })
	if !priced || !strings.Contains(stdout, reports.PriceTitle) {
		t.Error("the default sweep shows no hardware where exactness has a price, or no price table")
	}
}
