package zoo

import (
	"strings"
	"testing"

	"github.com/npusim/npusim/workloads"
)

func TestLoadSpecs(t *testing.T) {
	w, err := Load("rnn-unrolled:steps=5")
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "rnn-unrolled:steps=5" || len(w.Model.Outputs) != 5 || w.Task != workloads.Recurrent {
		t.Errorf("got %s with %d outputs", w.Name, len(w.Model.Outputs))
	}
	for spec, want := range map[string]string{
		"resnet-50":             "no such workload",
		"rnn-unrolled:depth=3":  `has no option "depth"`,
		"rnn-unrolled:steps=0":  "must be an integer from 1 to",
		"rnn-unrolled:steps=xx": "must be an integer from 1 to",
	} {
		if _, err := Load(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", spec, err, want)
		}
	}
}

// TestRNNSharesStateQuantization checks that every unrolled step stores its
// state on the same grid and reuses the same weights.
func TestRNNSharesStateQuantization(t *testing.T) {
	w, err := Load("rnn-unrolled")
	if err != nil {
		t.Fatal(err)
	}
	m := w.Model
	first := m.Tensors[m.Inputs[0]].Params
	for _, op := range m.Ops {
		if p := m.Tensors[op.Output].Params; p.Scale != first.Scale || p.ZeroPoint != first.ZeroPoint {
			t.Fatalf("%s stores its state with %+v, the input with %+v", op.Name, p, first)
		}
		if op.Inputs[1] != m.Ops[0].Inputs[1] || op.Inputs[2] != m.Ops[0].Inputs[2] {
			t.Fatalf("%s does not share the cell's weights", op.Name)
		}
	}
	if s := m.Summarize(); s.MACs != 24*32*32 || s.Params != 32*32+32 {
		t.Errorf("summary: %d MACs, %d params; want 24 steps x 1024 MACs and 1056 shared params", s.MACs, s.Params)
	}
}
