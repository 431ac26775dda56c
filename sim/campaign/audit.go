package campaign

import (
	"errors"
	"fmt"
	"strings"

	"github.com/npusim/npusim/internal/jsonfile"
	"github.com/npusim/npusim/internal/limits"
)

// ParseManifest decodes a manifest and checks every field before a replay
// trusts it; file names the manifest in errors. A manifest is written by
// npusim, so an unknown field, a digest that is not a SHA-256 in hex, a
// negative sample or run, or a device state recorded without its device is
// malformed (an error naming the field), not a difference to replay.
func ParseManifest(file string, data []byte) (*Manifest, error) {
	var m Manifest
	if err := jsonfile.Decode(data, &m, true); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", file, err)
	}
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", file, err)
	}
	return &m, nil
}

// Check checks every field of a manifest (see ParseManifest).
func (m *Manifest) Check() error {
	for _, f := range []struct{ field, v string }{{"workload", m.Workload}, {"policy", m.Policy}, {"hw", m.HW}} {
		if f.v == "" {
			return fmt.Errorf("%s: missing", f.field)
		}
	}
	digests := []struct{ field, v string }{
		{"inputDigest", m.InputDigest}, {"policyDigest", m.PolicyDigest}, {"hwDigest", m.HWDigest},
	}
	for _, f := range digests {
		if err := checkDigest(f.field, f.v); err != nil {
			return err
		}
	}
	if err := m.checkSamples(); err != nil {
		return err
	}
	switch {
	case m.Device == nil && m.State != nil:
		return errors.New("state: recorded without the device it is the state of")
	case m.Device != nil && m.State == nil:
		return errors.New("state: missing for a run on a device")
	case m.Device != nil && m.Device.Run < 0:
		return fmt.Errorf("device.run: must be >= 0, got %d", m.Device.Run)
	case m.Device != nil:
		if err := limits.Check(limits.Runs, "device.run", uint64(m.Device.Run)+1); err != nil {
			return err
		}
		if err := m.State.check(m.Device.Run); err != nil {
			return err
		}
	}
	for _, list := range []struct {
		field   string
		tensors []TensorDigest
	}{{"layers", m.Layers}, {"outputs", m.Outputs}} {
		if err := m.checkTensors(list.field, list.tensors); err != nil {
			return err
		}
	}
	return nil
}

// checkSamples checks the recorded sample indices.
func (m *Manifest) checkSamples() error {
	if len(m.Samples) == 0 {
		return errors.New("samples: missing")
	}
	if err := limits.Check(limits.Samples, "samples", uint64(len(m.Samples))); err != nil {
		return err
	}
	for i, s := range m.Samples {
		if s < 0 {
			return fmt.Errorf("samples[%d]: must be >= 0, got %d", i, s)
		}
	}
	return nil
}

// checkTensors checks a list of tensor digests: named, of a recorded
// sample, each a SHA-256.
func (m *Manifest) checkTensors(field string, tensors []TensorDigest) error {
	most := limits.Mul(uint64(limits.Of(limits.Ops)), uint64(len(m.Samples)))
	if uint64(len(tensors)) > most {
		return fmt.Errorf("%s: %d tensors, more than %d operations x %d samples",
			field, len(tensors), limits.Of(limits.Ops), len(m.Samples))
	}
	samples := map[int]bool{}
	for _, s := range m.Samples {
		samples[s] = true
	}
	for i, t := range tensors {
		at := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case t.Tensor == "":
			return fmt.Errorf("%s.tensor: missing", at)
		case !samples[t.Sample]:
			return fmt.Errorf("%s.sample: %d is not one of the recorded samples", at, t.Sample)
		}
		if err := checkDigest(at+".digest", t.Digest); err != nil {
			return err
		}
	}
	return nil
}

// checkDigest checks that a field holds a SHA-256 in hex.
func checkDigest(field, d string) error {
	if !isDigest(d) {
		return fmt.Errorf("%s: want a SHA-256 in hex (64 characters 0-9 a-f), got %q", field, short(d))
	}
	return nil
}

// short cuts a digest or value to at most 16 characters for messages.
func short(d string) string {
	if len(d) > 16 {
		return d[:16]
	}
	return d
}

// withRecordedVersion returns the policy to load for a replay: the one
// given, with the recorded version appended when the manifest records one
// and the given policy names none ("my.yaml" replays "my.yaml@1.1").
func withRecordedVersion(policy, recorded string) string {
	if strings.Contains(policy, "@") {
		return policy
	}
	if _, version, ok := strings.Cut(recorded, "@"); ok {
		return policy + "@" + version
	}
	return policy
}

// check checks a recorded device state: of the device's run, each share a
// fraction, the clock factor in (0, 1], the temperature a finite number of
// degrees above absolute zero.
func (s *DeviceState) check(run int) error {
	switch {
	case s.Run != run:
		return fmt.Errorf("state.run: %d, but device.run is %d", s.Run, run)
	case !(s.TemperatureC > -273.15 && s.TemperatureC < 1000):
		return fmt.Errorf("state.temperatureC: %v is not a die temperature", s.TemperatureC)
	case !(s.ClockFactor > 0 && s.ClockFactor <= 1):
		return fmt.Errorf("state.clockFactor: must be in (0, 1], got %v", s.ClockFactor)
	case !(s.SRAMHeld >= 0 && s.SRAMHeld < 1):
		return fmt.Errorf("state.sramHeld: must be in [0, 1), got %v", s.SRAMHeld)
	case !(s.Load >= 0 && s.Load <= 1):
		return fmt.Errorf("state.load: must be in [0, 1], got %v", s.Load)
	}
	return nil
}
