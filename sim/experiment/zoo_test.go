package experiment

import (
	"testing"

	"github.com/npusim/npusim/workloads/loader"
	"github.com/npusim/npusim/workloads/zoo"
)

// TestReferenceDriverMatchesInterpreterOnTheZoo holds every layer of every
// zoo workload, compiled by the reference driver and run on the NPU, to the
// reference interpreter (invariant 1 of DESIGN.md), on the two presets the
// reference driver runs on: mobile-npu, and tiny, whose scratchpads make
// every layer tile and spill (MobileNet v2 on tiny is drivers'
// TestMobileNetV2OnTiny). Every program keeps tensors in the activation
// scratchpad and fuses the layers it can; kept and fused layers are read
// back through captures.
func TestReferenceDriverMatchesInterpreterOnTheZoo(t *testing.T) {
	heavy := map[string]bool{"resnet18": true, "mobilenet-v1": true}
	ws, refs := loader.New(), NewReferences()
	for _, name := range zoo.Names() {
		hws := []string{"mobile-npu"}
		if name != "mobilenet-v2" {
			hws = append(hws, "tiny")
		}
		if heavy[name] && testing.Short() {
			continue
		}
		for _, hw := range hws {
			r, err := Run(Cell{Workload: name, Policy: "reference", HW: hw, Samples: 1}, ws, refs)
			if err != nil {
				t.Fatalf("%s on %s: %v", name, hw, err)
			}
			for _, l := range r.Layers {
				if l.Deviation.MaxLSB != 0 {
					t.Errorf("%s on %s: layer %s differs from the interpreter by up to %d LSB", name, hw, l.Name, l.Deviation.MaxLSB)
				}
			}
			if r.Digest != r.RefDigest || !r.NNAPIPass {
				t.Errorf("%s on %s: digest %s, reference %s", name, hw, r.Digest[:12], r.RefDigest[:12])
			}
		}
	}
}
