package onnx_test

import (
	"path/filepath"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/npusim/npusim/workloads/onnx"
)

// TestRoundTripNPUDigests runs digits-cnn and its exported-then-imported
// ONNX model through every driver policy preset on mobile-npu and requires
// the same output digest and reference digest from both.
func TestRoundTripNPUDigests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "digits-cnn.onnx")
	if _, err := onnx.Load(writeZoo(t, "digits-cnn", path)); err != nil {
		t.Fatal(err)
	}
	ws, refs := loader.New(), experiment.NewReferences()
	for _, policy := range drivers.Presets() {
		orig, err := experiment.Run(experiment.Cell{Workload: "digits-cnn", Policy: policy, HW: "mobile-npu", Samples: 4}, ws, refs)
		if err != nil {
			t.Fatal(err)
		}
		back, err := experiment.Run(experiment.Cell{Workload: path, Policy: policy, HW: "mobile-npu", Samples: 4}, ws, refs)
		if err != nil {
			t.Fatal(err)
		}
		if orig.Error == "" && orig.Digest == "" {
			t.Fatalf("%s: no digest", policy)
		}
		if orig.Digest != back.Digest || orig.RefDigest != back.RefDigest || orig.Error != back.Error {
			t.Errorf("%s: digest %s (reference %s) for the zoo model, %s (reference %s) after the round trip",
				policy, orig.Digest, orig.RefDigest, back.Digest, back.RefDigest)
		}
	}
}
