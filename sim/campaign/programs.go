package campaign

import (
	"encoding/json"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/memo"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
)

// programs keeps the programs a driver compiled for one workload, by what
// determines them: the hardware as the device state leaves it, the policy
// and the dynamic rules that fire. Runs in states that lead to the same
// program compile it once. Each repeat, record and fleet run creates and
// owns one; it is safe for concurrent use.
type programs struct {
	compiled memo.Map[string, *drivers.Compiled]
}

func newPrograms() *programs { return &programs{} }

// stateRun is one inference on a device in a given state.
type stateRun struct {
	compiled *drivers.Compiled
	hw       *npu.Config
	run      *experiment.NPURun
}

// run compiles a workload under a policy for the hardware as the device
// state leaves it (or takes the program compiled for an equal case), and
// runs one sample.
func (ps *programs) run(w *workloads.Workload, p *drivers.Policy, hw *npu.Config,
	state DeviceState, sample int) (*stateRun, error) {
	if state.ClockFactor == 0 { // an idle device
		state.ClockFactor = 1
	}
	eff, err := state.Apply(hw)
	if err != nil {
		return nil, err
	}
	cond := state.Conditions()
	key, err := json.Marshal(struct {
		HW     *npu.Config
		Policy string
		Rules  string
	}{eff, p.Label(), p.Signature(w.Model, cond)})
	if err != nil {
		return nil, err
	}
	compile := func() (*drivers.Compiled, error) { return drivers.CompileUnder(w.Model, p, eff, cond) }
	c, err := ps.compiled.Get(string(key), compile)
	if err != nil {
		return nil, err
	}
	run, err := experiment.RunCompiled(c, w.Inputs[sample])
	if err != nil {
		return nil, err
	}
	return &stateRun{compiled: c, hw: eff, run: run}, nil
}
