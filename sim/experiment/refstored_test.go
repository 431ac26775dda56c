package experiment

import (
	"reflect"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads/loader"
)

// TestStoredWalkGivesTheInterpretersValues: the reference run with its
// activations stored (referenceStored) gives RunReference's values, every
// tensor of every sample, decoded from the bytes it keeps; and keeps the
// bytes of every op output.
func TestStoredWalkGivesTheInterpretersValues(t *testing.T) {
	ws := loader.New()
	for _, name := range []string{"mac2x3", "digits-cnn", "fashion-mobilenet", "mobilenet-v2", "rnn-unrolled", "kjv-lstm"} {
		w, err := ws.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		samples := min(len(w.Inputs), 3)
		if name == "mobilenet-v2" {
			samples = 1
		}
		for s := range samples {
			want, err := RunReference(w.Model, w.Inputs[s], quant.VariantDoubleRounding)
			if err != nil {
				t.Fatal(err)
			}
			v, err := referenceStored(w.Model, w.Inputs[s])
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if got := v.tensor(i); !reflect.DeepEqual(got, want[i]) {
					t.Fatalf("%s sample %d: tensor %d (%s) differs from the interpreter's", name, s, i, w.Model.Tensors[i].Name)
				}
			}
			for _, op := range w.Model.Ops {
				if b, _ := storedBytes(want[op.Output]); !reflect.DeepEqual(v.bytes[op.Output], b) {
					t.Fatalf("%s sample %d: the stored bytes of %s differ", name, s, op.Name)
				}
			}
		}
	}
}
