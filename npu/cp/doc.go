// Package cp models the NPU's command processor: the component that walks a
// program's command stream in order and hands each command to the unit that
// executes it.
//
// The command at the head of the stream issues once every command it lists
// in Deps has completed and its unit holds fewer than the unit queue depth
// of commands (one executing, the rest waiting). Issued commands run
// concurrently on different units. Before it issues, the command processor
// compares the new command's scratchpad footprint with that of every command
// in flight on another unit: an overlap where either side writes is a data
// hazard the program's dependencies do not cover, and the command processor
// stops issuing and reports it (Comp.Err) rather than let data be corrupted.
//
// The command processor talks to the units over one port, "ToUnits": it
// sends npu.CommandReq messages, each carrying a command, and receives
// npu.CommandDone messages. It reports every issue at
// npu.HookPosCommandIssued, with how long the command waited at the head of
// the queue and which unit's completion released it; it keeps no statistics
// itself.
//
// Build one with MakeBuilder, naming each unit's port:
//
//	c := cp.MakeBuilder().WithEngine(engine).WithFreq(freq).
//		WithUnitPort(npu.UnitDMA, dmaPort).
//		WithUnitPort(npu.UnitMatrix, matrixPort).
//		// ...
//		Build("NPU.CommandProcessor")
//	c.Launch(program.Commands)
package cp
