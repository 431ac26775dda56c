package campaign

import (
	"encoding/json"
	"sync"

	"github.com/npusim/npusim/drivers"
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
	mu       sync.Mutex
	compiled map[string]*program
}

// program is one compiled program, compiled once.
type program struct {
	once sync.Once
	c    *drivers.Compiled
	err  error
}

func newPrograms() *programs { return &programs{compiled: map[string]*program{}} }

// stateRun is one inference on a device in a given state.
type stateRun struct {
	compiled *drivers.Compiled
	hw       *npu.Config
	run      *experiment.NPURun
}

// run compiles a workload under a policy for the hardware as the device
// state leaves it (or takes the program compiled for an equal case), and
// runs one sample.
func (ps *programs) run(w *workloads.Workload, p *drivers.Policy, hw *npu.Config, state DeviceState, sample int) (*stateRun, error) {
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
	ps.mu.Lock()
	e := ps.compiled[string(key)]
	if e == nil {
		e = &program{}
		ps.compiled[string(key)] = e
	}
	ps.mu.Unlock()
	e.once.Do(func() { e.c, e.err = drivers.CompileUnder(w.Model, p, eff, cond) })
	if e.err != nil {
		return nil, e.err
	}
	run, err := experiment.RunCompiled(e.c, w.Inputs[sample])
	if err != nil {
		return nil, err
	}
	return &stateRun{compiled: e.c, hw: eff, run: run}, nil
}
