// Package platform wires the NPU's components into one NPU and runs
// programs on it.
//
// An NPU here is a command processor (package npu/cp), a DMA engine
// (npu/dma), the matrix, requantization and vector units (npu/compute), the
// three scratchpads they share (npu.Scratchpads) and a DRAM: akita's ideal
// memory controller holding the program's image, answering after the DRAM
// latency. Two akita direct connections join them: the command interconnect
// (the command processor and the units' command ports) and the memory
// bus (the DMA engine and the DRAM). Each hop is a cycle. The host CPU
// (HostCPU) is a fifth unit on the interconnect: it runs npu.Host commands,
// the layers a driver gives back to the CPU, with the kernels the caller
// supplies (RunWithHost), reading and writing the DRAM's storage directly;
// its timing is its model's (npu.Host.Cycles), not the memory bus's.
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
// processor met a hazard or the program deadlocked (cp.Comp.Err); or a
// command's energy could not be priced (npu.Recorder.Stats).
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
