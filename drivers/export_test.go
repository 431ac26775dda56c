package drivers

import (
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads"
)

// CompileAllPairs compiles on an idle device with the all-pairs dependency
// tracker, for the tests that compare its programs' simulated cycles with
// the interval tracker's.
func CompileAllPairs(m *workloads.Model, p *Policy, hw *npu.Config) (*Compiled, error) {
	return compile(m, p, hw, Idle, options{deps: &allPairsTracker{}})
}

// CompileDRAMOnly compiles on an idle device keeping every activation in
// DRAM and fusing nothing: the schedule residency and fusion must not
// change the values of.
func CompileDRAMOnly(m *workloads.Model, p *Policy, hw *npu.Config) (*Compiled, error) {
	return compile(m, p, hw, Idle, options{deps: &intervalTracker{}, dramOnly: true})
}

// MustHW and MustPolicy load a hardware preset and a policy or fail the
// test.
var MustHW, MustPolicy = loadHW, loadPolicy
