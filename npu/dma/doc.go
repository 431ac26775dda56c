// Package dma models the NPU's DMA engine, which moves a DMA command's box
// of bytes between DRAM and a scratchpad over akita's memory protocol
// (mem.ReadReq and mem.WriteReq to a DRAM controller).
//
// The engine executes one command at a time. It cuts each of the box's
// contiguous runs into requests at 4 KiB DRAM boundaries and issues a
// request when two things allow it:
//
//   - fewer than the outstanding limit of requests are in flight, and
//   - the channel is free. After each request the channel is busy for the
//     request's DRAM traffic divided by the transfer rate, where the traffic
//     counts every burst the request touches (so short or unaligned runs
//     waste bandwidth) and the rate is the lesser of the engine's width and
//     the DRAM bandwidth. When only the channel holds it back, the engine
//     schedules its own wake-up for the cycle the channel frees.
//
// A load writes each response's data into the scratchpad as it arrives; a
// store reads the scratchpad when it sends. A command completes with its
// last response. This is the model docs/timing.md describes: a long run
// takes about bytes / rate cycles, many short runs become latency-bound
// (Little's law).
//
// The engine has two ports: "ToCP", where npu.CommandReq messages arrive and
// npu.CommandDone messages leave, and "ToMem", towards the DRAM controller
// (found by a mem.LowModuleFinder). It reports npu.HookPosCommandStarted and
// npu.HookPosCommandCompleted, the latter with the command's DRAM and
// scratchpad traffic.
//
// An analytic DMA model, which times a command's requests from the same
// channel, latency and outstanding limit without sending them, plugs in
// beside Comp as a second component with the same ports, protocol and hooks;
// the pacing rule it must share is the channel type.
package dma
