package platform_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/npu/platform"
)

// valuePolicies are policy presets of different arithmetic: exact,
// 16-bit requantization, saturating 24-bit accumulators, fp32 scaling,
// partial sums narrowed to 16 bits, truncation.
var valuePolicies = []string{"reference", "mult16", "acc24", "fp32", "psum16", "truncate"}

// TestRunValuesMatchesRun runs every zoo workload (its first and last
// samples) under several policies on mobile-npu and tiny both timed (Run)
// and functionally (RunValues) and requires the same output bytes, and
// RunTiming's statistics to be Run's. Programs tiny cannot run are
// skipped. The largest workloads run only without -short, one sample on
// mobile-npu under the first two policies (exact and 16-bit): on tiny they
// emit close to a million commands.
func TestRunValuesMatchesRun(t *testing.T) {
	heavy := map[string]bool{"resnet18": true, "mobilenet-v1": true, "mobilenet-v2": true}
	checked := 0
	for _, w := range zoo.Names() {
		if heavy[w] && testing.Short() {
			continue
		}
		wl, err := zoo.Load(w)
		if err != nil {
			t.Fatal(err)
		}
		hws, samples, policies := []string{"mobile-npu", "tiny"}, []int{0, len(wl.Inputs) - 1}, valuePolicies
		if heavy[w] {
			hws, samples, policies = hws[:1], samples[:1], policies[:2]
		}
		for _, hw := range hws {
			for _, policy := range policies {
				for _, sample := range samples {
					c, err := compileProgram(t, w, policy, hw, sample)
					if err != nil {
						continue // the hardware lacks what the policy asks for
					}
					checkValues(t, w+"/"+policy+"/"+hw, c)
					checked++
				}
			}
		}
	}
	if checked < 40 {
		t.Errorf("checked %d programs, want at least 40", checked)
	}
}

func checkValues(t *testing.T, name string, c compiled) {
	t.Helper()
	want, err := platform.Run(c.cfg, c.program, c.host)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	got, err := platform.RunValues(c.cfg, c.program, c.host)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !slices.EqualFunc(got, want.Outputs, slices.Equal) {
		t.Errorf("%s: RunValues' outputs differ from Run's", name)
	}
	stats, err := platform.RunTiming(c.cfg, c.program, c.host)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !reflect.DeepEqual(stats, want.Stats) {
		t.Errorf("%s: RunTiming's statistics differ from Run's: %s", name, firstDifference(stats, want.Stats))
	}
}
