package campaign

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/loader"
)

// faultGrid is a quick sweep every cell of which runs on tiny.
var faultGrid = Grid{
	Workloads: []string{"mac2x3", "rnn-unrolled:steps=3"},
	Policies:  []string{"reference", "mult16", "truncate"},
	HW:        []string{"tiny"},
	Samples:   1,
}

// failing makes one cell of the sweep panic and another fail with an error.
func failing(t *testing.T) {
	old := runExperiment
	runExperiment = func(c experiment.Cell, ws *loader.Loader, refs *experiment.References) (*experiment.Result, error) {
		switch {
		case c.Workload == "mac2x3" && c.Policy == "mult16":
			var m map[string]int
			m["boom"]++ //nolint:staticcheck // the injected fault: a real runtime panic for the sweep to isolate
		case c.Workload == "rnn-unrolled:steps=3" && c.Policy == "truncate":
			return nil, errors.New("injected failure")
		}
		return old(c, ws, refs)
	}
	t.Cleanup(func() { runExperiment = old })
}

// TestSweepFaultIsolation: a cell that panics and one that fails are
// recorded as failed with their messages, the other four complete as in a
// clean sweep, and --resume runs the two again: once the faults are gone
// the directory holds, byte for byte, what a clean sweep writes.
func TestSweepFaultIsolation(t *testing.T) {
	base := t.TempDir()
	clean := sweepGridBytes(t, faultGrid, filepath.Join(base, "clean"), SweepOptions{})
	dir := filepath.Join(base, "faulty")
	failing(t)
	results, err := Sweep(faultGrid, SweepOptions{Dir: dir, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if Failed(results) != 2 || len(results) != 6 {
		t.Fatalf("%d results, %d failed; want 6 and 2", len(results), Failed(results))
	}
	cleanLines := bytes.SplitAfter(clean, []byte("\n"))
	lines := bytes.SplitAfter(readFile(t, filepath.Join(dir, ResultsFile)), []byte("\n"))
	for i, r := range results {
		switch {
		case r.Workload == "mac2x3" && r.Policy == "mult16":
			if !strings.Contains(r.Error, "internal error") || !strings.Contains(r.Error, "assignment to entry in nil map") {
				t.Errorf("the panicking cell: %q", r.Error)
			}
		case r.Policy == "truncate" && r.Workload != "mac2x3":
			if r.Error != "injected failure" {
				t.Errorf("the failing cell: %q", r.Error)
			}
		case !bytes.Equal(lines[i], cleanLines[i]):
			t.Errorf("cell %s differs from the clean sweep's", r.Key())
		}
	}
	runExperiment = experiment.Run
	ran := 0
	if _, err := Sweep(faultGrid, SweepOptions{Dir: dir, Resume: true, Progress: func(int, int, *experiment.Result) { ran++ }}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, ResultsFile)); ran != 2 || !bytes.Equal(got, clean) {
		t.Errorf("resumed: ran %d cells (want 2), equal to the clean sweep: %v", ran, bytes.Equal(got, clean))
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestResultsThatCannotMix: report refuses a directory with an incomplete
// line; resume drops an incomplete last line and runs its cell again, but
// refuses one in the middle; resume and merge refuse results made from
// another policy file under the same name.
func TestResultsThatCannotMix(t *testing.T) {
	base := t.TempDir()
	policy := filepath.Join(base, "mine.yaml")
	writeFile(t, policy, []byte("name: mine\nrequant: mult16\n"))
	g := Grid{Workloads: []string{"mac2x3", "rnn-unrolled:steps=2"}, Policies: []string{"reference", policy}, HW: []string{"tiny"}}
	clean := sweepGridBytes(t, g, filepath.Join(base, "clean"), SweepOptions{})
	lines := bytes.SplitAfter(clean, []byte("\n"))
	var shards []string
	for i := 1; i <= 3; i++ {
		shards = append(shards, filepath.Join(base, "shard", string(rune('0'+i))))
		sweepGridBytes(t, g, shards[i-1], SweepOptions{Shard: &Shard{Index: i, Count: 4}})
	}

	cut := filepath.Join(base, "cut")
	if err := os.MkdirAll(cut, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(cut, ManifestFile), readFile(t, filepath.Join(base, "clean", ManifestFile)))
	incomplete := `{"workload":"mac2x3","policy":"` + policy + `","hw":"tiny"}` + "\n"
	writeFile(t, filepath.Join(cut, ResultsFile), append(append([]byte(nil), lines[0]...), incomplete...))
	if _, _, err := LoadResults(cut); err == nil || !strings.Contains(err.Error(), "line 2 is not a complete result") {
		t.Errorf("report of an interrupted sweep: %v", err)
	}
	if got := sweepGridBytes(t, g, cut, SweepOptions{Resume: true}); !bytes.Equal(got, clean) {
		t.Error("resuming after an incomplete last line differs from the clean sweep")
	}
	writeFile(t, filepath.Join(cut, ResultsFile), append([]byte(incomplete), lines[0]...))
	if _, err := Sweep(g, SweepOptions{Dir: cut, Resume: true}); err == nil || !strings.Contains(err.Error(), "line 1 is not a complete result") {
		t.Errorf("an incomplete line in the middle: %v", err)
	}

	writeFile(t, filepath.Join(cut, ResultsFile), clean)
	writeFile(t, policy, []byte("name: mine\nrequant: truncate\n"))
	if _, err := Sweep(g, SweepOptions{Dir: cut, Resume: true}); err == nil || !strings.Contains(err.Error(), "which now has digest") {
		t.Errorf("resuming with an edited policy file: %v", err)
	}
	shards = append(shards, filepath.Join(base, "shard", "4"))
	sweepGridBytes(t, g, shards[3], SweepOptions{Shard: &Shard{Index: 4, Count: 4}})
	if _, err := Merge(filepath.Join(base, "merged"), shards); err == nil || !strings.Contains(err.Error(), "cannot be mixed") {
		t.Errorf("merging shards of two policy files: %v", err)
	}
}

// TestFleetFaultIsolation: devices that cannot run are results carrying
// the reason, the others run. The hardware's DRAM is at the slowest a
// configuration may declare, so a device whose other clients load the DRAM
// gets less than that and cannot run; an idle one can. A fleet directory
// missing a device, or claiming more devices than the budget, is refused
// when read back.
func TestFleetFaultIsolation(t *testing.T) {
	hw := filepath.Join(t.TempDir(), "slow.yaml")
	preset, err := npu.LoadConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	slow := bytes.Replace(preset.Source, []byte("bandwidth_gbps: 4"), []byte("bandwidth_gbps: 0.001"), 1)
	if bytes.Equal(slow, preset.Source) {
		t.Fatal("tiny.yaml has no bandwidth_gbps: 4")
	}
	writeFile(t, hw, slow)
	spec := FleetSpec{Workload: "mac2x3", Devices: 12, HW: []string{hw}, Policies: []string{"reference"}, Seed: 3}
	devices, err := RunFleet(spec, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, d := range devices {
		if d.Error != "" {
			failed++
		}
		if (d.Error != "") != (d.State.Load > 0) || (d.Error != "" && !strings.Contains(d.Error, "dram.bandwidth_gbps")) || (d.Error == "" && d.Digest == "") {
			t.Errorf("device %d at load %g: error %q, digest %q", d.Device, d.State.Load, d.Error, d.Digest)
		}
	}
	if f, ran := FailedDevices(devices); f != failed || ran != len(devices)-failed || failed == 0 || failed == len(devices) {
		t.Errorf("%d of %d devices failed, %d ran; want some, not all", f, len(devices), ran)
	}
	dir := filepath.Join(t.TempDir(), "fleet")
	if err := WriteFleet(dir, spec, nil, devices); err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(readFile(t, filepath.Join(dir, DevicesFile)), []byte("\n"))
	writeFile(t, filepath.Join(dir, DevicesFile), bytes.Join(append(lines[:1], lines[2:]...), nil))
	if _, _, err := LoadFleet(dir); err == nil || !strings.Contains(err.Error(), "not device 1 of its fleet of 12") {
		t.Errorf("a fleet directory missing device 1: %v", err)
	}
	writeFile(t, filepath.Join(dir, FleetFile), bytes.Replace(readFile(t, filepath.Join(dir, FleetFile)), []byte(`"devices": 12`), []byte(`"devices": 4000000000000`), 1))
	if _, _, err := LoadFleet(dir); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("a fleet of 4e12 devices: %v", err)
	}
}

// TestFleetMergeRefusesMixedContents: the shards of a fleet run with a
// hardware file edited in between do not merge.
func TestFleetMergeRefusesMixedContents(t *testing.T) {
	base := t.TempDir()
	hw := filepath.Join(base, "my.yaml")
	preset, err := npu.LoadConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	spec := FleetSpec{Workload: "mac2x3", Devices: 4, HW: []string{hw}, Policies: []string{"reference"}, Seed: 5}
	var shards []string
	for i, source := range [][]byte{preset.Source, bytes.Replace(preset.Source, []byte("static_mw:"), []byte("static_mw: 1 #"), 1)} {
		writeFile(t, hw, source)
		sh := &Shard{Index: i + 1, Count: 2}
		devices, err := RunFleet(spec, 1, sh)
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, filepath.Join(base, fmt.Sprint(i)))
		if err := WriteFleet(shards[i], spec, sh, devices); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := MergeFleet(filepath.Join(base, "merged"), shards); err == nil || !strings.Contains(err.Error(), "hw "+hw+" has contents of digest") {
		t.Errorf("merging shards of two hardware files: %v", err)
	}
}
