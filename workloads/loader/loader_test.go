package loader

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/workloads"
)

func TestLoadSpecs(t *testing.T) {
	l := New()
	w, err := l.Load("rnn-unrolled:steps=5")
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "rnn-unrolled:steps=5" || len(w.Model.Outputs) != 5 || w.Task != workloads.Recurrent {
		t.Errorf("got %s with %d outputs", w.Name, len(w.Model.Outputs))
	}
	same, _ := l.Load("rnn-unrolled:steps=5")
	if same != w {
		t.Error("a second Load built the workload again")
	}
	// The default options name the same workload as none.
	a, _ := l.Load("rnn-unrolled")
	b, _ := l.Load("rnn-unrolled:steps=24")
	if a != b || a.Name != "rnn-unrolled" {
		t.Errorf("rnn-unrolled and rnn-unrolled:steps=24 are %p (%s) and %p", a, a.Name, b)
	}
	if other, _ := New().Load("rnn-unrolled:steps=5"); other == w {
		t.Error("two Loaders share a workload")
	}
}

// TestFormats: a spec ending in a format's suffix is read by that format,
// Check finds a missing file and a bad zoo spec before anything is built.
func TestFormats(t *testing.T) {
	dir := t.TempDir()
	topology := filepath.Join(dir, "small.CSV")
	text := "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nconv1, 8, 8, 3, 3, 2, 4, 1,\n"
	if err := os.WriteFile(topology, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := New().Load(topology)
	if err != nil || w.Name != topology || len(w.Model.Ops) != 1 || w.Model.Ops[0].Kind != workloads.Conv2D {
		t.Fatalf("topology: %v, %+v", err, w)
	}
	for spec, want := range map[string]string{
		topology:                        "",
		"mac2x3":                        "",
		filepath.Join(dir, "none.json"): "workload " + filepath.Join(dir, "none.json") + ": ",
		"resnet-50":                     `workload "resnet-50": no such workload`,
		"rnn-unrolled:steps=0":          "must be an integer from 1 to",
	} {
		err := Check(spec)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("Check(%s): %v, want %q", spec, err, want)
		}
	}
	if h := Help(); !strings.Contains(h, "op case file (.json)") || !strings.Contains(h, "SCALE-Sim topology (.csv)") {
		t.Errorf("help %q names not every format", h)
	}
}
