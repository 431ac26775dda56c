package campaign

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/sim/experiment"
)

// smallGrid is a quick sweep with a cell that cannot run (the reference
// policy on hardware that only requantizes in float32).
var smallGrid = Grid{
	Workloads: []string{"mac2x3", "rnn-unrolled:steps=6"},
	Policies:  []string{"reference", "truncate", "mult16", "vendor-b"},
	HW:        []string{"mobile-npu", "edge-tpu-like"},
	Samples:   2,
}

func sweepBytes(t *testing.T, dir string, o SweepOptions) []byte {
	t.Helper()
	o.Dir = dir
	if _, err := Sweep(smallGrid, o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSweepParallelShardedResumedAreIdentical(t *testing.T) {
	base := t.TempDir()
	serial := sweepBytes(t, filepath.Join(base, "serial"), SweepOptions{Workers: 1})
	if n := bytes.Count(serial, []byte("\n")); n != len(smallGrid.Cells()) {
		t.Fatalf("%d result lines for %d cells", n, len(smallGrid.Cells()))
	}
	if parallel := sweepBytes(t, filepath.Join(base, "parallel"), SweepOptions{Workers: 4}); !bytes.Equal(serial, parallel) {
		t.Error("a parallel sweep wrote different results than a serial one")
	}

	var shards []string
	for i := 1; i <= 3; i++ {
		dir := filepath.Join(base, "shard", string(rune('0'+i)))
		sweepBytes(t, dir, SweepOptions{Shard: &Shard{Index: i, Count: 3}})
		shards = append(shards, dir)
	}
	merged := filepath.Join(base, "merged")
	if _, err := Merge(merged, shards); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(merged, ResultsFile)); !bytes.Equal(serial, got) {
		t.Error("merged shards differ from the unsharded sweep")
	}
	if _, err := Merge(filepath.Join(base, "incomplete"), shards[:2]); err == nil || !strings.Contains(err.Error(), "the shards lack") {
		t.Errorf("merging two of three shards: %v", err)
	}

	// An interruption: two whole lines survive, the third was cut in half.
	resumed := filepath.Join(base, "resumed")
	if err := os.MkdirAll(resumed, 0o755); err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(serial, []byte("\n"))
	cut := append(append(append([]byte(nil), lines[0]...), lines[5]...), lines[7][:len(lines[7])/2]...)
	manifest := readFile(t, filepath.Join(base, "serial", ManifestFile))
	writeFile(t, filepath.Join(resumed, ManifestFile), manifest)
	writeFile(t, filepath.Join(resumed, ResultsFile), cut)
	ran := 0
	got := sweepBytes(t, resumed, SweepOptions{Resume: true, Progress: func(int, int, *experiment.Result) { ran++ }})
	// lines[5] is a cell that cannot run (edge-tpu-like lacks truncate):
	// a failed cell is run again on resume, so only lines[0] is kept.
	if !bytes.Equal(serial, got) || ran != len(smallGrid.Cells())-1 {
		t.Errorf("resumed sweep ran %d cells (want %d) and equal=%v", ran, len(smallGrid.Cells())-1, bytes.Equal(serial, got))
	}
}

func TestSweepCellsThatCannotRun(t *testing.T) {
	results, err := Sweep(smallGrid, SweepOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		switch {
		case r.HW == "edge-tpu-like" && r.Policy == "reference": // exact, emulated on the vector unit
			if r.Error != "" || r.Digest != r.RefDigest || !strings.Contains(r.Routes, "vector-requant/double-rounding") {
				t.Errorf("%s: error %q, routes %q, digest %s (reference %s)", r.Key(), r.Error, r.Routes, r.Digest, r.RefDigest)
			}
		case r.HW == "edge-tpu-like": // every other policy asks for an integer requantizer
			if !strings.Contains(r.Error, "which edge-tpu-like does not implement") {
				t.Errorf("%s: error %q", r.Key(), r.Error)
			}
		case r.HW == "mobile-npu" && r.Policy == "reference":
			if r.Error != "" || r.Output.MaxLSB != 0 || !r.NNAPIPass || r.Digest != r.RefDigest {
				t.Errorf("%s: reference row deviates: %+v", r.Key(), r.Output)
			}
		}
	}
}

func TestSweepRejectsBadInputBeforeWriting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	bad := []Grid{
		{Workloads: []string{"mac2x3"}, Policies: []string{"no-such-policy"}, HW: []string{"mobile-npu"}},
		{Workloads: []string{"no-such-net"}, Policies: []string{"reference"}, HW: []string{"mobile-npu"}},
		{Workloads: []string{"mac2x3"}, Policies: []string{"reference"}, HW: []string{"phone.yaml"}},
	}
	for _, g := range bad {
		if _, err := Sweep(g, SweepOptions{Dir: dir}); err == nil {
			t.Errorf("%+v: no error", g)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("%+v: the results directory was created", g)
		}
	}
	if _, err := ParseShard("3/2"); err == nil {
		t.Error("shard 3/2 accepted")
	}
}

// BenchmarkDefaultSweep runs the embedded default sweep (every policy preset
// on mac2x3, digits-cnn, fashion-mobilenet, mobilenet-v2 and kjv-lstm on
// mobile-npu) on all cores.
func BenchmarkDefaultSweep(b *testing.B) {
	for b.Loop() {
		if _, err := Sweep(DefaultGrid(), SweepOptions{Dir: b.TempDir()}); err != nil {
			b.Fatal(err)
		}
	}
}
