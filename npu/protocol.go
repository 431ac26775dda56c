package npu

import "github.com/sarchlab/akita/v3/sim"

// This file holds the protocol between the command processor and the units:
// a request that carries one command and the response that reports it done.

// CommandReq asks a unit to execute one command. It carries the command
// itself, so a unit needs nothing but the request to do its work. Seq is the
// command's position in the program: the name by which the issuer and the
// observers (hooks) know it; a unit passes it on but never looks it up.
type CommandReq struct {
	sim.MsgMeta
	Seq     int
	Command *Command
}

// Meta implements sim.Msg.
func (r *CommandReq) Meta() *sim.MsgMeta { return &r.MsgMeta }

// Done returns the response that reports the request's command completed,
// addressed back to the request's sender.
func (r *CommandReq) Done() *CommandDone {
	d := &CommandDone{Seq: r.Seq, Command: r.Command}
	d.Src, d.Dst = r.Dst, r.Src
	return d
}

// CommandDone tells the issuer that a command completed: its results are in
// the scratchpads or in DRAM, and its unit has room for another.
type CommandDone struct {
	sim.MsgMeta
	Seq     int
	Command *Command
}

// Meta implements sim.Msg.
func (d *CommandDone) Meta() *sim.MsgMeta { return &d.MsgMeta }
