package platform

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// HostCPU is the application processor as the NPU's program sees it: a
// unit on the command interconnect that runs npu.Host commands, one at a
// time. A command takes the cycles of the host's model (npu.Host.Cycles:
// hand-off, MACs at the kernel class's rate, DRAM traffic); when it
// completes, the CPU reads the layer's inputs from DRAM, runs the command's
// kernel from the table the platform was given, and writes the output to
// DRAM. Like the compute units it reports npu.HookPosCommandStarted and
// npu.HookPosCommandCompleted with the command's counters.
type HostCPU struct {
	*sim.TickingComponent
	toCP    sim.Port
	outbox  sim.BufferedSender
	cfg     *npu.Config
	dram    npu.Memory // nil when the NPU computes no values
	kernels []npu.HostKernel
	current *npu.CommandReq
	err     error
}

// hostDone fires when the host's current command finishes.
type hostDone struct {
	*sim.EventBase
}

// newHostCPU builds the host CPU unit with its port "ToCP".
func newHostCPU(name string, engine sim.Engine, freq sim.Freq,
	cfg *npu.Config, dram npu.Memory, kernels []npu.HostKernel) *HostCPU {
	h := &HostCPU{cfg: cfg, dram: dram, kernels: kernels}
	h.TickingComponent = sim.NewTickingComponent(name, engine, freq, h)
	h.toCP = sim.NewLimitNumMsgPort(h, queueDepth, name+".ToCP")
	h.AddPort("ToCP", h.toCP)
	h.outbox = sim.NewBufferedSender(h.toCP, sim.NewBuffer(name+".Outbox", queueDepth))
	return h
}

// Handle completes the current command or ticks.
func (h *HostCPU) Handle(e sim.Event) error {
	if _, ok := e.(hostDone); ok {
		h.complete(e.Time())
		return nil
	}
	return h.TickingComponent.Handle(e)
}

// Tick reports finished commands and starts the next one.
func (h *HostCPU) Tick(now sim.VTimeInSec) bool {
	progress := h.send(now)
	if h.current != nil {
		return progress
	}
	msg := h.toCP.Retrieve(now)
	if msg == nil {
		return progress
	}
	h.current = msg.(*npu.CommandReq)
	cycles := h.current.Command.Op.(*npu.Host).Cycles(h.cfg)
	if h.NumHooks() > 0 {
		h.InvokeHook(sim.HookCtx{Domain: h, Pos: npu.HookPosCommandStarted,
			Item: &npu.CommandStarted{Seq: h.current.Seq, Command: h.current.Command, Cycle: h.Freq.Cycle(now)}})
	}
	h.Engine.Schedule(hostDone{sim.NewEventBase(h.Freq.NCyclesLater(cycles, now), h)})
	return true
}

// complete runs the current command's kernel, reports it and frees the
// unit.
func (h *HostCPU) complete(now sim.VTimeInSec) {
	req := h.current
	op := req.Command.Op.(*npu.Host)
	if err := h.execute(op); err != nil && h.err == nil {
		h.err = fmt.Errorf("command %d (%s): %w", req.Seq, op.Name(), err)
	}
	if h.NumHooks() > 0 {
		e := &npu.CommandCompleted{Seq: req.Seq, Command: req.Command, Cycle: h.Freq.Cycle(now), Counters: op.Counters(h.cfg)}
		h.InvokeHook(sim.HookCtx{Domain: h, Pos: npu.HookPosCommandCompleted, Item: e})
	}
	h.current = nil
	h.outbox.Send(req.Done())
	h.send(now)
	h.TickLater(now)
}

// execute reads the command's inputs from DRAM, runs its kernel and writes
// the output back; an NPU that computes no values skips it.
func (h *HostCPU) execute(op *npu.Host) error {
	if h.dram == nil {
		return nil
	}
	return runHost(op, h.dram, h.kernels)
}

// runHost runs a host command's kernel on its input regions of dram and
// writes its output region: what the host CPU computes, in the timed NPU and
// in RunValues alike.
func runHost(op *npu.Host, dram npu.Memory, kernels []npu.HostKernel) error {
	if op.Kernel >= len(kernels) || kernels[op.Kernel] == nil {
		return fmt.Errorf("no host kernel %d (the platform has %d)", op.Kernel, len(kernels))
	}
	inputs := make([][]byte, len(op.Inputs))
	for i, r := range op.Inputs {
		data, err := dram.Read(r.Addr, uint64(r.Bytes))
		if err != nil {
			return fmt.Errorf("input %s: %w", r.Name, err)
		}
		inputs[i] = data
	}
	out, err := kernels[op.Kernel](inputs)
	if err != nil {
		return err
	}
	if len(out) != op.Output.Bytes {
		return fmt.Errorf("kernel %d wrote %d bytes, the output %s has %d",
			op.Kernel, len(out), op.Output.Name, op.Output.Bytes)
	}
	return dram.Write(op.Output.Addr, out)
}

// send hands the connection every completion it will take.
func (h *HostCPU) send(now sim.VTimeInSec) bool {
	progress := false
	for h.outbox.Tick(now) {
		progress = true
	}
	return progress
}

// Err is the first kernel that failed, nil if none did.
func (h *HostCPU) Err() error { return h.err }
