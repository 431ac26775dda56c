package experiment

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/workloads/loader"
)

// TestTimingOnceGivesPerSampleResults runs cells both ways, timing the
// program once and computing every sample's values without timing
// (NewTimings), and running every sample in full on the timed NPU
// (PerSampleTimings, what experiments did before), and requires
// byte-identical results as JSON. The cells cover classifiers with many
// samples, a recurrent workload, the language model's generation loop,
// shortcut and exact policies, emulated routes (low-cost, fixed-per-tensor)
// and CPU fallback (an exact policy that falls back to the CPU, on
// edge-tpu-like), and a cell the hardware refuses (acc24 on
// edge-tpu-like).
func TestTimingOnceGivesPerSampleResults(t *testing.T) {
	cpu := filepath.Join(t.TempDir(), "exact-cpu.yaml") // exact, on the host CPU where the NPU lacks the arithmetic
	if err := os.WriteFile(cpu, []byte("name: exact-cpu\nexact: true\nfallback: cpu\nrequant: double-rounding\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cells := []Cell{
		{Workload: "mac2x3", Policy: "reference", HW: "mobile-npu"},
		{Workload: "digits-cnn", Policy: "mult16", HW: "mobile-npu", Samples: 40},
		{Workload: "digits-cnn", Policy: "acc24", HW: "tiny", Samples: 10},
		{Workload: "digits-cnn", Policy: "reference", HW: "low-cost", Samples: 10},
		{Workload: "rnn-unrolled", Policy: "vendor-b", HW: "mobile-npu"},
		{Workload: "rnn-unrolled", Policy: "fp32", HW: "edge-tpu-like"},
		{Workload: "rnn-unrolled", Policy: "reference", HW: "edge-tpu-like"},
		{Workload: "rnn-unrolled", Policy: "acc24", HW: "edge-tpu-like"},
		{Workload: "fashion-mobilenet", Policy: "reference", HW: "fixed-per-tensor", Samples: 8},
		{Workload: "fashion-mobilenet", Policy: "truncate", HW: "dsp-hvx-like", Samples: 8},
		{Workload: "kjv-lstm", Policy: "vendor-b", HW: "mobile-npu"},
		{Workload: "kjv-lstm", Policy: "reference", HW: "low-cost"},
		{Workload: "digits-cnn", Policy: cpu, HW: "edge-tpu-like", Samples: 10},
		{Workload: "kjv-lstm", Policy: cpu, HW: "edge-tpu-like"},
	}
	if !testing.Short() {
		cells = append(cells, Cell{Workload: "mobilenet-v2", Policy: "reference", HW: "low-cost", Samples: 1},
			Cell{Workload: "mobilenet-v2", Policy: "mult16", HW: "mobile-npu", Samples: 2})
	}
	ws, refs := loader.New(), NewReferences()
	routes := map[string]bool{}
	for _, c := range cells {
		once, errOnce := RunWith(c, ws, refs, NewTimings())
		every, errEvery := RunWith(c, ws, refs, PerSampleTimings())
		if (errOnce == nil) != (errEvery == nil) || (errOnce != nil && errOnce.Error() != errEvery.Error()) {
			t.Fatalf("%s: errors %v and %v", c.Key(), errOnce, errEvery)
		}
		if errOnce != nil {
			continue
		}
		a, err := json.Marshal(once)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(every)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: timed once, the result differs from timing every sample:\n%s\n%s", c.Key(), a, b)
		}
		for _, kind := range []string{"emulated", "cpu"} {
			if strings.Contains(once.Routes, kind+":") {
				routes[kind] = true
			}
		}
	}
	if !routes["emulated"] || !routes["cpu"] {
		t.Errorf("the cells took routes %v, want emulated and cpu among them", routes)
	}
}
