package drivers

import (
	"reflect"
	"testing"

	"github.com/npusim/npusim/internal/fuzzcheck"
)

// FuzzParsePolicy: any YAML gives a policy every version of which loads,
// or one error line naming the file and the field; reading allocates at
// most 1 MiB plus 256 bytes per input byte.
func FuzzParsePolicy(f *testing.F) {
	for _, name := range Presets() {
		p, err := LoadPolicy(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p.Source)
	}
	f.Add([]byte("name: p\naccumulator: {bits: 16.0, overflow: wrap}\n"))
	f.Add([]byte("versions:\n  \"1.0\": 7\n  \"2\\n\": {requant: [mult16]}\n"))
	f.Add([]byte("dynamic:\n - when: {hotter_than: .inf, ops: [CONV_2D, POOL]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p *Policy
		var err error
		fuzzcheck.Alloc(t, 1<<20+256*uint64(len(data)), func() { p, err = ParsePolicy("f.yaml", data) })
		if err != nil {
			fuzzcheck.Error(t, err, "policy f.yaml")
			return
		}
		for _, v := range p.VersionNames() {
			if _, err := p.withVersion(v); err != nil {
				t.Fatalf("version %q of a parsed policy does not load: %v", v, err)
			}
		}
		checkBaseUnchanged(t, p, data)
	})
}

// checkBaseUnchanged checks that loading a policy's versions left its
// base as the file says it is.
func checkBaseUnchanged(t *testing.T, p *Policy, data []byte) {
	t.Helper()
	fresh, err := ParsePolicy("f.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range p.VersionNames() {
		if _, err := p.withVersion(v); err != nil {
			t.Fatalf("version %q of a parsed policy does not load: %v", v, err)
		}
	}
	if !reflect.DeepEqual(fresh.Requant, p.Requant) || !reflect.DeepEqual(fresh.Dynamic, p.Dynamic) || fresh.Accumulator != p.Accumulator ||
		fresh.NudgeZeroPoints != p.NudgeZeroPoints || fresh.Weights != p.Weights || len(fresh.Versions) != len(p.Versions) {
		t.Fatalf("loading the versions changed the base policy: %+v, the file says %+v", p, fresh)
	}
}

// TestVersionsLeaveTheBaseAlone: checking every version of vendor-a when
// it is read leaves its base at mult16 (the decoder writes through the
// base's pointers unless they are copied).
func TestVersionsLeaveTheBaseAlone(t *testing.T) {
	p, err := LoadPolicy("vendor-a")
	if err != nil {
		t.Fatal(err)
	}
	if p.Requant == nil || p.Requant.String() != "mult16" {
		t.Errorf("vendor-a's base requantizes with %v, want mult16", p.Requant)
	}
	checkBaseUnchanged(t, p, p.Source)
	for version, want := range map[string]string{"1.0": "mult16", "1.1": "single-rounding", "1.2": "single-rounding"} {
		v, err := LoadPolicy("vendor-a@" + version)
		if err != nil || v.Requant.String() != want {
			t.Errorf("vendor-a@%s: %v, %v; want %s", version, v, err, want)
		}
	}
}
