package drivers

import (
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
	})
}
