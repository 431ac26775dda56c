// Package compute models the NPU's compute units: the matrix unit (the
// systolic array), the requantization unit and the vector unit. The three
// are one component type, Comp, because they behave alike in time: a unit
// takes one command at a time from its port, works on it for the cycle
// count of the command's formula (npu.Compute.Cycles, derived in
// docs/timing.md), then computes the command's values from the scratchpads
// (npu.Compute.Execute, in the hardware's exact order of arithmetic) and
// reports the command done. What differs between them is the commands they
// are given, and those carry their own formulas and kernels.
//
// A unit is modelled per command, not per cycle: starting a command
// schedules one "complete" event N cycles later, so a 10,000-cycle matrix
// product costs a handful of events.
//
// A unit has one port, "ToCP": it receives npu.CommandReq messages (the port
// buffers the queue depth: the command processor never sends more) and
// answers each with an npu.CommandDone. It reports npu.HookPosCommandStarted
// and npu.HookPosCommandCompleted, the latter with the command's counters
// for the energy ledger.
//
//	matrix := compute.MakeBuilder().WithEngine(engine).WithFreq(freq).
//		WithConfig(cfg).WithScratchpads(sp).Build("NPU.MatrixUnit")
package compute
