package campaign

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/atomicfile"
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

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Record runs the samples of a workload (loaded with ws) under a policy on
// the hardware (in the device state, if given) and returns the manifest of
// the run.
func Record(ws *loader.Loader, workload, policy, hw string, samples []int, device *DeviceRef) (*Manifest, error) {
	w, p, cfg, err := loadCell(ws, workload, policy, hw)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Npusim: Version(), Workload: w.Name, Samples: samples, Policy: p.Label(), PolicyDigest: sha(p.Source),
		HW: cfg.Name, HWDigest: sha(cfg.Source), Device: device}
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
			m.Outputs = append(m.Outputs, TensorDigest{Tensor: w.Model.Tensors[o].Name, Sample: s, Digest: experiment.Digest(sr.run.Outputs[k : k+1])})
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

// ReadManifest reads a manifest file.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	if m.Workload == "" || m.Policy == "" || m.HW == "" || len(m.Samples) == 0 {
		return nil, fmt.Errorf("manifest %s: workload, policy, hw and samples are required", path)
	}
	return &m, nil
}

// ErrReplayDiffers reports a replay that did not reproduce its manifest.
var ErrReplayDiffers = errors.New("replay differs from the manifest")

// Replay reruns a manifest's run and compares every digest. It returns nil
// when the replay reproduces the run byte for byte, else an error naming
// the first input, configuration or tensor that differs.
func Replay(ws *loader.Loader, m *Manifest, policySource, hwSource string) error {
	p, err := drivers.LoadPolicy(policySource)
	if err != nil {
		return err
	}
	cfg, err := npu.LoadConfig(hwSource)
	if err != nil {
		return err
	}
	switch {
	case sha(p.Source) != m.PolicyDigest:
		return fmt.Errorf("%w: policy %s is not the one recorded (its source's digest %s, recorded %s)", ErrReplayDiffers, p.Label(), sha(p.Source)[:16], m.PolicyDigest[:16])
	case sha(cfg.Source) != m.HWDigest:
		return fmt.Errorf("%w: hardware %s is not the one recorded (its source's digest %s, recorded %s)", ErrReplayDiffers, cfg.Name, sha(cfg.Source)[:16], m.HWDigest[:16])
	}
	again, err := Record(ws, m.Workload, policySource, hwSource, m.Samples, m.Device)
	if err != nil {
		return err
	}
	if again.InputDigest != m.InputDigest {
		return fmt.Errorf("%w: the inputs of %s (samples %v) have digest %s, recorded %s", ErrReplayDiffers, m.Workload, m.Samples, again.InputDigest[:16], m.InputDigest[:16])
	}
	for _, pair := range []struct{ got, want []TensorDigest }{{again.Layers, m.Layers}, {again.Outputs, m.Outputs}} {
		for i, want := range pair.want {
			if i >= len(pair.got) {
				return fmt.Errorf("%w: tensor %s of sample %d was not produced", ErrReplayDiffers, want.Tensor, want.Sample)
			}
			if got := pair.got[i]; got != want {
				return fmt.Errorf("%w: tensor %s of sample %d has digest %s, recorded %s", ErrReplayDiffers, want.Tensor, want.Sample, got.Digest[:16], want.Digest[:16])
			}
		}
		if len(pair.got) != len(pair.want) {
			return fmt.Errorf("%w: %d tensors produced, %d recorded", ErrReplayDiffers, len(pair.got), len(pair.want))
		}
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
