package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/loader"
)

// Version identifies this build of npusim: its module version and, when
// built from a checkout, the commit.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "npusim (unknown build)"
	}
	v := "npusim " + info.Main.Version
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+modified"
			}
		}
	}
	if rev != "" {
		v += " " + rev + dirty
	}
	return v
}

// TensorDigest is the SHA-256 of one tensor of one sample.
type TensorDigest struct {
	Tensor string `json:"tensor"`
	Sample int    `json:"sample"`
	Digest string `json:"digest"`
}

// Manifest records one run completely enough to replay it: what ran, on
// what, in which device state, and the digest of every tensor it produced.
type Manifest struct {
	Npusim      string `json:"npusim"`
	Workload    string `json:"workload"`
	Samples     []int  `json:"samples"`
	InputDigest string `json:"inputDigest"`
	// Policy is the policy's label (name@version) and PolicyDigest the
	// SHA-256 of its YAML source; HW and HWDigest likewise.
	Policy       string `json:"policy"`
	PolicyDigest string `json:"policyDigest"`
	HW           string `json:"hw"`
	HWDigest     string `json:"hwDigest"`
	// Device is set for runs on an evolving device: its seed and the run
	// index determine the state, recorded in State for reading.
	Device *DeviceRef     `json:"device,omitempty"`
	State  *DeviceState   `json:"state,omitempty"`
	Layers []TensorDigest `json:"layers"`
	// Outputs are the model outputs on the application's grid.
	Outputs []TensorDigest `json:"outputs"`
}

// DeviceRef names a simulated device's state: its seed and run index.
type DeviceRef struct {
	Seed uint64 `json:"seed"`
	Run  int    `json:"run"`
}

// Record runs the samples of a workload (loaded with ws) under a policy on
// the hardware (in the device state, if given) and returns the manifest of
// the run.
func Record(ws *loader.Loader, workload, policy, hw string, samples []int, device *DeviceRef) (*Manifest, error) {
	w, p, cfg, err := loadCell(ws, workload, policy, hw)
	if err != nil {
		return nil, err
	}
	if err := w.CheckRun(len(samples), 1); err != nil {
		return nil, err
	}
	m := &Manifest{Npusim: Version(), Workload: w.Name, Samples: samples, Policy: p.Label(), PolicyDigest: p.Digest(),
		HW: cfg.Name, HWDigest: cfg.Digest(), Device: device}
	state := DeviceState{ClockFactor: 1}
	if device != nil {
		state = StateAt(device.Seed, device.Run)
		m.State = &state
	}
	var inputs []*quant.Tensor
	compiled := newPrograms()
	for _, s := range samples {
		if s < 0 || s >= len(w.Inputs) {
			return nil, fmt.Errorf("sample %d: %s has samples 0..%d", s, w.Name, len(w.Inputs)-1)
		}
		inputs = append(inputs, w.Inputs[s]...)
		sr, err := compiled.run(w, p, cfg, state, s)
		if err != nil {
			return nil, err
		}
		for _, op := range w.Model.Ops {
			if t := sr.run.Tensors[op.Output]; t != nil { // nil: a vendor fusion never computes it
				m.Layers = append(m.Layers, TensorDigest{Tensor: op.Name, Sample: s, Digest: experiment.Digest([]*quant.Tensor{t})})
			}
		}
		for k, o := range w.Model.Outputs {
			digest := experiment.Digest(sr.run.Outputs[k : k+1])
			m.Outputs = append(m.Outputs, TensorDigest{Tensor: w.Model.Tensors[o].Name, Sample: s, Digest: digest})
		}
	}
	m.InputDigest = experiment.Digest(inputs)
	return m, nil
}

// WriteManifest writes a manifest as indented JSON (atomically).
func WriteManifest(path string, m *Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(data, '\n'))
}

// ReadManifest reads a manifest file and checks every field (see
// ParseManifest).
func ReadManifest(path string) (*Manifest, error) {
	data, err := limits.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return ParseManifest(path, data)
}

// ErrReplayDiffers reports a replay that did not reproduce its manifest.
var ErrReplayDiffers = errors.New("replay differs from the manifest")

// Replay reruns a manifest's run and compares every digest. It returns nil
// when the replay reproduces the run byte for byte, else an error naming
// the first input, configuration, device state or tensor that differs. A
// policy given without a version gets the recorded one (a run recorded with
// my.yaml@1.1 replays with --policy my.yaml); the policy's digest covers its
// version, so a manifest whose version was edited does not replay.
func Replay(ws *loader.Loader, m *Manifest, policySource, hwSource string) error {
	if err := m.Check(); err != nil {
		return err
	}
	policySource = withRecordedVersion(policySource, m.Policy)
	p, err := drivers.LoadPolicy(policySource)
	if err != nil {
		return err
	}
	cfg, err := npu.LoadConfig(hwSource)
	if err != nil {
		return err
	}
	if err := m.sameSetup(p, cfg); err != nil {
		return err
	}
	again, err := Record(ws, m.Workload, policySource, hwSource, m.Samples, m.Device)
	if err != nil {
		return err
	}
	if again.InputDigest != m.InputDigest {
		return fmt.Errorf("%w: the inputs of %s (samples %v) have digest %s, recorded %s",
			ErrReplayDiffers, m.Workload, m.Samples, short(again.InputDigest), short(m.InputDigest))
	}
	for _, pair := range []struct{ got, want []TensorDigest }{{again.Layers, m.Layers}, {again.Outputs, m.Outputs}} {
		for i, want := range pair.want {
			if i >= len(pair.got) {
				return fmt.Errorf("%w: tensor %s of sample %d was not produced", ErrReplayDiffers, want.Tensor, want.Sample)
			}
			if got := pair.got[i]; got != want {
				return fmt.Errorf("%w: tensor %s of sample %d has digest %s, recorded %s",
					ErrReplayDiffers, want.Tensor, want.Sample, short(got.Digest), short(want.Digest))
			}
		}
		if len(pair.got) != len(pair.want) {
			return fmt.Errorf("%w: %d tensors produced, %d recorded", ErrReplayDiffers, len(pair.got), len(pair.want))
		}
	}
	return nil
}

// sameSetup compares what the replay loaded with what the manifest
// recorded: the policy (its contents and version), the hardware, and the
// device state, recomputed from the device's seed and run.
func (m *Manifest) sameSetup(p *drivers.Policy, cfg *npu.Config) error {
	switch {
	case p.Digest() != m.PolicyDigest:
		return fmt.Errorf("%w: policy %s is not the one recorded (its digest %s, recorded %s for %s)",
			ErrReplayDiffers, p.Label(), short(p.Digest()), short(m.PolicyDigest), m.Policy)
	case cfg.Digest() != m.HWDigest:
		return fmt.Errorf("%w: hardware %s is not the one recorded (its digest %s, recorded %s)",
			ErrReplayDiffers, cfg.Name, short(cfg.Digest()), short(m.HWDigest))
	case m.Device == nil:
		return nil
	}
	if want := StateAt(m.Device.Seed, m.Device.Run); want != *m.State {
		return fmt.Errorf("%w: the recorded state (%.1f C, clock x%g, %.0f%% SRAM held, load %g) "+
			"is not the state of device seed %d at run %d (%.1f C, clock x%g, %.0f%% SRAM held, load %g)",
			ErrReplayDiffers, m.State.TemperatureC, m.State.ClockFactor, 100*m.State.SRAMHeld, m.State.Load,
			m.Device.Seed, m.Device.Run, want.TemperatureC, want.ClockFactor, 100*want.SRAMHeld, want.Load)
	}
	return nil
}

// AllSamples lists the samples 0..n-1 of a workload.
func AllSamples(w *workloads.Workload, limit int) []int {
	n := len(w.Inputs)
	if limit > 0 {
		n = min(n, limit)
	}
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
