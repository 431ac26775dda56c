package npu

import "github.com/sarchlab/akita/v3/sim"

// The NPU's components report what they do through akita hooks
// (sim.Hookable): a hook attached to a component is called at each of these
// positions with a HookCtx whose Item describes the event. Nothing in a
// component writes statistics; a Recorder attached to all of them does.
var (
	// HookPosCommandIssued marks the command processor sending a command to
	// its unit; the Item is a *CommandIssued.
	HookPosCommandIssued = &sim.HookPos{Name: "CommandIssued"}
	// HookPosCommandStarted marks a unit beginning a command; the Item is a
	// *CommandStarted.
	HookPosCommandStarted = &sim.HookPos{Name: "CommandStarted"}
	// HookPosCommandCompleted marks a unit finishing a command; the Item is
	// a *CommandCompleted.
	HookPosCommandCompleted = &sim.HookPos{Name: "CommandCompleted"}
)

// CommandIssued is what the command processor reports when it issues a
// command.
type CommandIssued struct {
	Seq     int
	Command *Command
	Cycle   uint64
	// Waited is how long the command sat at the head of the queue before it
	// issued; WaitedOn is the unit whose completion released it (the zero
	// Unit when it did not wait).
	Waited   uint64
	WaitedOn Unit
}

// CommandStarted is what a unit reports when it begins a command.
type CommandStarted struct {
	Seq     int
	Command *Command
	Cycle   uint64
}

// CommandCompleted is what a unit reports when it finishes a command: the
// cycle and the actions it performed, which the energy ledger prices.
type CommandCompleted struct {
	Seq      int
	Command  *Command
	Cycle    uint64
	Counters Counters
}
