package zoo_test

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo"
)

// fashionInt8Right is how many of the 1,000 committed test images the
// quantized fashion-mobilenet classifies correctly on the reference
// interpreter.
const fashionInt8Right = 897

// TestFashionInt8Accuracy runs the quantized fashion-mobilenet on the
// reference interpreter (double rounding, as TFLite and NNAPI requantize)
// over all 1,000 committed test images, and checks the default input set.
func TestFashionInt8Accuracy(t *testing.T) {
	w, err := zoo.Load("fashion-mobilenet:images=1000")
	if err != nil {
		t.Fatal(err)
	}
	if w.Task != workloads.Classifier || w.Synthetic || len(w.Inputs) != 1000 || len(w.Labels) != 1000 || w.Data == "" {
		t.Fatalf("task %v, synthetic %v, %d inputs, %d labels, data %q; want a real classifier with 1000 labelled inputs and their provenance",
			w.Task, w.Synthetic, len(w.Inputs), len(w.Labels), w.Data)
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
	t.Logf("fashion-mobilenet: int8 test accuracy %d/1000", right)
	if right != fashionInt8Right || right < 880 {
		t.Errorf("int8 test accuracy %d/1000, want %d (and >= 880)", right, fashionInt8Right)
	}
	def, err := zoo.Load("fashion-mobilenet")
	if err != nil {
		t.Fatal(err)
	}
	if len(def.Inputs) != zoo.FashionDefaultImages || !slices.Equal(def.Labels, w.Labels[:zoo.FashionDefaultImages]) {
		t.Errorf("the default input set has %d images, want the first %d", len(def.Inputs), zoo.FashionDefaultImages)
	}
	if _, err := zoo.Load("fashion-mobilenet:images=1001"); err == nil {
		t.Error("images=1001 accepted with 1000 committed test images")
	}
}
