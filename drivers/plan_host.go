package drivers

import (
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// hostPlan is a layer given back to the host CPU: one npu.Host command
// that reads the layer's inputs from DRAM, where the previous layers left
// them, and writes its output there for the next ones.
type hostPlan struct {
	cmd *npu.Host
}

// appendSchedule appends the one step of the CPU's layer.
func (p *hostPlan) appendSchedule(s []step) []step {
	return append(s, mkStep(compute, all, all, all, all))
}

// lower is the host command.
func (p *hostPlan) lower(step) []npu.Operation { return ops(p.cmd) }

// planHost plans an op on the host CPU with kernel ID kernel; handoff
// starts a partition of the graph on the CPU. It returns the plan and the
// layer the kernel computes.
func (pl *planner) planHost(op *workloads.Op, a arithmetic, kernel int, handoff bool) (*hostPlan, HostLayer) {
	m := pl.m
	cmd := &npu.Host{Kernel: kernel, Class: npu.HostGEMM, MACs: opMACs(m, op), Handoff: handoff,
		Output: npu.Region{Name: op.Name, Addr: pl.tensorAddr[op.Output], Bytes: m.Tensors[op.Output].Len()}}
	if op.Kind != workloads.Conv2D && op.Kind != workloads.FullyConnected {
		cmd.Class = npu.HostDepthwise // no dot products: one operation per MAC
	}
	for _, i := range op.Inputs {
		t := m.Tensors[i]
		if t.Constant() {
			cmd.ConstBytes += len(t.Bytes())
			continue
		}
		cmd.Inputs = append(cmd.Inputs, npu.Region{Name: t.Name, Addr: pl.tensorAddr[i], Bytes: t.Len()})
	}
	return &hostPlan{cmd: cmd}, HostLayer{Op: opIndex(m, op), Variant: a.variant, Engine: a.engine}
}

// opMACs is the number of multiply-accumulates of an op: output elements
// times the reduction of a convolution or fully connected layer, the taps
// of a depthwise one or a pool's window, one per element of other ops.
func opMACs(m *workloads.Model, op *workloads.Op) uint64 {
	out := m.Tensors[op.Output]
	n := uint64(quant.NumElements(out.Shape))
	switch op.Kind {
	case workloads.Conv2D, workloads.FullyConnected:
		f := m.Tensors[op.Inputs[1]]
		return n * uint64(quant.NumElements(f.Shape[1:]))
	case workloads.DepthwiseConv2D:
		f := m.Tensors[op.Inputs[1]]
		return n * uint64(f.Shape[1]*f.Shape[2])
	case workloads.AveragePool2D, workloads.MaxPool2D:
		return n * uint64(op.FilterH*op.FilterW)
	}
	return n
}

// opIndex is the position of op in the model's ops.
func opIndex(m *workloads.Model, op *workloads.Op) int {
	for i, o := range m.Ops {
		if o == op {
			return i
		}
	}
	return -1
}
