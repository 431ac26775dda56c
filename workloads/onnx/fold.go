package onnx

import (
	"slices"

	"github.com/npusim/npusim/workloads"
)

// foldFullyConnected turns every Reshape -> 1x1 convolution on a 1x1 image ->
// Reshape to 2-D, the form Export gives FULLY_CONNECTED, back into one
// FULLY_CONNECTED, and drops the tensors nothing reads any more.
func foldFullyConnected(m *workloads.Model) {
	readers := make([]int, len(m.Tensors))
	for _, op := range m.Ops {
		for _, i := range op.Inputs {
			readers[i]++
		}
	}
	for _, o := range m.Outputs {
		readers[o] += 2 // never fold away an output
	}
	var ops []*workloads.Op
	for k := 0; k < len(m.Ops); k++ {
		if k+2 < len(m.Ops) && isFlatConv(m, m.Ops[k], m.Ops[k+1], m.Ops[k+2], readers) {
			ops = append(ops, fullyConnected(m, m.Ops[k], m.Ops[k+1], m.Ops[k+2]))
			k += 2
			continue
		}
		ops = append(ops, m.Ops[k])
	}
	m.Ops = ops
	compact(m)
}

func isFlatConv(m *workloads.Model, r1, conv, r2 *workloads.Op, readers []int) bool {
	if r1.Kind != workloads.Reshape || conv.Kind != workloads.Conv2D || r2.Kind != workloads.Reshape {
		return false
	}
	if conv.Inputs[0] != r1.Output || r2.Inputs[0] != conv.Output || readers[r1.Output] != 1 || readers[conv.Output] != 1 {
		return false
	}
	b, f, d := m.Tensors[r1.Output].Shape, m.Tensors[conv.Inputs[1]].Shape, m.Tensors[r2.Output].Shape
	dh, dw := conv.Dilation()
	return b[1] == 1 && b[2] == 1 && f[1] == 1 && f[2] == 1 && len(d) == 2 && conv.StrideH == 1 && conv.StrideW == 1 &&
		dh == 1 && dw == 1 && conv.Padding == (workloads.Padding{})
}

func fullyConnected(m *workloads.Model, r1, conv, r2 *workloads.Op) *workloads.Op {
	w := m.Tensors[conv.Inputs[1]]
	w.Shape = []int{w.Shape[0], w.Shape[3]}
	inputs := []int{r1.Inputs[0], conv.Inputs[1], conv.Inputs[2]}
	return &workloads.Op{Name: conv.Name, Kind: workloads.FullyConnected, Inputs: inputs,
		Output: r2.Output, Activation: conv.Activation}
}

// compact drops the tensors that no op, input or output refers to.
func compact(m *workloads.Model) {
	keep := make([]bool, len(m.Tensors))
	for _, i := range slices.Concat(m.Inputs, m.Outputs) {
		keep[i] = true
	}
	for _, op := range m.Ops {
		for _, i := range op.Inputs {
			keep[i] = true
		}
		keep[op.Output] = true
	}
	index := make([]int, len(m.Tensors))
	var tensors []*workloads.Tensor
	for i, t := range m.Tensors {
		index[i] = len(tensors)
		if keep[i] {
			tensors = append(tensors, t)
		}
	}
	remap := func(xs []int) {
		for k, i := range xs {
			xs[k] = index[i]
		}
	}
	remap(m.Inputs)
	remap(m.Outputs)
	for _, op := range m.Ops {
		remap(op.Inputs)
		op.Output = index[op.Output]
	}
	m.Tensors = tensors
}
