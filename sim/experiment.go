package sim

import (
	"fmt"
	"strings"
	"sync"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// Cell names one experiment: a workload, a driver policy and a hardware
// configuration (preset names or file paths), and how many of the
// workload's input samples to run (0: all).
type Cell struct {
	Workload string `json:"workload"`
	Policy   string `json:"policy"`
	HW       string `json:"hw"`
	Samples  int    `json:"samples,omitempty"`
	// Inputs, when set, replace the workload's input set with one sample
	// read from these files, one per model input (see workloads.ReadInput).
	Inputs []string `json:"inputs,omitempty"`
}

// Key identifies the cell in a results file.
func (c Cell) Key() string {
	return fmt.Sprintf("%s|%s|%s|%d|%s", c.Workload, c.Policy, c.HW, c.Samples, strings.Join(c.Inputs, ","))
}

// withInputs returns the workload with its input set replaced by one sample
// read from files, renamed by the inputs' digest so that cached reference
// values never mix.
func withInputs(w *workloads.Workload, files []string) (*workloads.Workload, error) {
	if len(files) != len(w.Model.Inputs) {
		return nil, fmt.Errorf("workload %s takes %d inputs, %d input files given", w.Name, len(w.Model.Inputs), len(files))
	}
	var sample []*quant.Tensor
	for k, f := range files {
		q, err := workloads.ReadInput(f, w.Model.Tensors[w.Model.Inputs[k]])
		if err != nil {
			return nil, err
		}
		sample = append(sample, q)
	}
	c := *w
	c.Name = fmt.Sprintf("%s@input:%s", w.Name, digest(sample)[:16])
	c.Inputs, c.Labels = [][]*quant.Tensor{sample}, nil
	return &c, nil
}

// LayerResult is one layer's cost and deviation from the reference.
type LayerResult struct {
	Name      string     `json:"name"`
	Kind      string     `json:"kind"`
	Cycles    uint64     `json:"cycles"`
	EnergyPJ  npu.Energy `json:"energyPJ"`
	StallDMA  uint64     `json:"stallDMA"`
	MACs      uint64     `json:"macs"`
	DRAMBytes uint64     `json:"dramBytes"`
	Deviation Deviation  `json:"deviation"`
}

// Result is everything one experiment measured.
type Result struct {
	Cell
	Description string `json:"description"`
	Samples     int    `json:"samplesRun"`
	// Cycles, LatencyMs and EnergyUJ are per inference (the NPU's timing
	// does not depend on the values).
	Cycles    uint64     `json:"cycles"`
	LatencyMs float64    `json:"latencyMs"`
	EnergyUJ  float64    `json:"energyUJ"`
	EnergyPJ  npu.Energy `json:"energyPJ"`
	// MACUtilization is the share of the array's peak MACs used.
	MACUtilization float64 `json:"macUtilization"`
	DRAMBytes      uint64  `json:"dramBytes"`
	// Output compares the model outputs (all samples) with the reference.
	Output Deviation     `json:"output"`
	Layers []LayerResult `json:"layers"`
	// Top1Agreement is the share of samples whose top-1 class matches the
	// reference's (classifiers); Accuracy and ReferenceAccuracy are against
	// the labels, when the workload has them.
	Top1Agreement     *float64 `json:"top1Agreement,omitempty"`
	Accuracy          *float64 `json:"accuracy,omitempty"`
	ReferenceAccuracy *float64 `json:"referenceAccuracy,omitempty"`
	// DivergenceStep is, for recurrent workloads, the first step (1-based)
	// whose output differs in any sample; 0 when none does.
	DivergenceStep *int `json:"divergenceStep,omitempty"`
	// NNAPILimit is the tolerance NNAPI's harness applies to this workload
	// (1 LSB; 3 for mobilenet-class networks); NNAPIPass says whether the
	// outputs stay within it.
	NNAPILimit int64    `json:"nnapiLimit"`
	NNAPIPass  bool     `json:"nnapiPass"`
	Digest     string   `json:"digest"`
	RefDigest  string   `json:"referenceDigest"`
	Notes      []string `json:"notes,omitempty"`
	// Text is, for language-model workloads, the text the policy generated
	// beside the reference interpreter's; DivergenceStep is then the
	// position of the first character that differs.
	Text *TextResult `json:"text,omitempty"`
	// Caveat qualifies the deviation columns (the workload's Caveat), such
	// as a warning that synthetic weights are not representative.
	Caveat string `json:"caveat,omitempty"`
	// Error says why the cell could not run (a policy asking for an
	// arithmetic mode the hardware lacks); the other fields are then empty.
	Error string `json:"error,omitempty"`
}

// referenceCache holds the reference interpreter's values per workload and
// sample, shared by every policy and hardware.
var referenceCache sync.Map // key -> *refEntry

type refEntry struct {
	once   sync.Once
	values []*quant.Tensor
	err    error
}

func referenceValues(w *workloads.Workload, sample int) ([]*quant.Tensor, error) {
	e, _ := referenceCache.LoadOrStore(fmt.Sprintf("%s#%d", w.Name, sample), &refEntry{})
	r := e.(*refEntry)
	r.once.Do(func() { r.values, r.err = RunReference(w.Model, w.Inputs[sample], quant.VariantDoubleRounding) })
	return r.values, r.err
}

// Run performs one experiment: it compiles the workload under the policy for
// the hardware, runs every sample on the NPU and compares each layer and the
// outputs with the reference interpreter.
func Run(cell Cell) (*Result, error) {
	w, err := workloads.Load(cell.Workload)
	if err != nil {
		return nil, err
	}
	if len(cell.Inputs) > 0 {
		if w, err = withInputs(w, cell.Inputs); err != nil {
			return nil, err
		}
	}
	policy, err := drivers.LoadPolicy(cell.Policy)
	if err != nil {
		return nil, err
	}
	hw, err := npu.LoadConfig(cell.HW)
	if err != nil {
		return nil, err
	}
	return RunOn(cell, w, policy, hw)
}

// RunOn performs an experiment on an already loaded workload, policy and
// hardware configuration (cell names them in the result).
func RunOn(cell Cell, w *workloads.Workload, policy *drivers.Policy, hw *npu.Config) (*Result, error) {
	compiled, err := drivers.Compile(w.Model, policy, hw)
	if err != nil {
		return nil, err
	}
	if w.Task == workloads.Generator && len(cell.Inputs) == 0 {
		return runGenerator(cell, w, compiled, hw, compiled.Notes)
	}
	samples := len(w.Inputs)
	if cell.Samples > 0 {
		samples = min(samples, cell.Samples)
	}
	r := &Result{Cell: cell, Description: w.Description, Samples: samples, Notes: compiled.Notes, NNAPILimit: nnapiLimit(w), Caveat: w.Caveat}
	m := w.Model
	r.Layers = make([]LayerResult, len(m.Ops))
	var outs, refOuts []*quant.Tensor
	var agree, correct, refCorrect int
	diverge := 0
	for s := range samples {
		ref, err := referenceValues(w, s)
		if err != nil {
			return nil, err
		}
		run, err := RunCompiled(compiled, w.Inputs[s])
		if err != nil {
			return nil, fmt.Errorf("%s on %s under %s: %w", w.Name, hw.Name, policy.Name, err)
		}
		if s == 0 {
			r.setCost(run.Stats, hw, m)
		}
		for i, op := range m.Ops {
			r.Layers[i].Deviation.add(run.Tensors[op.Output], ref[op.Output])
		}
		for k, o := range m.Outputs {
			r.Output.add(run.Outputs[k], ref[o])
			outs, refOuts = append(outs, run.Outputs[k]), append(refOuts, ref[o])
		}
		switch w.Task {
		case workloads.Classifier:
			got, want := argmax(run.Outputs[0].Data), argmax(ref[m.Outputs[0]].Data)
			if got == want {
				agree++
			}
			if w.Labels != nil {
				if got == w.Labels[s] {
					correct++
				}
				if want == w.Labels[s] {
					refCorrect++
				}
			}
		case workloads.Recurrent:
			for k, o := range m.Outputs {
				if MaxAbsDiff(run.Outputs[k].Data, ref[o].Data) != 0 {
					if diverge == 0 || k+1 < diverge {
						diverge = k + 1
					}
					break
				}
			}
		}
	}
	r.Digest, r.RefDigest = digest(outs), digest(refOuts)
	r.NNAPIPass = r.Output.MaxLSB <= r.NNAPILimit
	share := func(n int) *float64 { v := float64(n) / float64(samples); return &v }
	switch w.Task {
	case workloads.Classifier:
		r.Top1Agreement = share(agree)
		if w.Labels != nil {
			r.Accuracy, r.ReferenceAccuracy = share(correct), share(refCorrect)
		}
	case workloads.Recurrent:
		r.DivergenceStep = &diverge
	}
	return r, nil
}

// setCost records the cost of one inference from the NPU's statistics; the
// program's layer i+1 is the model's op i (layer 0 feeds the inputs).
func (r *Result) setCost(st *npu.Stats, hw *npu.Config, m *workloads.Model) {
	r.Cycles = st.Cycles
	r.LatencyMs = st.Seconds() * 1e3
	r.EnergyPJ = st.Energy
	r.EnergyUJ = st.Energy.Total() / 1e6
	r.MACUtilization = st.MACUtilization(hw)
	r.DRAMBytes = st.Counters.DRAMRead + st.Counters.DRAMWrite
	for i, op := range m.Ops {
		l := st.Layers[i+1]
		r.Layers[i].Name, r.Layers[i].Kind = op.Name, string(op.Kind)
		r.Layers[i].Cycles, r.Layers[i].EnergyPJ, r.Layers[i].StallDMA = l.Cycles, l.Energy, l.StallDMA
		r.Layers[i].MACs = l.Counters.MACs + l.Counters.VectorMACs
		r.Layers[i].DRAMBytes = l.Counters.DRAMRead + l.Counters.DRAMWrite
	}
}

// nnapiLimit is the quant8 tolerance NNAPI's test harness applies: 1 LSB,
// 3 for tests of mobilenet-class networks (Android 11).
func nnapiLimit(w *workloads.Workload) int64 {
	if strings.Contains(w.Name, "mobilenet") {
		return 3
	}
	return 1
}
