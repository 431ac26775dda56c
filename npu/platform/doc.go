// Package platform wires the NPU's components into one NPU and runs
// programs on it.
//
// An NPU here is a command processor (package npu/cp), a DMA engine
// (npu/dma), the matrix, requantization and vector units (npu/compute), the
// three scratchpads they share (npu.Scratchpads) and a DRAM holding the
// program's image. An akita direct connection, the command interconnect,
// joins the command processor and the four units' command ports; each hop
// is a cycle. The DMA engine times its commands with its analytic model
// (one event per command) and moves bytes to and from the DRAM image (an
// npu.SparseMemory) when a command completes; with WithRequestLevelDMA it
// sends every request over a second direct connection, the memory bus, to
// akita's ideal memory controller, which holds the image and answers after
// the DRAM latency. Both give the same cycles (docs/timing.md derives the
// analytic model, and a test holds the two equal on the zoo).
// The host CPU (HostCPU) is a fifth unit on the interconnect: it runs
// npu.Host commands, the layers a driver gives back to the CPU, with the
// kernels the caller supplies (the HostKernels option), reading and writing
// the DRAM image directly; its timing is its model's (npu.Host.Cycles).
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
//	   | DRAM image (analytic model), or memory bus: mem.ReadReq,
//	   | mem.WriteReq (request-level model)
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
// Beside Run, RunValues is the functional mode: it computes a program's
// values without timing, executing the commands in program order over fresh
// scratchpads and the DRAM image (npu.DMA.Move, npu.Compute.Execute); for a
// program that a timed run accepts, the command processor's hazard check
// guarantees that no two conflicting commands ever overlap, so it gives the
// timed run's values. RunTiming times a program without computing values.
// Since no cycle count depends on a value, a caller can time a compiled
// program once and compute its values once per input sample:
//
//	stats, err := platform.RunTiming(cfg, program)      // cycles, counters, energy
//	...
//	outputs, err := platform.RunValues(cfg, sampleProgram) // per sample: its DRAM image
package platform
