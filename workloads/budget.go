package workloads

import (
	"fmt"

	"github.com/npusim/npusim/internal/limits"
)

// CheckBudget compares what the model asks of one inference with the
// limits in force (package limits): the elements of each tensor and of all
// of them together, the number of operations, and the work of one
// inference (Work). Validate calls it once the shapes are known to be
// consistent; loaders that build a model from a description (a SCALE-Sim
// topology) check the same figures before they build it.
func (m *Model) CheckBudget() error {
	if err := limits.Check(limits.Ops, "ops", uint64(len(m.Ops))); err != nil {
		return err
	}
	var total, work uint64
	for i, t := range m.Tensors {
		n := limits.Product(t.Shape...)
		if err := limits.Check(limits.Elements, m.tensorName(i), n); err != nil {
			return err
		}
		total = limits.Add(total, n)
	}
	if err := limits.Check(limits.ModelElements, "the model's tensors", total); err != nil {
		return err
	}
	for _, op := range m.Ops {
		work = limits.Add(work, m.Work(op))
	}
	return limits.Check(limits.MACs, "one inference", work)
}

// Work is what one op costs an inference, in multiply-accumulates: those
// of a convolution or fully connected layer (MACs), one read per window
// position of a pool, padding included (output elements x window), and one
// per output element for the other ops. It saturates instead of
// overflowing.
func (m *Model) Work(op *Op) uint64 {
	out := limits.Product(m.Tensors[op.Output].Shape...)
	switch op.Kind {
	case Conv2D:
		f := m.Tensors[op.Inputs[1]].Shape
		return limits.Mul(out, limits.Product(f[1], f[2], f[3]))
	case DepthwiseConv2D:
		f := m.Tensors[op.Inputs[1]].Shape
		return limits.Mul(out, limits.Product(f[1], f[2]))
	case FullyConnected:
		return limits.Mul(out, uint64(m.Tensors[op.Inputs[1]].Shape[1]))
	case AveragePool2D, MaxPool2D:
		return limits.Mul(out, limits.Product(op.FilterH, op.FilterW))
	}
	return out
}

// CheckRun compares a run of the workload with the limits in force: how
// many of its samples are asked for (all of them when samples is 0), and
// the work and layer executions of inferences = runs x samples inferences.
func (w *Workload) CheckRun(samples, runs int) error {
	n := len(w.Inputs)
	if samples > 0 {
		n = min(n, samples)
	}
	if err := limits.Check(limits.Samples, "samples of "+w.Name, uint64(n)); err != nil {
		return err
	}
	inferences := limits.Mul(uint64(max(n, 1)), uint64(max(runs, 1)))
	var work uint64
	for _, op := range w.Model.Ops {
		work = limits.Add(work, w.Model.Work(op))
	}
	what := fmt.Sprintf("%d inference(s) of %s", inferences, w.Name)
	if err := limits.Check(limits.Work, what, limits.Mul(inferences, work)); err != nil {
		return err
	}
	return limits.Check(limits.Steps, what, limits.Mul(inferences, uint64(len(w.Model.Ops))))
}
