package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/memo"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/quant"
)

// Timings times compiled programs for experiments. A program's cycles,
// counters and energy do not depend on the values it computes (a compute
// command's cycles are a formula of its shape, a DMA command's timing a
// function of its addresses and sizes, and the command processor issues by
// dependencies and queue room: platform.RunTiming), so an experiment times
// its program once (platform.RunTiming) and computes the values of every
// input sample without timing (platform.Functional). Timings keeps each
// program's statistics by the digest of the program and of the hardware:
// the cells of a sweep whose policies compile a workload to byte-identical
// programs for one NPU are timed once.
//
// Where the hardware's timing reads values (platform.TimingReadsValues),
// and for Timings made by PerSampleTimings, every sample runs in full on
// the timed NPU (platform.Run) instead, as experiments did before.
//
// The caller creates a Timings and decides how long it lives; it is safe
// for concurrent use.
type Timings struct {
	stats memo.Map[string, *npu.Stats]
	// everySample times every sample with platform.Run.
	everySample bool
}

// NewTimings returns a Timings that times each distinct program once.
func NewTimings() *Timings { return &Timings{} }

// PerSampleTimings returns a Timings that times every sample of every
// program in full (platform.Run): the path of hardware whose timing reads
// values, which tests hold equal to timing once.
func PerSampleTimings() *Timings { return &Timings{everySample: true} }

// Stats returns the statistics of one run of a compiled program, timing it
// the first time.
func (t *Timings) Stats(c *drivers.Compiled) (*npu.Stats, error) {
	key, err := timingKey(c)
	if err != nil {
		return nil, err
	}
	return t.stats.Get(key, func() (*npu.Stats, error) { return platform.RunTiming(c.HW, c.Program) })
}

// timingKey is the digest of the program and of the hardware it runs on.
func timingKey(c *drivers.Compiled) (string, error) {
	p, err := c.Program.Digest()
	if err != nil {
		return "", err
	}
	hw, err := json.Marshal(c.HW)
	if err != nil {
		return "", fmt.Errorf("hardware digest: %w", err)
	}
	h := sha256.New()
	h.Write(p[:])
	h.Write(hw)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// programRuns runs one compiled program on input samples: its statistics
// once, from Timings, and each sample's values on one functional NPU, or,
// timing every sample, each sample in full.
type programRuns struct {
	c     *drivers.Compiled
	f     *platform.Functional
	stats *npu.Stats
}

// prepare readies a compiled program's runs.
func (t *Timings) prepare(c *drivers.Compiled) (*programRuns, error) {
	if t.everySample || platform.TimingReadsValues(c.HW) {
		return &programRuns{c: c}, nil
	}
	stats, err := t.Stats(c)
	if err != nil {
		return nil, err
	}
	f, err := platform.NewFunctional(c.HW, c.Program, platform.HostKernels(HostKernels(c)))
	if err != nil {
		return nil, err
	}
	return &programRuns{c: c, f: f, stats: stats}, nil
}

// rawRun is one sample as a program left it: its output regions of DRAM,
// the model outputs decoded onto the application's grid, the statistics.
type rawRun struct {
	regions [][]byte
	outputs []*quant.Tensor
	stats   *npu.Stats
}

// runRaw runs one input sample (on the original model's grid).
func (pr *programRuns) runRaw(inputs []*quant.Tensor) (*rawRun, error) {
	if pr.f == nil {
		res, err := runFull(pr.c, inputs)
		if err != nil {
			return nil, err
		}
		return &rawRun{regions: res.Outputs, outputs: decodeOutputs(pr.c, res.Outputs), stats: res.Stats}, nil
	}
	patches, err := inputPatches(pr.c, inputs)
	if err != nil {
		return nil, err
	}
	regions, err := pr.f.Run(patches...)
	if err != nil {
		return nil, err
	}
	return &rawRun{regions: regions, outputs: decodeOutputs(pr.c, regions), stats: pr.stats}, nil
}

// run runs one input sample and decodes every tensor the program produces.
func (pr *programRuns) run(inputs []*quant.Tensor) (*NPURun, error) {
	raw, err := pr.runRaw(inputs)
	if err != nil {
		return nil, err
	}
	return decodeRun(pr.c, raw.regions, raw.stats), nil
}
