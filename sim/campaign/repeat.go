package campaign

import (
	"fmt"
	"slices"
	"strings"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/loader"
)

// RepeatRun is one of the repeated inferences.
type RepeatRun struct {
	State     DeviceState `json:"state"`
	Digest    string      `json:"digest"`
	Cycles    uint64      `json:"cycles"`
	LatencyMs float64     `json:"latencyMs"`
	EnergyUJ  float64     `json:"energyUJ"`
	// VoltageMV is the NPU rail's voltage at the run's clock (npu/opp.go).
	VoltageMV float64 `json:"voltageMV"`
	MaxLSB    int64   `json:"maxLSB"`
	// Choices are the driver's per-layer choices in this run.
	Choices []drivers.LayerChoice `json:"choices"`
	// Notes are the compiler's notes (tilings, split reductions).
	Notes []string `json:"notes,omitempty"`
}

// DigestGroup gathers the runs that produced the same outputs.
type DigestGroup struct {
	Digest string `json:"digest"`
	Runs   []int  `json:"runs"`
	// Reference says whether these outputs are the reference's.
	Reference bool `json:"reference"`
	// FirstLayer is the first layer whose values differ from the first
	// group's (empty for the first group); Why explains the driver choice
	// or hardware state behind it.
	FirstLayer string `json:"firstLayer,omitempty"`
	Why        string `json:"why,omitempty"`
}

// RepeatResult is the same input run many times on one evolving device.
type RepeatResult struct {
	Workload string        `json:"workload"`
	Policy   string        `json:"policy"`
	HW       string        `json:"hw"`
	Seed     uint64        `json:"seed"`
	Sample   int           `json:"sample"`
	Runs     []RepeatRun   `json:"runs"`
	Groups   []DigestGroup `json:"groups"`
}

// Repeat runs one input sample n times on a simulated device (seed) whose
// state evolves between runs, and groups the runs by output digest,
// explaining where and why each group departs from the first.
func Repeat(ws *loader.Loader, workload, policy, hw string, runs int, seed uint64, sample int) (*RepeatResult, error) {
	w, p, cfg, err := loadCell(ws, workload, policy, hw)
	if err != nil {
		return nil, err
	}
	if sample < 0 || sample >= len(w.Inputs) {
		return nil, fmt.Errorf("sample %d: %s has samples 0..%d", sample, w.Name, len(w.Inputs)-1)
	}
	if err := limits.Check(limits.Runs, "runs", uint64(max(runs, 0))); err != nil {
		return nil, err
	}
	if err := w.CheckRun(1, runs); err != nil {
		return nil, err
	}
	ref, err := experiment.NewReferences().Values(w, sample)
	if err != nil {
		return nil, err
	}
	res := &RepeatResult{Workload: w.Name, Policy: p.Label(), HW: cfg.Name, Seed: seed, Sample: sample}
	dev := NewDevice(seed)
	compiled := newPrograms()
	var first []*quant.Tensor
	var firstChoices []drivers.LayerChoice
	refDigest := experiment.Digest(outputsOf(w.Model, ref))
	for range runs {
		state := dev.Next()
		sr, err := compiled.run(w, p, cfg, state, sample)
		if err != nil {
			return nil, fmt.Errorf("run %d: %w", state.Run, err)
		}
		var deviation experiment.Deviation
		for k, o := range w.Model.Outputs {
			deviation.Add(sr.run.Outputs[k], ref[o])
		}
		rr := RepeatRun{
			State: state, Digest: experiment.Digest(sr.run.Outputs), Cycles: sr.run.Stats.Cycles,
			LatencyMs: sr.run.Stats.Seconds() * 1e3, EnergyUJ: sr.run.Stats.Energy.Total() / 1e6,
			VoltageMV: sr.hw.VoltageMV(), MaxLSB: deviation.MaxLSB, Choices: sr.compiled.Choices, Notes: sr.compiled.Notes,
		}
		res.Runs = append(res.Runs, rr)
		i := slices.IndexFunc(res.Groups, func(g DigestGroup) bool { return g.Digest == rr.Digest })
		if i >= 0 {
			res.Groups[i].Runs = append(res.Groups[i].Runs, state.Run)
			continue
		}
		g := DigestGroup{Digest: rr.Digest, Runs: []int{state.Run}, Reference: rr.Digest == refDigest}
		if first == nil {
			first, firstChoices = sr.run.Tensors, rr.Choices
		} else {
			g.FirstLayer, g.Why = explain(w.Model, first, sr.run.Tensors, firstChoices, rr, res.Runs[0])
		}
		res.Groups = append(res.Groups, g)
	}
	return res, nil
}

func outputsOf(m *workloads.Model, values []*quant.Tensor) []*quant.Tensor {
	var out []*quant.Tensor
	for _, o := range m.Outputs {
		out = append(out, values[o])
	}
	return out
}

// explain finds the first layer whose values differ between two runs and
// the first driver choice (at or before it) that differs, or else the
// hardware state that changed the program.
func explain(m *workloads.Model, a, b []*quant.Tensor, ca []drivers.LayerChoice, rb, ra RepeatRun) (string, string) {
	layer := ""
	at := len(m.Ops)
	for i, op := range m.Ops {
		if a[op.Output] == nil || b[op.Output] == nil { // a vendor fusion never computes it
			continue
		}
		if !slices.Equal(a[op.Output].Data, b[op.Output].Data) {
			layer, at = op.Name, i
			break
		}
	}
	for i := 0; i <= min(at, len(ca)-1); i++ {
		if diff := choiceDiff(ca[i], rb.Choices[i]); diff != "" {
			st := rb.State
			return layer, fmt.Sprintf("at %s the driver chose %s, because %s "+
				"(run %d: %.1f C, %.0f%% of the SRAM free, DRAM load %.2f)",
				rb.Choices[i].Layer, diff, firedOr(rb.Choices[i].Rules, "no rule fired"),
				st.Run, st.TemperatureC, 100*(1-st.SRAMHeld), st.Load)
		}
	}
	if ra.State.SRAMHeld != rb.State.SRAMHeld {
		return layer, fmt.Sprintf("another client held %.0f%% of the scratchpads (instead of %.0f%%), "+
			"so the compiler tiled differently: %s",
			100*rb.State.SRAMHeld, 100*ra.State.SRAMHeld, strings.Join(rb.Notes, "; "))
	}
	return layer, "the driver made the same choices; the outputs differ through the hardware state"
}

// choiceDiff describes how choice b differs from a ("" when it does not).
func choiceDiff(a, b drivers.LayerChoice) string {
	var d []string
	if a.Requant != b.Requant {
		d = append(d, fmt.Sprintf("%v requantization instead of %v", b.Requant, a.Requant))
	}
	if a.Accumulate != b.Accumulate {
		d = append(d, fmt.Sprintf("%d-bit %s accumulators instead of %d-bit %s",
			b.Accumulate.Bits, b.Accumulate.Overflow, a.Accumulate.Bits, a.Accumulate.Overflow))
	}
	if a.PartialSums != b.PartialSums {
		d = append(d, fmt.Sprintf("%s partial sums instead of %s", b.PartialSums, a.PartialSums))
	}
	if a.Depthwise != b.Depthwise {
		d = append(d, fmt.Sprintf("depthwise on the %s instead of the %s", b.Depthwise, a.Depthwise))
	}
	return strings.Join(d, ", ")
}

func firedOr(rules []string, none string) string {
	if len(rules) == 0 {
		return none
	}
	return strings.Join(rules, " and ")
}

// loadCell loads a workload (with ws), a policy and a hardware
// configuration, and checks that the hardware can run the policy.
func loadCell(ws *loader.Loader, workload, policy, hw string) (
	*workloads.Workload, *drivers.Policy, *npu.Config, error,
) {
	w, err := ws.Load(workload)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := drivers.LoadPolicy(policy)
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, err := npu.LoadConfig(hw)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := p.CheckHardware(cfg); err != nil {
		return nil, nil, nil, err
	}
	return w, p, cfg, nil
}
