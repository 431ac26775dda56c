package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/npusim/npusim/internal/limits"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/engines"
	"github.com/npusim/npusim/internal/diskcache"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/sarchlab/akita/v3/sim"
	"github.com/spf13/cobra"
)

// benchSetup is what the bench command measures: a workload compiled under
// a policy for a hardware, and its functional NPU.
type benchSetup struct {
	cell     experiment.Cell
	w        *workloads.Workload
	compiled *drivers.Compiled
	f        *platform.Functional
	load     experiment.Instant
	compile  experiment.Instant
	cache    *diskcache.Cache
}

func newBenchCommand() *cobra.Command {
	var (
		cell    = experiment.Cell{Workload: "mobilenet-v2", Policy: "reference", HW: npu.DefaultPreset}
		runs    int
		noCache bool
		noORT   bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure what one inference through the simulated NPU costs, beside ONNX Runtime",
		Long: `bench measures, on one thread, what npusim spends on one inference of a
workload compiled under a policy for an NPU, part by part: the NPU's values
(the functional mode), its timing (cycles, counters and energy: the akita
simulation, which an experiment runs once per program), the reference
interpreter, and the comparison of every layer with the reference. It also
gives the workload's load and compile times, the rate of each kernel class
in the functional mode (GMAC/s, G outputs/s for requantization) and the
akita events of one timed run.

Where ONNX Runtime is installed (npm onnxruntime-node, its prefix in
$NPUSIM_ORT_DIR), it exports the workload as npusim export does and times it
on ONNX Runtime's CPU execution provider with one thread, in the same run,
in three rounds that alternate with npusim's inferences, and prints the
ratio. Times are medians over --runs inferences (cycling
through the workload's samples), in CPU milliseconds of the measuring
thread (steadier than wall-clock time on a shared machine) and in wall-clock
milliseconds.`,
		Example: `  npusim bench
  npusim bench --workload digits-cnn --policy mult16 --hw tiny --runs 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runs < 1 {
				return fmt.Errorf("--runs: must be >= 1, got %d", runs)
			}
			if err := limits.Check(limits.Runs, "--runs", uint64(runs)); err != nil {
				return err
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			s, err := setUpBench(cell, openCache(noCache, cmd.ErrOrStderr()))
			if err != nil {
				return err
			}
			if err := s.w.CheckRun(1, runs); err != nil {
				return err
			}
			return runtimeErr(runBench(cmd.OutOrStdout(), s, runs, !noORT))
		},
	}
	workloadFlag(cmd, &cell.Workload, cell.Workload, "")
	policyFlag(cmd, &cell.Policy, cell.Policy, "")
	hwFlag(cmd, &cell.HW, cell.HW, "")
	cmd.Flags().IntVar(&runs, "runs", 10, "inferences to time (and ONNX Runtime runs)")
	cmd.Flags().BoolVar(&noORT, "no-ort", false, "do not time ONNX Runtime even where $NPUSIM_ORT_DIR is set")
	noCacheFlag(cmd, &noCache)
	return cmd
}

// setUpBench loads and compiles the cell, timing both (the compile as the
// best of three), and readies its functional NPU.
func setUpBench(cell experiment.Cell, cache *diskcache.Cache) (*benchSetup, error) {
	policy, hw, err := cell.Load()
	if err != nil {
		return nil, err
	}
	s := &benchSetup{cell: cell, cache: cache}
	t0 := now()
	if s.w, err = loader.NewCached(cache).Load(cell.Workload); err != nil {
		return nil, err
	}
	s.load = now().Sub(t0)
	for i := range 3 {
		t0 := now()
		if s.compiled, err = drivers.Compile(s.w.Model, policy, hw); err != nil {
			return nil, err
		}
		if d := now().Sub(t0); i == 0 || d.CPU < s.compile.CPU {
			s.compile = d
		}
	}
	s.f, err = platform.NewFunctional(hw, s.compiled.Program, platform.HostKernels(experiment.HostKernels(s.compiled)))
	return s, err
}

// benchRounds is how many times bench alternates between npusim's
// inferences and ONNX Runtime's runs: the load of a shared machine changes
// from one second to the next, and medians of runs taken in the same
// seconds make a steadier ratio than two blocks of runs taken apart.
const benchRounds = 3

// runBench measures the inferences and ONNX Runtime, alternately, then the
// kernels and the events, and prints them.
func runBench(out io.Writer, s *benchSetup, runs int, ort bool) error {
	computed, fromDisk := experiment.NewReferences(), experiment.NewCachedReferences(s.cache)
	var costs, cached []experiment.InferenceCost
	var ortTiming *engines.ORTTiming
	var ortErr error
	ort = ort && engines.ORTDir() != ""
	rounds := min(benchRounds, runs)
	for r := range rounds {
		n := runs*(r+1)/rounds - runs*r/rounds // the runs split as evenly as they go
		warm := 0                              // the first round warms the samples every round times
		if r == 0 {
			warm = (runs + rounds - 1) / rounds
		}
		c, err := measureInferences(s, n, warm, computed.Fresh)
		if err != nil {
			return err
		}
		costs = append(costs, c...)
		if s.cache != nil {
			if c, err = measureInferences(s, n, warm, fromDisk.Fresh); err != nil {
				return err
			}
			cached = append(cached, c...)
		}
		if ort && ortErr == nil {
			var t *engines.ORTTiming
			if t, ortErr = benchORT(s.w, n); ortErr == nil {
				ortTiming = ortTiming.Join(t)
			}
		}
	}
	rates, err := kernelRates(s)
	if err != nil {
		return err
	}
	events, err := timedEvents(s.compiled)
	if err != nil {
		return err
	}
	printBench(out, s, costs, cached, rates, events)
	printORT(out, costs, cached, ortTiming, ortErr)
	return nil
}

// measureInferences measures runs inferences, cycling through the
// workload's samples from the first, after an untimed pass over the first
// warm samples (buffers grow, the disk cache fills, the reference's filters
// are prepared); each pass over the samples takes a new References from
// refs, as a new sweep would, which computes every sample's reference
// values again with the model's filters prepared once (References.Fresh),
// as ONNX Runtime prepares its weights once when it loads a model.
func measureInferences(s *benchSetup, runs, warm int,
	refs func() *experiment.References) ([]experiment.InferenceCost, error) {
	warm = min(warm, len(s.w.Inputs))
	costs := make([]experiment.InferenceCost, runs)
	var r *experiment.References
	for i := -warm; i < runs; i++ {
		sample := (i + warm) % len(s.w.Inputs)
		if i >= 0 {
			sample = i % len(s.w.Inputs)
		}
		if sample == 0 {
			r = refs()
		}
		c, err := experiment.MeasureInference(s.compiled, s.f, s.w, sample, r, now)
		if err != nil {
			return nil, err
		}
		if i >= 0 {
			costs[i] = c
		}
	}
	return costs, nil
}

// benchORT times the workload's first sample on ONNX Runtime.
func benchORT(w *workloads.Workload, runs int) (*engines.ORTTiming, error) {
	dir, err := os.MkdirTemp("", "npusim-bench-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }() // a temporary directory left behind costs nothing but space
	return engines.BenchORT(dir, w, 0, 2, runs)
}

// kernelRate is the work one class of commands did in a functional run and
// the thread CPU seconds it took.
type kernelRate struct {
	class, unit string
	work, cpu   float64
}

// kernelRates runs the program once more functionally, timing every
// command, and sums the work and time per kernel class.
func kernelRates(s *benchSetup) ([]kernelRate, error) {
	classes := []kernelRate{{class: "matmul", unit: "GMAC/s"}, {class: "vector.depthwise", unit: "GMAC/s"},
		{class: "requant", unit: "Gout/s"}, {class: "host", unit: "GMAC/s"}, {class: "other (DMA, vector)", unit: ""}}
	s.f.SetProfile(func() float64 { return now().CPU }, func(op npu.Operation, seconds float64) {
		k, work := len(classes)-1, 0.0
		switch op := op.(type) {
		case *npu.MatMul:
			k, work = 0, float64(op.M*op.N*op.K)
		case *npu.Depthwise:
			k, work = 1, float64(op.MACs())
		case *npu.Requant:
			k, work = 2, float64(op.M*op.N)
		case *npu.Host:
			k, work = 3, float64(op.MACs)
		}
		classes[k].work += work
		classes[k].cpu += seconds
	})
	defer s.f.SetProfile(nil, nil)
	patches := experimentPatches(s)
	if _, err := s.f.Run(patches...); err != nil {
		return nil, err
	}
	return classes, nil
}

// experimentPatches are the first sample's inputs at the program's input
// regions.
func experimentPatches(s *benchSetup) []platform.Patch {
	var patches []platform.Patch
	for k, r := range s.compiled.Inputs {
		patches = append(patches, platform.Patch{Addr: r.Addr, Data: s.w.Inputs[0][k].Bytes()})
	}
	return patches
}

// eventCounter is an akita engine hook that counts the events handled.
type eventCounter struct{ n int }

// Func counts one event.
func (e *eventCounter) Func(ctx sim.HookCtx) {
	if ctx.Pos == sim.HookPosBeforeEvent {
		e.n++
	}
}

// timedEvents counts the akita events of one timing run of the program.
func timedEvents(c *drivers.Compiled) (int, error) {
	counter := &eventCounter{}
	withCounter := func(b platform.Builder) platform.Builder {
		engine := sim.NewSerialEngine()
		engine.AcceptHook(counter)
		return b.WithEngine(engine)
	}
	_, err := platform.RunTiming(c.HW, c.Program, withCounter)
	return counter.n, err
}

// median is the median of the values f takes over xs.
func median[T any](xs []T, f func(T) float64) float64 {
	v := make([]float64, len(xs))
	for i, x := range xs {
		v[i] = f(x)
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

// now reads the wall clock and the calling thread's CPU time.
func now() experiment.Instant {
	return experiment.Instant{Wall: float64(time.Now().UnixNano()) / 1e9, CPU: threadCPU()}
}
