package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/internal/printable"
	"github.com/npusim/npusim/reports"
	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"

	"github.com/spf13/cobra"
)

func newSweepCommand() *cobra.Command {
	var (
		grid    = campaign.DefaultGrid()
		out     string
		resume  bool
		noCache bool
		jobs    jobFlags
		hwGrid  string
	)
	cmd := &cobra.Command{
		Use:   "sweep",
		Short: "Run a grid of workloads x driver policies x hardware and report it",
		Long: `sweep runs every workload under every driver policy on every hardware
configuration, in parallel on all cores, compares each with the reference
interpreter, prints the grid table and the price of determinism (per workload
and hardware, the cheapest bit-exact policy against the fastest and the
lowest-energy one, and the error those buy the difference with) and writes a
results directory:

  sweep.json      the grid
  results.jsonl   one line per cell, appended as each cell finishes, rewritten
                  in grid order at the end
  results.csv     the table, machine-readable
  plots/          the price of determinism, energy vs deviation with the
                  Pareto front, per-layer error growth, histograms of output
                  differences, energy breakdown (PNG and SVG)
  report.html     the price of determinism, the table, the plots and what
                  each policy does

With no flags it runs the embedded default: every policy preset on mac2x3,
digits-cnn, mobilenet-v2 and rnn-unrolled on ` + strings.Join(campaign.DefaultHW, " and ") + `.
A cell whose policy asks for arithmetic its hardware lacks records the error
and shows it under the grid. --resume continues an interrupted sweep in the
same directory (finished cells are kept, a half-written line is redone);
--shard i/n runs a deterministic 1/n of the grid, and npusim merge combines
the shard directories into one. Results are identical serial or parallel,
sharded or not, interrupted or not.

--hw takes presets, files or either with overrides, PRESET{key=value, ...}
(npusim show-hw --help lists the keys). --hw-grid sweeps the hardware itself:
a YAML file of axes (array size, dataflow, accumulators, SRAM sizes,
requantization modes and lanes, DRAM bandwidth, clock, ...) crossed or listed
as points, optionally with the iso-area alternative of every design that
spends area on exact arithmetic. Each design point is named by its overrides
and the digest of its contents; report.html then has a design-space section
(area against energy and latency, the Pareto fronts, the price of
determinism by requantizer and accumulator choice).`,
		Example: `  npusim sweep
  npusim sweep --workloads digits-cnn,digits-mlp --policies reference,mult16,vendor-a --hw mobile-npu,low-cost
  npusim sweep --hw-grid docs/design-space.yaml --workloads mobilenet-v2 --samples 1 --out ds
  npusim sweep --hw 'mobile-npu{array=16x16, requant=[mult16, fp32]}' --policies reference,mult16
  npusim sweep --shard 2/8 --out results-2
  npusim sweep --resume --out results`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			shard, err := jobs.parse()
			if err != nil {
				return err
			}
			if err := checkSweepFlags(grid, out); err != nil {
				return err
			}
			if err := useHWGrid(cmd, &grid, hwGrid); err != nil {
				return err
			}
			opts := campaign.SweepOptions{Dir: out, Workers: jobs.workers, Resume: resume, Shard: shard,
				Progress: progress(cmd.ErrOrStderr()), Cache: openCache(noCache, cmd.ErrOrStderr())}
			results, err := campaign.Sweep(grid, opts)
			if err != nil {
				return err
			}
			return finishReport(cmd, out, results)
		},
	}
	f := cmd.Flags()
	workloadsFlag(cmd, &grid.Workloads, grid.Workloads, "")
	policiesFlag(cmd, &grid.Policies, grid.Policies, "")
	hwListFlag(cmd, &grid.HW, grid.HW, "")
	f.IntVar(&grid.Samples, "samples", 0, "input samples per workload (0: each workload's whole input set)")
	f.StringSliceVar(&grid.Inputs, "input", nil,
		"your own input instead of the workloads' (raw int8/uint8 or .npy, one per model input)")
	f.StringVar(&out, "out", "results", "results directory")
	f.BoolVar(&resume, "resume", false, "continue the sweep in --out, skipping finished cells")
	f.StringVar(&hwGrid, "hw-grid", "", "a hardware design-space grid (YAML, docs/design-space.md) instead of --hw")
	jobs.declare(cmd, "cells")
	noCacheFlag(cmd, &noCache)
	return cmd
}

// checkSweepFlags rejects a negative --samples, --samples with --input,
// and an --out that is not a directory.
func checkSweepFlags(grid campaign.Grid, out string) error {
	if grid.Samples < 0 {
		return fmt.Errorf("--samples: must be >= 0, got %d", grid.Samples)
	}
	if len(grid.Inputs) > 0 && grid.Samples > 0 {
		return fmt.Errorf("--samples: --input gives the one sample to run; drop --samples")
	}
	if err := atomicfile.CheckDir(out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// freshDir checks that --out names a results directory that does not
// exist yet or is empty.
func freshDir(out string) error {
	if err := atomicfile.CheckDir(out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return fmt.Errorf("results directory %s already exists and is not empty; choose another --out", out)
	}
	return nil
}

// finishReport writes the results directory's reports and prints the grid
// table, then the price of determinism; when cells failed it says so on
// stderr, and the exit status is 1.
func finishReport(cmd *cobra.Command, dir string, results []*experiment.Result) error {
	if err := reports.Generate(dir, results); err != nil {
		return runtimeErr(err)
	}
	w := cmd.OutOrStdout()
	if err := reports.SweepTable(w, results); err != nil {
		return runtimeErr(err)
	}
	fmt.Fprintln(w)
	if err := reports.PriceTable(w, results); err != nil {
		return runtimeErr(err)
	}
	if err := reports.DesignTable(w, dir, results); err != nil {
		return runtimeErr(err)
	}
	ran := campaign.Ran(results)
	summary := fmt.Sprintf("%d cells", len(results))
	if n := len(results) - ran; n > 0 {
		summary += fmt.Sprintf(" (%d could not run: the errors follow the grid)", n)
	}
	fmt.Fprintf(w, "\n%s; results, plots and report.html in %s\n", summary, dir)
	return sweepFailures(cmd, dir, results, ran)
}

// sweepFailures says on stderr when cells failed (an error or a fault, not
// a policy the hardware cannot run), or when no cell could run at all: the
// exit status is then 1.
func sweepFailures(cmd *cobra.Command, dir string, results []*experiment.Result, ran int) error {
	switch failed := campaign.Failed(results); {
	case failed > 0:
		fmt.Fprintf(cmd.ErrOrStderr(), "npusim: %d of %d cells failed (the table's notes say why); "+
			"npusim sweep --resume --out %s runs them again\n", failed, len(results), dir)
	case ran == 0 && len(results) > 0:
		fmt.Fprintf(cmd.ErrOrStderr(), "npusim: none of the %d cells could run (the table's notes say why)\n", len(results))
	default:
		return nil
	}
	return errFailures
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// progress reports each finished cell on stderr: a bar redrawn in place when
// stderr is a terminal, plain lines otherwise.
func progress(w io.Writer) func(done, total int, r *experiment.Result) {
	terminal := isTerminal(w)
	return func(done, total int, r *experiment.Result) {
		what := printable.String(fmt.Sprintf("%s | %s | %s", r.Workload, r.Policy, r.HW))
		if r.Error != "" {
			what += " (failed)"
		}
		if !terminal {
			fmt.Fprintf(w, "[%d/%d] %s\n", done, total, what)
			return
		}
		const width = 30
		filled := width * done / max(total, 1)
		bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
		fmt.Fprintf(w, "\r[%s] %d/%d %-60.60s", bar, done, total, what)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

func newMergeCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "merge --out DIR SHARD_DIR...",
		Short: "Combine the results directories of a sharded sweep or fleet",
		Long: `merge reads the results directories written by npusim sweep --shard i/n (or
npusim fleet --shard i/n), checks that they hold the same grid (fleet) and
together every cell (device) exactly once, and writes one results directory
identical to an unsharded run's, with its report.`,
		Example: `  npusim merge --out results results-1 results-2 results-3
  npusim merge --out fleet fleet-1 fleet-2`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := freshDir(out); err != nil {
				return err
			}
			if isFleetDir(args[0]) {
				spec, devices, err := campaign.MergeFleet(out, args)
				if err != nil {
					return err
				}
				return finishFleet(cmd, out, spec, devices, false)
			}
			results, err := campaign.Merge(out, args)
			if err != nil {
				return err
			}
			return finishReport(cmd, out, results)
		},
	}
	cmd.Flags().StringVar(&out, "out", "results", "merged results directory (must not exist or be empty)")
	return cmd
}

func newReportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "report DIR",
		Short: "Regenerate the table, plots and HTML report of a results directory",
		Long: `report reads a results directory (sweep.json and results.jsonl, or a fleet's
fleet.json and devices.jsonl) and writes its CSV, plots and report.html again,
and prints the table.`,
		Example: `  npusim report results`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if isFleetDir(args[0]) {
				spec, devices, err := campaign.LoadFleet(args[0])
				if err != nil {
					return err
				}
				return finishFleet(cmd, args[0], spec, devices, false)
			}
			_, results, err := campaign.LoadResults(args[0])
			if err != nil {
				return err
			}
			return finishReport(cmd, args[0], results)
		},
	}
}
