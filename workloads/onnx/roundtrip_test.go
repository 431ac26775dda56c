package onnx_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/onnx"
	"github.com/npusim/npusim/workloads/zoo"
)

// TestRoundTripZoo exports every zoo workload, imports it back and checks
// that the reference interpreter gives byte-identical outputs on every input
// sample, and that the imported model has the same ops.
func TestRoundTripZoo(t *testing.T) {
	for _, name := range zoo.Names() {
		if testing.Short() && (name == "mobilenet-v1" || name == "mobilenet-v2" || name == "resnet18") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			w, err := zoo.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "m.onnx")
			if err := onnx.WriteWorkload(w, path); err != nil {
				t.Fatal(err)
			}
			back, err := onnx.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := kinds(back.Model), kinds(w.Model); !slices.Equal(got, want) {
				t.Fatalf("ops %v, want %v", got, want)
			}
			if len(back.Inputs) != len(w.Inputs) {
				t.Fatalf("%d samples, want %d", len(back.Inputs), len(w.Inputs))
			}
			for s := range min(len(w.Inputs), 3) {
				want := outputs(t, w.Model, w.Inputs[s])
				got := outputs(t, back.Model, back.Inputs[s])
				for k := range want {
					if !slices.Equal(got[k].Data, want[k].Data) || !slices.Equal(got[k].Shape, want[k].Shape) {
						t.Fatalf("sample %d output %d differs after the round trip", s, k)
					}
				}
			}
		})
	}
}

func kinds(m *workloads.Model) []workloads.OpKind {
	var k []workloads.OpKind
	for _, op := range m.Ops {
		k = append(k, op.Kind)
	}
	return k
}

func outputs(t *testing.T, m *workloads.Model, in []*quant.Tensor) []*quant.Tensor {
	t.Helper()
	v, err := experiment.RunReference(m, in, quant.VariantDoubleRounding)
	if err != nil {
		t.Fatal(err)
	}
	var out []*quant.Tensor
	for _, o := range m.Outputs {
		out = append(out, v[o])
	}
	return out
}

// writeZoo exports a zoo workload to path and returns path.
func writeZoo(t *testing.T, name, path string) string {
	t.Helper()
	w, err := zoo.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := onnx.WriteWorkload(w, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReexportDropsStaleSamples exports a model of many samples, then
// another of one sample over it: the second loads with its own sample
// only, and a file of another name beside it stays.
func TestReexportDropsStaleSamples(t *testing.T) {
	dir := t.TempDir()
	path := writeZoo(t, "digits-mlp", filepath.Join(dir, "a.onnx"))
	mine := filepath.Join(dir, "a_notes.txt")
	if err := os.WriteFile(mine, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeZoo(t, "mac2x3", path)
	w, err := onnx.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Inputs) != 1 {
		t.Errorf("%d samples, want mac2x3's one", len(w.Inputs))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("%d files beside the model, want the model, its sample and a_notes.txt", len(entries))
	}
}
