package experiment

import (
	"fmt"
	"strings"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/area"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/inputfile"
	"github.com/npusim/npusim/workloads/loader"
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
	// read from these files, one per model input (see inputfile.Read).
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
		q, err := inputfile.Read(f, w.Model.Tensors[w.Model.Inputs[k]])
		if err != nil {
			return nil, err
		}
		sample = append(sample, q)
	}
	c := *w
	c.Name = fmt.Sprintf("%s@input:%s", w.Name, Digest(sample)[:16])
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
	// Route is how the layer ran when not natively: an emulation on the
	// NPU (which sequence) or the host CPU, and why.
	Route *drivers.LayerRoute `json:"route,omitempty"`
	// Fusion says how the compiler fused the layer with its neighbours; a
	// layer whose output a vendor fusion never computes has no deviation.
	Fusion string `json:"fusion,omitempty"`
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
	// DRAM splits DRAMBytes by what the bytes carried, beside the least
	// any schedule moves.
	DRAM drivers.DRAMTraffic `json:"dram"`
	// Hardware is the hardware's area and design choices (also on a cell
	// that could not run, when its hardware loads).
	Hardware *area.Summary `json:"hardware,omitempty"`
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
	// Routes summarises in one line the layers that did not run natively
	// ("emulated: 52 layers (vector-requant/double-rounding); cpu: 1
	// layer"); empty when every layer ran natively.
	Routes string `json:"routes,omitempty"`
	// Text is, for language-model workloads, the text the policy generated
	// beside the reference interpreter's; DivergenceStep is then the
	// position of the first character that differs.
	Text *TextResult `json:"text,omitempty"`
	// Caveat qualifies the deviation columns (the workload's Caveat), such
	// as a warning that synthetic weights are not representative.
	Caveat string `json:"caveat,omitempty"`
	// Error says why the cell could not run (a policy asking for an
	// arithmetic mode the hardware lacks, or a fault); the other fields are
	// then empty and the cell counts as failed.
	Error string `json:"error,omitempty"`
	// Failed marks an Error that is a failure (anything but a policy
	// asking for what the hardware does not implement, which is a finding:
	// drivers.IsUnsupported): a sweep with a failed cell exits 1, and
	// --resume runs it again.
	Failed bool `json:"failed,omitempty"`
	// PolicyDigest, HWDigest and WorkloadDigest identify the contents the
	// cell ran (drivers.Policy.Digest, npu.Config.Digest,
	// workloads.Workload.Digest), so that results made from different
	// files under one name are never mixed.
	PolicyDigest   string `json:"policyDigest,omitempty"`
	HWDigest       string `json:"hwDigest,omitempty"`
	WorkloadDigest string `json:"workloadDigest,omitempty"`
}

// Run performs one experiment: it loads the cell's workload with ws,
// compiles it under the policy for the hardware, runs every sample on the
// NPU and compares each layer and the outputs with the reference
// interpreter, whose values refs keeps.
func Run(cell Cell, ws *loader.Loader, refs *References) (*Result, error) {
	return RunWith(cell, ws, refs, NewTimings())
}

// RunWith is Run with the programs' timings kept by timings, which
// experiments may share (a sweep shares one).
func RunWith(cell Cell, ws *loader.Loader, refs *References, timings *Timings) (*Result, error) {
	w, err := LoadWorkload(cell, ws)
	if err != nil {
		return nil, err
	}
	policy, hw, err := cell.Load()
	if err != nil {
		return nil, err
	}
	return RunOnWith(cell, w, policy, hw, refs, timings)
}

// Load loads the cell's policy and hardware.
func (c Cell) Load() (*drivers.Policy, *npu.Config, error) {
	policy, err := drivers.LoadPolicy(c.Policy)
	if err != nil {
		return nil, nil, err
	}
	hw, err := npu.LoadConfig(c.HW)
	if err != nil {
		return nil, nil, err
	}
	return policy, hw, nil
}

// LoadWorkload loads the cell's workload with ws, its input set replaced
// by the cell's input files when it names some, and checks the run the
// cell asks for against the limits in force (workloads.Workload.CheckRun).
func LoadWorkload(cell Cell, ws *loader.Loader) (*workloads.Workload, error) {
	w, err := ws.Load(cell.Workload)
	if err != nil {
		return nil, err
	}
	if len(cell.Inputs) > 0 {
		if w, err = withInputs(w, cell.Inputs); err != nil {
			return nil, err
		}
	}
	if err := w.CheckRun(cell.Samples, 1); err != nil {
		return nil, err
	}
	return w, nil
}

// RunOn performs an experiment on an already loaded workload, policy and
// hardware configuration (cell names them in the result).
func RunOn(cell Cell, w *workloads.Workload, policy *drivers.Policy, hw *npu.Config,
	refs *References) (*Result, error) {
	return RunOnWith(cell, w, policy, hw, refs, NewTimings())
}

// RunOnWith is RunOn with the programs' timings kept by timings: the
// program is timed once (or taken from timings) and every sample's values
// are computed without timing (see Timings).
func RunOnWith(cell Cell, w *workloads.Workload, policy *drivers.Policy, hw *npu.Config, refs *References,
	timings *Timings) (*Result, error) {
	if err := w.CheckRun(cell.Samples, 1); err != nil {
		return nil, err
	}
	compiled, err := drivers.Compile(w.Model, policy, hw)
	if err != nil {
		return nil, err
	}
	runs, err := timings.prepare(compiled)
	if err != nil {
		return nil, fmt.Errorf("%s on %s under %s: %w", w.Name, hw.Name, policy.Name, err)
	}
	if w.Task == workloads.Generator && len(cell.Inputs) == 0 {
		return runGenerator(cell, w, runs, refs)
	}
	samples := len(w.Inputs)
	if cell.Samples > 0 {
		samples = min(samples, cell.Samples)
	}
	r := newResult(cell, w, compiled)
	r.Samples = samples
	var t tally
	for s := range samples {
		ref, err := refs.sampleValues(w, s)
		if err != nil {
			return nil, err
		}
		sums := &lazySums{refs: refs, w: w, sample: s}
		run, err := runs.runRaw(w.Inputs[s])
		if err != nil {
			return nil, fmt.Errorf("%s on %s under %s: %w", w.Name, hw.Name, policy.Name, err)
		}
		if s == 0 {
			r.setCost(run.stats, hw, w.Model)
			r.DRAM = compiled.Traffic(run.stats)
		}
		r.compare(w, s, compiled, run, ref, sums, &t)
		if sums.err != nil {
			return nil, sums.err
		}
	}
	r.conclude(w, &t)
	return r, nil
}

// newResult is a cell's result before its first sample: what the cell
// ran (descriptions, digests, the hardware's summary) and the routes and
// fusions its compiler chose.
func newResult(cell Cell, w *workloads.Workload, compiled *drivers.Compiled) *Result {
	r := &Result{Cell: cell, Description: w.Description, Notes: compiled.Notes, NNAPILimit: NNAPILimit(w),
		Caveat: w.Caveat, Hardware: summarize(compiled.HW), PolicyDigest: compiled.Policy.Digest(),
		HWDigest: compiled.HW.Digest(), WorkloadDigest: w.Digest()}
	r.Layers = make([]LayerResult, len(w.Model.Ops))
	r.setRoutes(compiled.Routes)
	for i, c := range compiled.Choices {
		r.Layers[i].Fusion = c.Fusion
	}
	return r
}

// tally is what the samples of an experiment add up to, beyond the
// deviations.
type tally struct {
	outs, refOuts []*quant.Tensor
	// agree, correct and refCorrect count classifier samples whose top-1
	// class is the reference's, the label, and the reference's is the label.
	agree, correct, refCorrect int
	// diverge is the first output (step) that differs in any sample, from
	// 1; 0 while none does.
	diverge int
}

// compare adds sample s, as the program left it (its output regions in
// DRAM, the model outputs decoded), to the deviations and the tally; ref
// is the reference's, sums the signal sums after the sample (the
// deviations hold samples 0 to s-1).
func (r *Result) compare(w *workloads.Workload, s int, c *drivers.Compiled, run *rawRun, ref *sampleValues,
	sums *lazySums, t *tally) {
	m := w.Model
	for i, op := range m.Ops {
		region := c.TensorOutput[op.Output]
		if region < 0 { // a vendor fusion never computes it
			continue
		}
		mt, rt := c.Model.Tensors[op.Output], m.Tensors[op.Output]
		got := stored{run.regions[region], mt.Type, mt.Params}
		want := stored{ref.bytes[op.Output], rt.Type, rt.Params}
		r.Layers[i].Deviation.addStored(got, want, func() *quant.Tensor { return ref.tensor(op.Output) }, sums.layer(i))
	}
	refOuts := make([]*quant.Tensor, len(m.Tensors))
	for k, o := range m.Outputs {
		refOuts[o] = ref.tensor(o)
		r.Output.add(run.outputs[k], refOuts[o], sums.output(k))
		t.outs, t.refOuts = append(t.outs, run.outputs[k]), append(t.refOuts, refOuts[o])
	}
	t.task(w, s, run.outputs, refOuts)
}

// task adds a sample's outputs to the task's outcome: top-1 agreement and
// accuracy for classifiers, the first diverging step for recurrent
// workloads.
func (t *tally) task(w *workloads.Workload, s int, outputs, ref []*quant.Tensor) {
	m := w.Model
	switch w.Task {
	case workloads.Classifier:
		got, want := Argmax(outputs[0].Data), Argmax(ref[m.Outputs[0]].Data)
		if got == want {
			t.agree++
		}
		if w.Labels != nil {
			if got == w.Labels[s] {
				t.correct++
			}
			if want == w.Labels[s] {
				t.refCorrect++
			}
		}
	case workloads.Recurrent:
		for k, o := range m.Outputs {
			if MaxAbsDiff(outputs[k].Data, ref[o].Data) != 0 {
				if t.diverge == 0 || k+1 < t.diverge {
					t.diverge = k + 1
				}
				break
			}
		}
	}
}

// conclude sets the digests, NNAPI's verdict and the task's outcome.
func (r *Result) conclude(w *workloads.Workload, t *tally) {
	r.Digest, r.RefDigest = Digest(t.outs), Digest(t.refOuts)
	r.NNAPIPass = r.Output.MaxLSB <= r.NNAPILimit
	share := func(n int) *float64 { v := float64(n) / float64(r.Samples); return &v }
	switch w.Task {
	case workloads.Classifier:
		r.Top1Agreement = share(t.agree)
		if w.Labels != nil {
			r.Accuracy, r.ReferenceAccuracy = share(t.correct), share(t.refCorrect)
		}
	case workloads.Recurrent:
		diverge := t.diverge
		r.DivergenceStep = &diverge
	}
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
		r.Layers[i].MACs = l.Counters.MACs + l.Counters.VectorMACs + l.Counters.Host.GEMMMACs + l.Counters.Host.DepthwiseMACs
		r.Layers[i].DRAMBytes = l.Counters.DRAMRead + l.Counters.DRAMWrite
	}
}

// NNAPILimit is the quant8 tolerance NNAPI's test harness applies: 1 LSB,
// 3 for tests of mobilenet-class networks (Android 11).
func NNAPILimit(w *workloads.Workload) int64 {
	if strings.Contains(w.Name, "mobilenet") {
		return 3
	}
	return 1
}
