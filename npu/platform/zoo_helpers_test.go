package platform_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/sim/experiment"
)

// compiled is a zoo workload compiled for one hardware under one policy,
// with one input sample written into the program's DRAM image.
type compiled struct {
	cfg     *npu.Config
	program *npu.Program
	// host runs the layers the driver gave back to the host CPU, with the
	// reference interpreter's kernels.
	host platform.Option
}

// compileZoo compiles workload under policy for hw and writes sample into
// a copy of the program's DRAM image.
func compileZoo(tb testing.TB, workload, policy, hw string, sample int) compiled {
	tb.Helper()
	c, err := compileProgram(tb, workload, policy, hw, sample)
	if err != nil {
		tb.Fatalf("compile %s under %s for %s: %v", workload, policy, hw, err)
	}
	return c
}

// compileProgram is compileZoo returning the compiler's error: the
// hardware may lack what the policy asks for.
func compileProgram(tb testing.TB, workload, policy, hw string, sample int) (compiled, error) {
	tb.Helper()
	w, err := zoo.Load(workload)
	if err != nil {
		tb.Fatal(err)
	}
	pol, err := drivers.LoadPolicy(policy)
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := npu.LoadConfig(hw)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := drivers.Compile(w.Model, pol, cfg)
	if err != nil {
		return compiled{}, err
	}
	p := *c.Program
	p.DRAM = append([]byte(nil), c.Program.DRAM...)
	for k, r := range c.Inputs {
		copy(p.DRAM[r.Addr:], w.Inputs[sample%len(w.Inputs)][k].Bytes())
	}
	return compiled{cfg: cfg, program: &p, host: platform.HostKernels(experiment.HostKernels(c))}, nil
}

// firstDifference names the first command in which two runs' statistics
// differ, or else their totals.
func firstDifference(got, want *npu.Stats) string {
	for i := range min(len(got.Commands), len(want.Commands)) {
		if !reflect.DeepEqual(got.Commands[i], want.Commands[i]) {
			return fmt.Sprintf("command %d: %+v, want %+v", i, got.Commands[i], want.Commands[i])
		}
	}
	return fmt.Sprintf("cycles %d, want %d; energy %v, want %v", got.Cycles, want.Cycles, got.Energy, want.Energy)
}
