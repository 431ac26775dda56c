package main

import (
	"path/filepath"
	"testing"

	"github.com/npusim/npusim/sim/campaign"
)

// BenchmarkDefaultSweep runs the main job as a new user does, npusim sweep
// without flags: the default grid on all cores, then its CSV, plots,
// report.html and tables. The target is under a minute per run on 2 cores.
func BenchmarkDefaultSweep(b *testing.B) {
	for b.Loop() {
		out := filepath.Join(b.TempDir(), "results")
		if status, _, errOut := runCLI("sweep", "--out", out); status != 0 {
			b.Fatalf("exit %d: %s", status, errOut)
		}
	}
	b.ReportMetric(float64(len(campaign.DefaultGrid().Cells())), "cells/op")
}
