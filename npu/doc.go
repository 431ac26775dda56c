// Package npu models a mobile neural processing unit cycle by cycle at the
// granularity of commands: a command processor that issues a command stream
// in order with a scoreboard, a DMA engine moving bytes between DRAM and three
// on-chip scratchpads, an R x C systolic int8 matrix unit, a requantization
// unit and a vector unit, all as akita components on one serial engine.
//
// The one idea to hold: data really moves. A Program is a command stream
// plus a DRAM image; the DMA engine fetches the image through akita's memory
// protocol from an ideal memory controller, units read their operands from
// the simulated SRAM and write their results there, and outputs are read back
// from simulated DRAM at the end. Timing comes from per-command formulas
// (documented in docs/timing.md) scheduled as "done in N cycles" events;
// values come from fast kernels over the SRAM contents that follow the
// hardware's accumulation order exactly, so that the register-level model in
// npu/rtl reproduces them bit for bit.
//
// The hardware does not know which driver wrote its program: it executes
// whatever arithmetic mode a command names, if its Config implements it.
package npu
