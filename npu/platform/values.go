package platform

import "github.com/npusim/npusim/npu"

// RunValues computes a program's outputs without timing it: the commands
// execute one after another in program order, on scratchpads and a DRAM
// holding the program's image, each DMA command moving its runs at once
// (npu.DMA.Move) and each compute command computing its values
// (npu.Compute.Execute). No engine, no events: the cost is the values'.
//
// The outputs are those of Run for every program Run completes. Run
// executes commands of different units concurrently, but its command
// processor issues in program order and stops with an error at any
// command whose scratchpad ranges overlap, with a write on either side,
// those of a command in flight on another unit; the DMA engine and each
// unit execute their own commands in order, one at a time, and the DMA
// engine alone touches DRAM. So any two commands that touch the same
// bytes, one of them writing, take effect in program order in Run as
// here. RunValues does not look for hazards: a program Run rejects for
// one runs here without complaint.
//
// The outputs are in the order of Program.Outputs; regions that overlap
// may share their bytes. Together with RunTiming this lets a caller time a
// compiled program once and compute its values for every input sample.
//
// The options matter only for their host kernels (HostKernels), which
// compute the npu.Host commands' values. A region a program captures from
// a scratchpad (npu.Capture) is copied when the last of its writers has
// executed. Functional runs one program for many inputs, reusing its
// scratchpads and DRAM pages.
func RunValues(cfg *npu.Config, p *npu.Program, opts ...Option) ([][]byte, error) {
	f, err := NewFunctional(cfg, p, opts...)
	if err != nil {
		return nil, err
	}
	return f.Run()
}

// RunTiming simulates a program's timing without computing its values (see
// Builder.WithoutValues) and returns its statistics: the cycles, counters
// and energy Run returns.
//
// Cycles do not depend on the values: a compute command's cycle count is a
// formula of its shape (npu.Compute.Cycles), a DMA command's timing one of
// its addresses and sizes, and the command processor issues by the
// program's dependencies and the units' queues, never by a value. This
// holds for every unit today; a unit whose timing read its operands (an
// array that skips zero weights, a DMA that compresses what it moves,
// early exits that test a result) would break it, and RunTiming would then
// have to compute values too.
func RunTiming(cfg *npu.Config, p *npu.Program, opts ...Option) (*npu.Stats, error) {
	_, recorder, err := simulate(cfg, p, MakeBuilder().WithoutValues(), opts)
	if err != nil {
		return nil, err
	}
	return recorder.Stats()
}

// TimingReadsValues reports whether a program's timing on the hardware
// depends on the values it computes, so that it must be timed for every
// input (Run) rather than once (RunTiming). No unit of npu.Config reads a
// value for its timing (see RunTiming), so it is false for every
// configuration; a mechanism that reads them (zero-weight skipping, DMA
// compression, early exits) must make it true for the hardware that has
// it, and the callers that time once fall back to Run per input.
func TimingReadsValues(*npu.Config) bool { return false }
