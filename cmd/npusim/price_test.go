package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/reports"
	"github.com/npusim/npusim/sim/campaign"
)

// TestSweepPrintsPrice runs a small sweep on two hardware configurations
// and checks the order of what it prints: the grid, its errors (one line
// for a policy that fails on every workload of a hardware), the price of
// determinism (the reference policy runs on edge-tpu-like through an
// emulation of double rounding, so it is the bit-exact policy there), the
// summary; report regenerates the same.
func TestSweepPrintsPrice(t *testing.T) {
	out := filepath.Join(t.TempDir(), "results")
	args := []string{"sweep", "--workloads", "mac2x3,digits-mlp", "--policies", "reference,mult16,fp32", "--hw", "mobile-npu,edge-tpu-like", "--out", out}
	status, stdout, errOut := runCLI(args...)
	if status != 0 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	_, results, err := campaign.LoadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, r := range results {
		if r.Error != "" {
			failed++
		}
	}
	grid := strings.Index(stdout, "│ latency ms │")
	gridEnd := strings.Index(stdout, "└")
	price := strings.Index(stdout, reports.PriceTitle)
	summary := strings.Index(stdout, "12 cells (")
	if grid < 0 || gridEnd < grid || price < gridEnd || summary < price || failed == 0 {
		t.Fatalf("grid at %d (ends %d), price at %d, summary at %d, %d failed cells; want them in that order:\n%s", grid, gridEnd, price, summary, failed, stdout)
	}
	errs := stdout[gridEnd:price]
	for _, line := range []string{
		"[1] mac2x3, digits-mlp under mult16 on edge-tpu-like: policy mult16 asks for requantization mode mult16",
	} {
		if !strings.Contains(errs, line) {
			t.Errorf("the errors under the grid lack %q:\n%s", line, errs)
		}
	}
	if n := strings.Count(errs, "\n["); n != 1 {
		t.Errorf("%d error lines, want 1", n)
	}
	for _, row := range []string{"│ mac2x3     │ mobile-npu    │", "│ digits-mlp │ edge-tpu-like │ 2 of 3 │ reference │"} {
		if !strings.Contains(stdout[price:], row) {
			t.Errorf("the price table lacks a row starting %q:\n%s", row, stdout[price:])
		}
	}
	if !strings.Contains(stdout[price:summary], "mobile-npu: the price is about 1") {
		t.Errorf("no line says why the price on mobile-npu is about 1:\n%s", stdout[price:summary])
	}
	status, again, errOut := runCLI("report", out)
	if status != 0 || again != stdout {
		t.Errorf("report: exit %d (%s), output differs from the sweep's:\n%s", status, errOut, again)
	}
	page, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil || !strings.Contains(string(page), `<table id="price-table">`) {
		t.Errorf("report.html has no price table (%v)", err)
	}
}
