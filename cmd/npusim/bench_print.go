package main

import (
	"fmt"
	"io"

	"github.com/npusim/npusim/engines"
	"github.com/npusim/npusim/sim/experiment"
)

// printBench prints the setup, the parts of an inference and the kernels.
func printBench(out io.Writer, s *benchSetup, costs, cached []experiment.InferenceCost,
	rates []kernelRate, events int) {
	c := s.cell
	fmt.Fprintf(out, "npusim bench: %s under %s on %s, %d inferences (medians), one thread\n",
		c.Workload, c.Policy, c.HW, len(costs))
	fmt.Fprintf(out, "load workload: %.1f ms cpu, %.1f ms wall\n", 1e3*s.load.CPU, 1e3*s.load.Wall)
	fmt.Fprintf(out, "compile: %.1f ms cpu, %.1f ms wall (best of 3), %d commands\n",
		1e3*s.compile.CPU, 1e3*s.compile.Wall, len(s.compiled.Program.Commands))
	if !threadCPUKnown {
		fmt.Fprintln(out, "(this system does not tell a thread's CPU time: cpu columns are 0)")
	}
	fmt.Fprintf(out, "\n%-12s %9s %9s\n", "per inference", "cpu ms", "wall ms")
	parts := []struct {
		name string
		get  func(experiment.InferenceCost) experiment.Instant
	}{
		{"values", func(c experiment.InferenceCost) experiment.Instant { return c.Values }},
		{"timing", func(c experiment.InferenceCost) experiment.Instant { return c.Timing }},
		{"reference", func(c experiment.InferenceCost) experiment.Instant { return c.Reference }},
		{"comparison", func(c experiment.InferenceCost) experiment.Instant { return c.Comparison }},
		{"total", experiment.InferenceCost.Total},
	}
	for _, p := range parts {
		fmt.Fprintf(out, "%-12s %9.2f %9.2f\n", p.name, ms(costs, p.get, cpu), ms(costs, p.get, wall))
	}
	if cached != nil {
		ref, total := parts[2].get, parts[4].get
		fmt.Fprintf(out, "with the reference from the disk cache: "+
			"reference %.2f ms cpu (%.2f wall), total %.2f ms cpu (%.2f wall)\n",
			ms(cached, ref, cpu), ms(cached, ref, wall), ms(cached, total, cpu), ms(cached, total, wall))
	}
	fmt.Fprintf(out, "(an experiment times each program once, not per sample: timing is per cell)\n")
	fmt.Fprintf(out, "\nkernels in the functional mode (thread cpu):\n")
	for _, k := range rates {
		if k.cpu == 0 && k.work == 0 {
			continue
		}
		rate := ""
		if k.unit != "" && k.cpu > 0 {
			rate = fmt.Sprintf("%8.2f %s", k.work/k.cpu/1e9, k.unit)
		}
		fmt.Fprintf(out, "  %-20s %8.2f ms %s\n", k.class, 1e3*k.cpu, rate)
	}
	fmt.Fprintf(out, "akita events per timed run: %d\n", events)
}

// cpu and wall pick a clock of an Instant.
func cpu(i experiment.Instant) float64  { return i.CPU }
func wall(i experiment.Instant) float64 { return i.Wall }

// ms is the median over costs of one part on one clock, in milliseconds.
func ms(costs []experiment.InferenceCost, part func(experiment.InferenceCost) experiment.Instant,
	clock func(experiment.Instant) float64) float64 {
	return 1e3 * median(costs, func(c experiment.InferenceCost) float64 { return clock(part(c)) })
}

// printORT prints ONNX Runtime's times and the ratios, or why there are
// none.
func printORT(out io.Writer, costs, cached []experiment.InferenceCost, t *engines.ORTTiming, err error) {
	switch {
	case err != nil:
		fmt.Fprintf(out, "\nONNX Runtime: %v\n", err)
		return
	case t == nil:
		fmt.Fprintf(out, "\nONNX Runtime: not timed ($NPUSIM_ORT_DIR is not set, or --no-ort)\n")
		return
	}
	id := func(x float64) float64 { return x }
	ortCPU, ortWall := median(t.CPUMs, id), median(t.WallMs, id)
	fmt.Fprintf(out, "\nONNX Runtime %s, CPU provider, 1 thread, %d runs: %.2f ms cpu, %.2f ms wall\n",
		t.Version, len(t.WallMs), ortCPU, ortWall)
	total := experiment.InferenceCost.Total
	npuOnly := func(c experiment.InferenceCost) experiment.Instant { return c.Values.Add(c.Timing).Add(c.Comparison) }
	fmt.Fprintf(out, "npusim / ONNX Runtime: %.2fx cpu (%.2fx wall) with the reference computed",
		ms(costs, total, cpu)/ortCPU, ms(costs, total, wall)/ortWall)
	if cached != nil {
		fmt.Fprintf(out, ", %.2fx cpu (%.2fx wall) with it from the disk cache",
			ms(cached, total, cpu)/ortCPU, ms(cached, total, wall)/ortWall)
	}
	fmt.Fprintf(out, ", %.2fx cpu without it\n", ms(costs, npuOnly, cpu)/ortCPU)
}
