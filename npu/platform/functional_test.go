package platform_test

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/zoo"
)

// TestFunctionalReusesNothingVisible runs workloads' samples one after
// another on one Functional, in an order that revisits the first, and
// requires each run's outputs to equal RunValues' on a fresh NPU: what a
// run leaves in the scratchpads and DRAM pages never reaches the next.
func TestFunctionalReusesNothingVisible(t *testing.T) {
	cases := []struct{ workload, policy, hw string }{
		{"digits-cnn", "reference", "mobile-npu"},
		{"digits-cnn", "acc24", "tiny"},
		{"rnn-unrolled", "fp32", "edge-tpu-like"},
		{"fashion-mobilenet", "reference", "low-cost"}, // emulated routes and CPU layers
	}
	for _, tc := range cases {
		w, err := zoo.Load(tc.workload)
		if err != nil {
			t.Fatal(err)
		}
		c, err := drivers.Compile(w.Model, mustLoadPolicy(t, tc.policy), mustLoadHW(t, tc.hw))
		if err != nil {
			t.Fatal(err)
		}
		host := platform.HostKernels(experiment.HostKernels(c))
		f, err := platform.NewFunctional(c.HW, c.Program, host)
		if err != nil {
			t.Fatal(err)
		}
		order := []int{0, len(w.Inputs) - 1, 1 % len(w.Inputs), 0}
		for _, s := range order {
			var patches []platform.Patch
			p := *c.Program
			p.DRAM = slices.Clone(c.Program.DRAM)
			for k, r := range c.Inputs {
				b := w.Inputs[s][k].Bytes()
				patches = append(patches, platform.Patch{Addr: r.Addr, Data: b})
				copy(p.DRAM[r.Addr:], b)
			}
			got, err := f.Run(patches...)
			if err != nil {
				t.Fatal(err)
			}
			want, err := platform.RunValues(c.HW, &p, host)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("%s/%s/%s sample %d: the reused NPU's outputs differ from a fresh one's", tc.workload, tc.policy, tc.hw, s)
			}
		}
	}
}

func mustLoadPolicy(t *testing.T, name string) *drivers.Policy {
	t.Helper()
	p, err := drivers.LoadPolicy(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustLoadHW(t *testing.T, name string) *npu.Config {
	t.Helper()
	cfg, err := npu.LoadConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
