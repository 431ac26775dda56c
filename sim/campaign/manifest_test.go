package campaign

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/npusim/npusim/internal/fuzzcheck"
	"github.com/npusim/npusim/workloads/loader"
)

// recorded returns the manifest of mac2x3 under vendor-dynamic on run 2
// of device 1, and its JSON.
func recorded(t testing.TB) (*Manifest, []byte) {
	t.Helper()
	m, err := Record(loader.New(), "mac2x3", "vendor-dynamic", "mobile-npu", []int{0}, &DeviceRef{Seed: 1, Run: 2})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return m, data
}

// FuzzParseManifest: any bytes give a manifest whose every field passes
// Check, or one error line naming the file and the field; reading
// allocates at most 64 KiB plus 64 bytes per input byte.
func FuzzParseManifest(f *testing.F) {
	_, data := recorded(f)
	f.Add(data)
	f.Add([]byte(strings.Replace(string(data), `"run":2`, `"run":3000000000000`, 1)))
	f.Add([]byte(strings.Replace(string(data), `"samples":[0]`, `"samples":[0,-7]`, 1)))
	f.Add([]byte(`{"workload":"mac2x3","samples":[0],"policy":"reference","hw":"tiny","layers":[{"digest":"ab"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m *Manifest
		var err error
		fuzzcheck.Alloc(t, 64<<10+64*uint64(len(data)), func() { m, err = ParseManifest("f.json", data) })
		if err != nil {
			fuzzcheck.Error(t, err, "manifest f.json")
			return
		}
		if err := m.Check(); err != nil || !isDigest(m.PolicyDigest) || m.Device != nil && m.State == nil {
			t.Fatalf("a parsed manifest: %v", err)
		}
	})
}

// TestReplayAudits edits one field of a recorded manifest at a time: a
// malformed field is an error naming it (exit 2 at the command line), an
// edited value that is well formed is a difference (exit 1), and the
// manifest as recorded replays.
func TestReplayAudits(t *testing.T) {
	m, data := recorded(t)
	ws := loader.New()
	if err := Replay(ws, m, m.Policy, m.HW); err != nil {
		t.Fatalf("the recorded manifest: %v", err)
	}
	cases := []struct {
		name, old, new, want string
		differs              bool
	}{
		{"cold state", `"temperatureC":`, `"temperatureC":-40.5,"x":`, "x: unknown field", false},
		{"state edited", `"sramHeld":0`, `"sramHeld":0.5`, "the recorded state", true},
		{"version edited", `"policy":"vendor-dynamic"`, `"policy":"vendor-a@1.0"`, "policy vendor-a@1.0 is not the one recorded", true},
		{"digest cut", `"hwDigest":"`, `"hwDigest":"0`, "hwDigest: want a SHA-256", false},
		{"run far", `"run":2}`, `"run":99999999999}`, "device.run: 100000000000 runs, more than the limit", false},
		{"sample not recorded", `"sample":0`, `"sample":4`, "layers[0].sample: 4 is not one of the recorded samples", false},
		{"state alone", `"device":{"seed":1,"run":2},`, ``, "state: recorded without the device", false},
	}
	for _, c := range cases {
		text := strings.Replace(string(data), c.old, c.new, 1)
		if text == string(data) {
			t.Fatalf("%s: %q not in the manifest", c.name, c.old)
		}
		edited, err := ParseManifest("m.json", []byte(text))
		if err == nil {
			err = Replay(ws, edited, edited.Policy, edited.HW)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrReplayDiffers) != c.differs {
			t.Errorf("%s: error %v; want one containing %q (a difference: %v)", c.name, err, c.want, c.differs)
		}
	}
}
