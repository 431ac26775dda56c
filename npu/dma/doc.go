// Package dma models the NPU's DMA engine, which moves a DMA command's box
// of bytes between DRAM and a scratchpad.
//
// The engine executes one command at a time. It cuts each of the box's
// contiguous runs into requests at 4 KiB DRAM boundaries and sends a
// request when two things allow it:
//
//   - fewer than the outstanding limit of requests are in flight, and
//   - the channel is free. After each request the channel is busy for the
//     request's DRAM traffic divided by the transfer rate, where the traffic
//     counts every burst the request touches (so short or unaligned runs
//     waste bandwidth) and the rate is the lesser of the engine's width and
//     the DRAM bandwidth.
//
// A command completes with its last request's answer. A long run takes about
// bytes / rate cycles, many short runs become latency-bound (Little's law);
// docs/timing.md has the model.
//
// The engine has two timing models, chosen by its builder, with the same
// cycles, counters and hook reports:
//
//   - request level (WithMemory): every request is an akita mem.ReadReq or
//     mem.WriteReq sent over the "ToMem" port to a DRAM controller (found by
//     a mem.LowModuleFinder), about four events per request. A load writes
//     each answer's data into the scratchpad as it arrives; a store reads
//     the scratchpad when it sends. When only the channel holds a request
//     back, the engine schedules its own wake-up for the cycle it frees.
//   - analytic (the default; WithStorage, WithLatency): when a command
//     starts, the engine computes the cycle of each request from the same
//     rules (the recurrence of docs/timing.md, over the channel type the
//     two share) and schedules one completion event, at which the bytes move
//     between the scratchpad and the DRAM image (npu.DMA.Move). A tick while
//     the command executes, which a command arriving for the queue causes,
//     lets a request the channel held back go a cycle early, exactly as in
//     the request-level model; the rest are then timed again.
//
// The command processor's hazard check keeps every command that touches
// the box's bytes out of flight while a DMA command executes, so moving
// them at completion gives the same values as moving them request by
// request. A test plays random scenarios through both models and requires
// identical reports.
//
// The engine's "ToCP" port takes npu.CommandReq messages and answers each
// with an npu.CommandDone. It reports npu.HookPosCommandStarted and
// npu.HookPosCommandCompleted, the latter with the command's DRAM and
// scratchpad traffic.
package dma
