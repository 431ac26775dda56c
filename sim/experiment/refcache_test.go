package experiment

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/npusim/npusim/internal/diskcache"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads/loader"
)

// TestCachedReferencesGiveTheInterpretersValues: reference values written
// to the disk cache by one References and read by another equal the
// interpreter's, every tensor; an entry damaged on disk is computed again.
func TestCachedReferencesGiveTheInterpretersValues(t *testing.T) {
	root := t.TempDir()
	c, err := diskcache.New(root, "test-build")
	if err != nil {
		t.Fatal(err)
	}
	ws := loader.New()
	for _, name := range []string{"mac2x3", "digits-cnn", "fashion-mobilenet", "rnn-unrolled", "kjv-lstm"} {
		w, err := ws.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		sample := len(w.Inputs) - 1
		want, err := RunReference(w.Model, w.Inputs[sample], quant.VariantDoubleRounding)
		if err != nil {
			t.Fatal(err)
		}
		for _, pass := range []string{"cold", "warm"} {
			got, err := NewCachedReferences(c).Values(w, sample)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %s cache: the values differ from the interpreter's", name, pass)
			}
		}
	}
	entries, err := filepath.Glob(filepath.Join(root, "test-build", refKind, "*"))
	if err != nil || len(entries) != 5 {
		t.Fatalf("%d entries (%v), want 5", len(entries), err)
	}
	for _, e := range entries {
		if err := os.Truncate(e, 100); err != nil {
			t.Fatal(err)
		}
	}
	w, _ := ws.Load("digits-cnn")
	want, _ := RunReference(w.Model, w.Inputs[len(w.Inputs)-1], quant.VariantDoubleRounding)
	if got, err := NewCachedReferences(c).Values(w, len(w.Inputs)-1); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("after truncating the entries: %v, values equal %v", err, reflect.DeepEqual(got, want))
	}
}
