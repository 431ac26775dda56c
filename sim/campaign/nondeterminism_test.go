package campaign

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/workloads/loader"
)

// TestReferenceIsDeterministicOnEveryDevice: whatever the device's state
// (hot, throttled, short of SRAM, loaded), the reference driver's outputs are
// the reference interpreter's.
func TestReferenceIsDeterministicOnEveryDevice(t *testing.T) {
	for _, w := range []string{"rnn-unrolled", "digits-cnn"} {
		res, err := Repeat(loader.New(), w, "reference", "mobile-npu", 25, 3, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Groups) != 1 || !res.Groups[0].Reference {
			t.Errorf("%s under reference: %d digests over 25 runs (reference: %v)", w, len(res.Groups), res.Groups[0].Reference)
		}
		states := map[DeviceState]bool{}
		for _, r := range res.Runs {
			s := r.State
			s.Run = 0
			states[s] = true
		}
		if len(states) < 10 {
			t.Errorf("%s: the device went through only %d distinct states in 25 runs", w, len(states))
		}
	}
	devices, err := RunFleet(FleetSpec{Workload: "digits-cnn", Devices: 60, HW: []string{"mobile-npu", "tiny"}, Policies: []string{"reference"}, Seed: 4, Samples: 16}, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devices {
		if !d.Identical || d.Error != "" {
			t.Fatalf("device %d (%s, %+v): identical=%v error=%q", d.Device, d.HW, d.State, d.Identical, d.Error)
		}
	}
}

// TestVendorDynamicRepeatAndReplay is the documented demonstration: the
// same rnn-unrolled input, run 20 times under vendor-dynamic on device seed 1,
// gives two digests (the cool runs the reference's, the hot runs' with the
// 16-bit requantizer); every run replays to its own digests exactly.
func TestVendorDynamicRepeatAndReplay(t *testing.T) {
	ws := loader.New()
	res, err := Repeat(ws, "rnn-unrolled", "vendor-dynamic", "mobile-npu", 20, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) < 2 || !res.Groups[0].Reference || res.Groups[1].Reference {
		t.Fatalf("%d digest groups: %+v", len(res.Groups), res.Groups)
	}
	if g := res.Groups[1]; g.FirstLayer != "step004" || !strings.Contains(g.Why, "mult16 requantization instead of double-rounding, because rule 0 (hotter than 60 C)") {
		t.Errorf("explanation: first layer %q, why %q", g.FirstLayer, g.Why)
	}
	dir := t.TempDir()
	for _, g := range res.Groups {
		run := g.Runs[len(g.Runs)-1]
		m, err := Record(ws, "rnn-unrolled", "vendor-dynamic", "mobile-npu", []int{0}, &DeviceRef{Seed: 1, Run: run})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "run.json")
		if err := WriteManifest(path, m); err != nil {
			t.Fatal(err)
		}
		back, err := ReadManifest(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := Replay(ws, back, "vendor-dynamic", "mobile-npu"); err != nil {
			t.Errorf("run %d: %v", run, err)
		}
		// An auditor's replay of a tampered record names the tensor.
		back.Layers[5].Digest = strings.Repeat("0", 64)
		if err := Replay(ws, back, "vendor-dynamic", "mobile-npu"); !errors.Is(err, ErrReplayDiffers) || !strings.Contains(err.Error(), "tensor step006 of sample 0") {
			t.Errorf("tampered manifest: %v", err)
		}
		// Replaying under another driver version is caught before running.
		if err := Replay(ws, back, "vendor-a@1.1", "mobile-npu"); !errors.Is(err, ErrReplayDiffers) || !strings.Contains(err.Error(), "is not the one recorded") {
			t.Errorf("another policy: %v", err)
		}
	}
}

func TestFleetSerialParallelShardedAgree(t *testing.T) {
	spec := FleetSpec{Workload: "rnn-unrolled:steps=8", Devices: 40, HW: []string{"mobile-npu", "tiny"},
		Policies: []string{"vendor-dynamic", "vendor-a@1.0", "vendor-a@1.1", "reference"}, Seed: 9, Samples: 2}
	serial, err := RunFleet(spec, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	parallel, err := RunFleet(spec, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(serial)
	b, _ := json.Marshal(parallel)
	if !slices.Equal(a, b) {
		t.Fatal("a parallel fleet differs from a serial one")
	}
	base := t.TempDir()
	var dirs []string
	for i := 1; i <= 3; i++ {
		sh := &Shard{Index: i, Count: 3}
		part, err := RunFleet(spec, 2, sh)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(base, "shard", string(rune('0'+i)))
		if err := WriteFleet(dir, spec, sh, part); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	_, merged, err := MergeFleet(filepath.Join(base, "merged"), dirs)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := json.Marshal(merged)
	if !slices.Equal(a, c) {
		t.Fatal("merged shards differ from the unsharded fleet")
	}
	identical, changed := 0, 0
	for _, d := range serial {
		if d.Identical {
			identical++
		} else if d.Error == "" {
			changed++
		}
	}
	if identical == 0 || changed == 0 {
		t.Errorf("fleet of %d: %d identical to the reference, %d changed; want both", len(serial), identical, changed)
	}
}

// BenchmarkFleet1000 runs a 1000-device fleet of digits-cnn (all 539 test
// images per device) on two hardware presets under five driver versions,
// the mix npusim fleet uses by default.
func BenchmarkFleet1000(b *testing.B) {
	spec := FleetSpec{Workload: "digits-cnn", Devices: 1000, HW: []string{"mobile-npu", "tiny"},
		Policies: []string{"reference", "vendor-a@1.0", "vendor-a@1.1", "vendor-a@1.2", "vendor-dynamic"}, Seed: 1}
	for b.Loop() {
		if _, err := RunFleet(spec, 0, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1000/(b.Elapsed().Seconds()/float64(b.N)), "devices/s")
}

// TestVendorFusionRecordsAndRepeats: under a driver whose fusions never
// compute some layers (vendor-c@1.1 folds MobileNet v2's residual ADDs and
// keeps its expansions at 16 bits), a manifest records the layers that
// exist and replays, and repeat explains runs over them.
func TestVendorFusionRecordsAndRepeats(t *testing.T) {
	if testing.Short() {
		t.Skip("runs MobileNet v2 four times")
	}
	ws := loader.New()
	m, err := Record(ws, "mobilenet-v2", "vendor-c@1.1", "mobile-npu", []int{0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w, err := ws.Load("mobilenet-v2")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Layers); n == 0 || n >= len(w.Model.Ops) {
		t.Errorf("%d layer digests for %d ops: want those of the layers the program computes", n, len(w.Model.Ops))
	}
	if err := Replay(ws, m, "vendor-c@1.1", "mobile-npu"); err != nil {
		t.Error(err)
	}
	res, err := Repeat(ws, "mobilenet-v2", "vendor-c@1.1", "mobile-npu", 2, 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Groups) == 0 || res.Groups[0].Reference {
		t.Errorf("groups %+v: want vendor-c's outputs, not the reference's", res.Groups)
	}
}
