// Package npu describes a mobile neural processing unit and what it runs:
// the hardware configuration (Config, with presets), the instruction set (a
// Program of Commands, one Go type per kind of operation), the scratchpads,
// the cycle formulas, the energy ledger and the statistics of a run. The
// NPU's components, which execute programs in simulated time on the akita
// event engine, are built from these in their own packages:
//
//   - npu/cp: the command processor, which issues a program's commands in
//     order with a scoreboard and stops at data hazards;
//   - npu/dma: the DMA engine, which moves bytes between DRAM and the three
//     on-chip scratchpads, timed by an analytic model of its channel or
//     request by request through akita's memory protocol;
//   - npu/compute: the matrix unit (an R x C systolic int8 array), the
//     requantization unit and the vector unit;
//   - npu/platform: wires them and the host CPU (which runs the layers a
//     driver gives back to it, Host commands) to a DRAM and runs a program
//     (platform.Run), or computes its values alone (platform.RunValues).
//
// The one idea to hold: data really moves. A Program is a command stream
// plus a DRAM image; the DMA engine fetches the image from DRAM, units read
// their operands from the simulated SRAM and write their results there, and
// outputs are read back from simulated DRAM at the end, or, for tensors a
// program keeps in a scratchpad, gathered from it while it runs (Capture, a
// probe that costs nothing). Timing comes from per-command formulas
// (documented in docs/timing.md) scheduled as "done in N cycles" events;
// values come from the SRAM contents (Compute.Execute), computed by the int8
// kernels of internal/kernels where the arithmetic is associative (fast.go)
// and otherwise in the hardware's accumulation order, so that the
// register-level model in npu/rtl reproduces them bit for bit.
//
// This package also holds what the components share: the messages between
// the command processor and the units (CommandReq, CommandDone), which carry
// the command itself; the hook positions at which the components report
// what they do (HookPosCommandIssued, HookPosCommandStarted,
// HookPosCommandCompleted); and the Recorder, the hook that turns those
// reports into Stats and prices each command's actions (Counters) with the
// hardware's energy table, at the supply voltage of the clock it runs at
// (OperatingPoint). No component writes statistics.
//
// The hardware does not know which driver wrote its program: it executes
// whatever arithmetic mode a command names, if its Config implements it.
// What it lacks, a driver may build from what it has: the vector unit's
// integer commands (VALU, VMul16, VMul32, VField, VNarrow) over int32 lanes
// are the primitives of a DSP's datapath, and the Config says how wide its
// multipliers are (VectorIntConfig), whether the requantizer holds one
// multiplier per channel or per command (MultiplierScope) and what host CPU
// the SoC offers (HostConfig).
package npu
