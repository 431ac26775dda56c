package workloads

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"

	"github.com/npusim/npusim/quant"
)

// Digest is the SHA-256 (hex) of everything about the workload that can
// change a run's results: the model (every tensor's name, type, shape,
// quantization, calibrated range and values; every op and its attributes),
// the task, the input samples and their labels. Two workloads with one name
// and different contents (a case file edited between two runs of a sweep)
// have different digests; the same spec built on two machines has one.
func (w *Workload) Digest() string {
	h := sha256.New()
	fmt.Fprintf(h, "task %d\n", w.Task)
	m := w.Model
	for i, t := range m.Tensors {
		fmt.Fprintf(h, "tensor %d %q %v %v %v %d %v %d\n",
			i, t.Name, t.Type, t.Shape, t.Params.Scale, t.Params.ZeroPoint, t.Params.Scales, t.Params.Axis)
		if t.Range != nil {
			fmt.Fprintf(h, "range %v %v\n", t.Range.Min, t.Range.Max)
		}
		writeValues(h, &t.Tensor)
	}
	for _, op := range m.Ops {
		fmt.Fprintf(h, "op %+v\n", *op)
	}
	fmt.Fprintf(h, "inputs %v outputs %v\n", m.Inputs, m.Outputs)
	for s, sample := range w.Inputs {
		fmt.Fprintf(h, "sample %d\n", s)
		for _, t := range sample {
			fmt.Fprintf(h, "%v %v\n", t.Type, t.Shape)
			writeValues(h, t)
		}
	}
	fmt.Fprintf(h, "labels %v\n", w.Labels)
	return hex.EncodeToString(h.Sum(nil))
}

// writeValues adds a tensor's values (none for an activation) to a digest;
// a hash's Write never returns an error.
func writeValues(h hash.Hash, t *quant.Tensor) {
	fmt.Fprintf(h, "values %d\n", len(t.Data))
	if len(t.Data) > 0 {
		h.Write(t.Bytes())
	}
}
