package zoo_test

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo"
)

// TestDigitsInt8Accuracy runs each quantized digits workload on the
// reference interpreter (double rounding, as TFLite and NNAPI requantize)
// over its 539 labelled test images. The float models classify 524 (MLP)
// and 532 (CNN) of them correctly (TestDigitsFloatAccuracy).
func TestDigitsInt8Accuracy(t *testing.T) {
	cases := []struct {
		name  string
		right int // test images classified correctly, of 539
	}{
		{"digits-mlp", 525}, // 0.9740, one more than float
		{"digits-cnn", 530}, // 0.9833, two fewer than float
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := zoo.Load(c.name)
			if err != nil {
				t.Fatal(err)
			}
			if w.Task != workloads.Classifier || w.Synthetic || len(w.Inputs) != 539 || len(w.Labels) != 539 {
				t.Fatalf("task %v, synthetic %v, %d inputs, %d labels; want a real classifier with 539 labelled inputs",
					w.Task, w.Synthetic, len(w.Inputs), len(w.Labels))
			}
			right := 0
			for i, in := range w.Inputs {
				v, err := experiment.RunReference(w.Model, in, quant.VariantDoubleRounding)
				if err != nil {
					t.Fatal(err)
				}
				p := v[w.Model.Outputs[0]].Data
				if slices.Index(p, slices.Max(p)) == w.Labels[i] {
					right++
				}
			}
			acc := float64(right) / float64(len(w.Inputs))
			t.Logf("%s: int8 test accuracy %d/%d = %.4f", c.name, right, len(w.Inputs), acc)
			if right != c.right {
				t.Errorf("int8 test accuracy %d/539 = %.4f, want %d/539 = %.4f", right, acc, c.right, float64(c.right)/539)
			}
		})
	}
}
