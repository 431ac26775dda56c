package experiment

import (
	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/workloads"
)

// Instant is a reading of the clocks a benchmark keeps, in seconds: the
// wall clock and the CPU time of the calling thread (on a machine shared
// with other jobs the thread's CPU time is the steadier of the two).
type Instant struct {
	Wall, CPU float64
}

// Sub is the time from earlier to i.
func (i Instant) Sub(earlier Instant) Instant {
	return Instant{Wall: i.Wall - earlier.Wall, CPU: i.CPU - earlier.CPU}
}

// Add is the sum of two durations.
func (i Instant) Add(d Instant) Instant { return Instant{Wall: i.Wall + d.Wall, CPU: i.CPU + d.CPU} }

// InferenceCost is what one inference of an experiment costs, part by
// part: the parts RunOnWith performs for every sample of a cell, and the
// timing, which it performs once per program.
type InferenceCost struct {
	// Values is the NPU's values: the program run in the functional mode.
	Values Instant
	// Timing is the NPU's cycles, counters and energy (platform.RunTiming).
	Timing Instant
	// Reference is the reference interpreter on the same input.
	Reference Instant
	// Comparison is decoding what the program left in DRAM and comparing
	// every layer and output with the reference (deviations, task
	// outcome, digests).
	Comparison Instant
}

// Total is the cost of the whole inference.
func (c InferenceCost) Total() Instant {
	return c.Values.Add(c.Timing).Add(c.Reference).Add(c.Comparison)
}

// MeasureInference runs one input sample of a workload's compiled program
// through every part of an experiment and measures each with clock. f is
// the program's functional NPU (platform.NewFunctional with HostKernels),
// which successive calls reuse as a cell's samples do; refs gives the
// reference's values and signal sums, as to a cell: computed (a fresh
// NewReferences, passed samples 0, 1, ... in order, as a cell asks for
// them) or read from the disk cache (NewCachedReferences). Signal sums,
// asked for only where a layer differs from the reference, count to the
// comparison.
func MeasureInference(c *drivers.Compiled, f *platform.Functional, w *workloads.Workload, sample int,
	refs *References, clock func() Instant) (InferenceCost, error) {
	var cost InferenceCost
	in := w.Inputs[sample]
	t0 := clock()
	patches, err := inputPatches(c, in)
	if err != nil {
		return cost, err
	}
	outputs, err := f.Run(patches...)
	if err != nil {
		return cost, err
	}
	t1 := clock()
	stats, err := platform.RunTiming(c.HW, c.Program)
	if err != nil {
		return cost, err
	}
	t2 := clock()
	ref, err := refs.sampleValues(w, sample)
	if err != nil {
		return cost, err
	}
	sums := &lazySums{refs: refs, w: w, sample: sample}
	t3 := clock()
	r := &Result{Samples: 1, Layers: make([]LayerResult, len(w.Model.Ops)), NNAPILimit: NNAPILimit(w)}
	r.setCost(stats, c.HW, w.Model)
	var t tally
	r.compare(w, sample, c, &rawRun{regions: outputs, outputs: decodeOutputs(c, outputs), stats: stats}, ref, sums, &t)
	r.conclude(w, &t)
	if sums.err != nil {
		return cost, sums.err
	}
	t4 := clock()
	return InferenceCost{Values: t1.Sub(t0), Timing: t2.Sub(t1), Reference: t3.Sub(t2), Comparison: t4.Sub(t3)}, nil
}
