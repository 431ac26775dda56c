package campaign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/internal/jsonfile"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/internal/memo"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/loader"
)

// FleetSpec describes a fleet of simulated phones running one workload:
// device i gets hardware HW[i mod len(HW)], driver Policies[(i / len(HW))
// mod len(Policies)] (versions included, "vendor-a@1.1"), its own device
// seed, and is caught at a seeded point of its life (a run index up to 50),
// so that devices differ in temperature, free SRAM and load.
type FleetSpec struct {
	Workload string   `json:"workload"`
	Devices  int      `json:"devices"`
	HW       []string `json:"hw"`
	Policies []string `json:"policies"`
	Seed     uint64   `json:"seed"`
	// Samples is how many of the workload's inputs each device runs.
	Samples int `json:"samples"`
}

// DeviceResult is one device of a fleet.
type DeviceResult struct {
	Device int         `json:"device"`
	HW     string      `json:"hw"`
	Policy string      `json:"policy"`
	Seed   uint64      `json:"seed"`
	State  DeviceState `json:"state"`
	// Identical says whether the device's outputs are the reference's,
	// byte for byte.
	Identical bool    `json:"identical"`
	Digest    string  `json:"digest"`
	MaxLSB    int64   `json:"maxLSB"`
	Changed   float64 `json:"changed"`
	// Top1Flips counts the samples whose top-1 class differs from the
	// reference's (classifiers); DivergenceStep is the first diverging step
	// (recurrent workloads, 0 for none).
	Top1Flips      *int    `json:"top1Flips,omitempty"`
	DivergenceStep *int    `json:"divergenceStep,omitempty"`
	NNAPIPass      bool    `json:"nnapiPass"`
	LatencyMs      float64 `json:"latencyMs"`
	EnergyUJ       float64 `json:"energyUJ"`
	Error          string  `json:"error,omitempty"`
	// Failed marks an Error that is a failure, not a policy the device's
	// hardware cannot run (see experiment.Result.Failed).
	Failed bool `json:"failed,omitempty"`
}

// member returns device i's hardware, policy, seed and state.
func (f FleetSpec) member(i int) (hw, policy string, seed uint64, state DeviceState) {
	hw = f.HW[i%len(f.HW)]
	policy = f.Policies[i/len(f.HW)%len(f.Policies)]
	seed = f.Seed*1_000_003 + uint64(i)
	life := rand.New(rand.NewPCG(seed, 0x6c696665)).IntN(50)
	return hw, policy, seed, StateAt(seed, life)
}

// Validate checks the spec before anything runs.
func (f FleetSpec) Validate() error {
	switch {
	case f.Devices < 1:
		return fmt.Errorf("devices: must be >= 1, got %d", f.Devices)
	case uint64(f.Devices) > uint64(limits.Of(limits.Devices)):
		return limits.Check(limits.Devices, "devices", uint64(f.Devices))
	case len(f.HW) == 0 || len(f.Policies) == 0:
		return fmt.Errorf("a fleet needs at least one hardware and one policy")
	case f.Samples < 0:
		return fmt.Errorf("samples: must be >= 0, got %d", f.Samples)
	}
	if err := loader.Check(f.Workload); err != nil {
		return err
	}
	for _, p := range f.Policies {
		if _, err := drivers.LoadPolicy(p); err != nil {
			return err
		}
	}
	for _, h := range f.HW {
		if _, err := npu.LoadConfig(h); err != nil {
			return err
		}
	}
	return nil
}

// fleetRunner runs devices, sharing work between devices whose outputs or
// timing are bound to be equal: the values depend only on the program the
// driver compiles (hardware, scratchpad space, policy and the dynamic rules
// that fire), the timing also on the clock and the DRAM load.
type fleetRunner struct {
	spec     FleetSpec
	w        *workloads.Workload
	samples  int
	refs     *experiment.References
	compiled *programs
	values   memo.Map[string, DeviceResult] // the outputs' figures, by program
	timing   memo.Map[string, timing]       // by program, clock and DRAM load
}

// timing is the cost of one inference on a device.
type timing struct {
	latencyMs, energyUJ float64
}

// RunFleet runs every device of the fleet (those of the shard, if given) on
// a pool of workers and returns their results in device order.
func RunFleet(spec FleetSpec, workers int, shard *Shard) ([]DeviceResult, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	w, err := loader.New().Load(spec.Workload)
	if err != nil {
		return nil, err
	}
	if err := w.CheckRun(spec.Samples, 1); err != nil {
		return nil, err
	}
	fr := &fleetRunner{spec: spec, w: w, samples: len(w.Inputs), refs: experiment.NewReferences(), compiled: newPrograms()}
	if spec.Samples > 0 {
		fr.samples = min(fr.samples, spec.Samples)
	}
	var ids []int
	for i := range spec.Devices {
		if shard == nil || shard.includes(i) {
			ids = append(ids, i)
		}
	}
	results := make([]DeviceResult, len(ids))
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(workers, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				results[k] = fr.device(ids[k])
			}
		}()
	}
	for k := range ids {
		next <- k
	}
	close(next)
	wg.Wait()
	return results, nil
}

// device runs one device; an error, or a fault in npusim, is the device's
// result and the other devices run on.
func (fr *fleetRunner) device(i int) (r DeviceResult) {
	hwName, policyName, seed, state := fr.spec.member(i)
	defer func() {
		if p := recover(); p != nil {
			r = DeviceResult{Device: i, HW: hwName, Policy: policyName, Seed: seed, State: state,
				Error: fmt.Sprintf("internal error (a fault in npusim, please report it): %v", p), Failed: true}
		}
	}()
	r, err := fr.run(hwName, policyName, state)
	if err != nil {
		return DeviceResult{Device: i, HW: hwName, Policy: policyName, Seed: seed, State: state,
			Error: err.Error(), Failed: !drivers.IsUnsupported(err)}
	}
	r.Device, r.HW, r.Policy, r.Seed, r.State = i, hwName, policyName, seed, state
	return r
}

// run runs a device of the hardware and policy in the state, sharing the
// outputs and the timing of devices bound to have the same.
func (fr *fleetRunner) run(hwName, policyName string, state DeviceState) (DeviceResult, error) {
	p, err := drivers.LoadPolicy(policyName)
	if err != nil {
		return DeviceResult{}, err
	}
	hw, err := npu.LoadConfig(hwName)
	if err != nil {
		return DeviceResult{}, err
	}
	if err := p.CheckHardware(hw); err != nil {
		return DeviceResult{}, err
	}
	eff, err := state.Apply(hw)
	if err != nil {
		return DeviceResult{}, err
	}
	sig := p.Signature(fr.w.Model, state.Conditions())
	valueKey := fmt.Sprintf("%s|%s|%d/%d/%d|%s", hwName, p.Label(),
		eff.SRAM.ActivationKiB, eff.SRAM.WeightKiB, eff.SRAM.AccumulatorKiB, sig)
	r, err := fr.values.Get(valueKey, func() (DeviceResult, error) { return fr.outputs(p, hw, state) })
	if err != nil {
		return DeviceResult{}, err
	}
	timingKey := fmt.Sprintf("%s|%g|%g", valueKey, eff.ClockMHz, eff.DRAM.BandwidthGBps)
	t, err := fr.timing.Get(timingKey, func() (timing, error) {
		sr, err := fr.compiled.run(fr.w, p, hw, state, 0)
		if err != nil {
			return timing{}, err
		}
		return timing{latencyMs: sr.run.Stats.Seconds() * 1e3, energyUJ: sr.run.Stats.Energy.Total() / 1e6}, nil
	})
	if err != nil {
		return DeviceResult{}, err
	}
	r.LatencyMs, r.EnergyUJ = t.latencyMs, t.energyUJ
	return r, nil
}

// outputs runs every sample in a state and compares with the reference.
func (fr *fleetRunner) outputs(p *drivers.Policy, hw *npu.Config, state DeviceState) (DeviceResult, error) {
	var r DeviceResult
	var dev experiment.Deviation
	var outs, refOuts []*quant.Tensor
	flips, diverge := 0, 0
	m := fr.w.Model
	for s := range fr.samples {
		ref, err := fr.refs.Values(fr.w, s)
		if err != nil {
			return r, err
		}
		sr, err := fr.compiled.run(fr.w, p, hw, state, s)
		if err != nil {
			return r, err
		}
		for k, o := range m.Outputs {
			got, want := sr.run.Outputs[k], ref[o]
			dev.Add(got, want)
			outs, refOuts = append(outs, got), append(refOuts, want)
			if fr.w.Task == workloads.Recurrent && diverge == 0 && experiment.MaxAbsDiff(got.Data, want.Data) != 0 {
				diverge = k + 1
			}
		}
		got, want := sr.run.Outputs[0].Data, ref[m.Outputs[0]].Data
		if fr.w.Task == workloads.Classifier && experiment.Argmax(got) != experiment.Argmax(want) {
			flips++
		}
	}
	r.Digest = experiment.Digest(outs)
	r.Identical = r.Digest == experiment.Digest(refOuts)
	r.MaxLSB, r.Changed = dev.MaxLSB, dev.Changed
	r.NNAPIPass = dev.MaxLSB <= experiment.NNAPILimit(fr.w)
	switch fr.w.Task {
	case workloads.Classifier:
		r.Top1Flips = &flips
	case workloads.Recurrent:
		r.DivergenceStep = &diverge
	}
	return r, nil
}

// FleetFile and DevicesFile are the files of a fleet results directory.
const (
	FleetFile   = "fleet.json"
	DevicesFile = "devices.jsonl"
)

// WriteFleet writes a fleet's spec, the digests of the contents its names
// stand for (Contents), and its device results (one JSON line per device,
// in device order) into dir; the directory must not hold anything.
func WriteFleet(dir string, spec FleetSpec, shard *Shard, devices []DeviceResult) error {
	contents, err := spec.Contents()
	if err != nil {
		return err
	}
	return writeFleet(dir, fleetHead{spec, shard, contents}, devices)
}

func writeFleet(dir string, head fleetHead, devices []DeviceResult) error {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("results directory %s already exists and is not empty; choose another --out", dir)
	}
	if err := atomicfile.MkdirAll(dir); err != nil {
		return err
	}
	text, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, FleetFile), append(text, '\n')); err != nil {
		return err
	}
	var lines []byte
	for _, d := range devices {
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		lines = append(append(lines, b...), '\n')
	}
	return atomicfile.WriteBytes(filepath.Join(dir, DevicesFile), lines)
}

// fleetHead is the content of fleet.json.
type fleetHead struct {
	Spec  FleetSpec `json:"spec"`
	Shard *Shard    `json:"shard,omitempty"`
	// Contents maps "policy NAME", "hw NAME" and "workload NAME" to the
	// digests of what the names stood for when the fleet ran, so that
	// merge refuses shards made from different files under one name.
	Contents map[string]string `json:"contents,omitempty"`
}

// Contents returns the digests of the policies, hardware and workload the
// spec names, keyed "policy NAME", "hw NAME" and "workload NAME".
func (f FleetSpec) Contents() (map[string]string, error) {
	c := map[string]string{}
	for _, name := range f.Policies {
		p, err := drivers.LoadPolicy(name)
		if err != nil {
			return nil, err
		}
		c["policy "+name] = p.Digest()
	}
	for _, name := range f.HW {
		h, err := npu.LoadConfig(name)
		if err != nil {
			return nil, err
		}
		c["hw "+name] = h.Digest()
	}
	w, err := loader.New().Load(f.Workload)
	if err != nil {
		return nil, err
	}
	c["workload "+f.Workload] = w.Digest()
	return c, nil
}

// LoadFleet reads a fleet results directory.
func LoadFleet(dir string) (FleetSpec, []DeviceResult, error) {
	head, devices, err := loadFleet(dir)
	return head.Spec, devices, err
}

// loadFleet reads a fleet directory's fleet.json and devices.jsonl, which
// must hold every device of its fleet (of its shard).
func loadFleet(dir string) (fleetHead, []DeviceResult, error) {
	var head fleetHead
	data, err := limits.ReadFile(filepath.Join(dir, FleetFile))
	if err != nil {
		return head, nil, fmt.Errorf("fleet directory %s: %w", dir, err)
	}
	if err := jsonfile.Decode(data, &head, false); err != nil {
		return head, nil, fmt.Errorf("fleet directory %s: %s: %w", dir, FleetFile, err)
	}
	lines, err := limits.ReadFile(filepath.Join(dir, DevicesFile))
	if err != nil {
		return head, nil, fmt.Errorf("fleet directory %s: %w", dir, err)
	}
	var devices []DeviceResult
	dec := json.NewDecoder(bytes.NewReader(lines))
	for dec.More() {
		var d DeviceResult
		if err := dec.Decode(&d); err != nil {
			return head, nil, fmt.Errorf("fleet directory %s: %s: %w", dir, DevicesFile, jsonfile.Explain(lines, err))
		}
		devices = append(devices, d)
	}
	if err := fleetCovers(head, devices); err != nil {
		return head, nil, fmt.Errorf("fleet directory %s: %s: %w", dir, DevicesFile, err)
	}
	return head, devices, nil
}

// fleetCovers checks that a fleet directory holds every device of its fleet
// (of its shard), once each, in device order.
func fleetCovers(head fleetHead, devices []DeviceResult) error {
	if head.Spec.Devices < 1 {
		return fmt.Errorf("its fleet has %d devices", head.Spec.Devices)
	}
	if err := limits.Check(limits.Devices, "devices", uint64(head.Spec.Devices)); err != nil {
		return err
	}
	k := 0
	for i := range head.Spec.Devices {
		if head.Shard != nil && !head.Shard.includes(i) {
			continue
		}
		if k >= len(devices) || devices[k].Device != i {
			return fmt.Errorf("holds %d devices, not device %d of its fleet of %d", len(devices), i, head.Spec.Devices)
		}
		k++
	}
	if k != len(devices) {
		return fmt.Errorf("holds %d devices, its fleet has %d", len(devices), k)
	}
	return nil
}

// FailedDevices counts the devices that failed (see DeviceResult.Failed)
// and those that ran.
func FailedDevices(devices []DeviceResult) (failed, ran int) {
	for _, d := range devices {
		switch {
		case d.Failed:
			failed++
		case d.Error == "":
			ran++
		}
	}
	return failed, ran
}

// equal reports whether two specs describe the same fleet.
func (f FleetSpec) equal(g FleetSpec) bool {
	return f.Workload == g.Workload && f.Devices == g.Devices && slices.Equal(f.HW, g.HW) &&
		slices.Equal(f.Policies, g.Policies) && f.Seed == g.Seed && f.Samples == g.Samples
}

// MergeFleet combines the directories of a sharded fleet into dir, in
// device order; every device must be present exactly once.
func MergeFleet(dir string, shards []string) (FleetSpec, []DeviceResult, error) {
	var spec FleetSpec
	byID := map[int]DeviceResult{}
	seen := contents{}
	for k, s := range shards {
		head, devices, err := loadFleet(s)
		if err != nil {
			return spec, nil, err
		}
		if k > 0 && !head.Spec.equal(spec) {
			return spec, nil, fmt.Errorf("fleet directory %s holds a different fleet than %s", s, shards[0])
		}
		if err := seen.merge(head.Contents, "fleet directory "+s); err != nil {
			return spec, nil, err
		}
		spec = head.Spec
		for _, d := range devices {
			if _, dup := byID[d.Device]; dup {
				return spec, nil, fmt.Errorf("device %d appears in more than one shard", d.Device)
			}
			byID[d.Device] = d
		}
	}
	devices := make([]DeviceResult, spec.Devices)
	for i := range devices {
		d, ok := byID[i]
		if !ok {
			return spec, nil, fmt.Errorf("the shards lack device %d", i)
		}
		devices[i] = d
	}
	return spec, devices, writeFleet(dir, fleetHead{Spec: spec, Contents: seen}, devices)
}
