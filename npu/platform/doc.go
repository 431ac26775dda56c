// Package platform wires the NPU's components into one NPU and runs
// programs on it.
//
// An NPU here is a command processor (package npu/cp), a DMA engine
// (npu/dma), the matrix, requantization and vector units (npu/compute), the
// three scratchpads they share (npu.Scratchpads) and a DRAM: akita's ideal
// memory controller holding the program's image, answering after the DRAM
// latency. Two akita direct connections join them: the command interconnect
// (the command processor and the four units' command ports) and the memory
// bus (the DMA engine and the DRAM). Each hop is a cycle.
//
//	                 +-------------------+
//	                 | command processor |
//	                 +---------+---------+
//	                           | interconnect: CommandReq, CommandDone
//	     +-------------+-------+------+--------------+
//	     |             |              |              |
//	+----+----+  +-----+-----+  +-----+-----+  +-----+-----+
//	|   DMA   |  |  matrix   |  |  requant  |  |  vector   |
//	+--+---+--+  +-----+-----+  +-----+-----+  +-----+-----+
//	   |   |           |              |              |
//	   |   +-----------+-- scratchpads (shared) -----+
//	   | memory bus: mem.ReadReq, mem.WriteReq
//	+--+------+
//	|  DRAM   |
//	+---------+
//
// Builder assembles one NPU from an npu.Config; hooks given to WithHook are
// attached to the command processor and every unit, which is how Run
// collects statistics and energy (an npu.Recorder). Run builds a fresh NPU
// with its own serial engine for each program, so runs share nothing.
//
// A run fails in exactly one of these ways, checked in this order: the
// program is invalid for the hardware (npu.Program.Validate); the command
// processor met a hazard or the program deadlocked (cp.Comp.Err); a
// command's energy could not be priced (npu.Recorder.Stats); or a command
// overwrote a captured region before it was taken (npu.Capturer, the hook
// that gathers outputs kept in a scratchpad).
//
// Two extensions plug in here. A functional mode, which computes a
// program's values without timing, goes beside Run: for a program that a
// timed run accepts, the command processor's hazard check guarantees that no
// two conflicting commands ever overlap, so executing the commands in
// program order (npu.DMA.Runs to move a DMA command's bytes,
// npu.Compute.Execute for the rest) over fresh Scratchpads and the DRAM
// image gives the values a timed run gives. Since no cycle count depends on
// a value, timing can then be simulated once per compiled program and values
// once per input sample. An analytic DMA model is a second DMA component
// with the same ports, protocol and hooks (see package npu/dma), chosen
// where Builder builds the DMA engine.
package platform
