package npu

import (
	"math"
	"testing"

	"github.com/npusim/npusim/internal/fuzzcheck"
)

// FuzzParseConfig: any YAML gives a configuration that validates, whose
// every rate and energy is finite and positive where it divides, or one
// error line naming the file and the field; reading allocates at most
// 1 MiB plus 256 bytes per input byte.
func FuzzParseConfig(f *testing.F) {
	for _, name := range Presets() {
		c, err := LoadConfig(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(c.Source)
	}
	f.Add([]byte("name: x\nclock_mhz: 1000\narray: {rows: 8.5, cols: 8}\n"))
	f.Add([]byte("a: &a [1, 1, 1, 1]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"))
	f.Add([]byte("dram: {bandwidth_gbps: 1e-300}\n---\nname: second\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c *Config
		var err error
		fuzzcheck.Alloc(t, 1<<20+256*uint64(len(data)), func() { c, err = ParseConfig("f.yaml", data) })
		if err != nil {
			fuzzcheck.Error(t, err, "hw config f.yaml")
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("a parsed config does not validate: %v", err)
		}
		if r := c.TransferBytesPerCycle(); !(r > 0) || math.IsInf(r, 0) {
			t.Fatalf("transfer rate %v", r)
		}
	})
}
