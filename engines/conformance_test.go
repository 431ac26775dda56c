package engines

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/workloads"
)

// TestPackJudge writes a pack, plays an engine that returns the expected
// outputs (all exact), then one that is 2 LSB off in one value (outside
// NNAPI's 1 LSB for digits-mlp) and one that wrote nothing.
func TestPackJudge(t *testing.T) {
	dir := t.TempDir()
	w, err := zoo.Load("digits-mlp")
	if err != nil {
		t.Fatal(err)
	}
	pack, err := WritePack(dir, []*workloads.Workload{w}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(pack.Cases) != 2 {
		t.Fatalf("%d cases, want 2", len(pack.Cases))
	}
	if v, _ := Judge(dir); v[0].Err == nil {
		t.Errorf("no outputs written, verdict %v; want not run", v[0])
	}
	for _, c := range pack.Cases {
		data, err := os.ReadFile(filepath.Join(dir, c.Expected[0]))
		if err != nil {
			t.Fatal(err)
		}
		if c.Name == "digits-mlp#1" {
			data[len(data)-1] += 2
		}
		if err := os.WriteFile(filepath.Join(dir, c.Outputs[0]), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v, err := Judge(dir)
	if err != nil {
		t.Fatal(err)
	}
	if v[0].String() != "exact" || v[1].MaxLSB != 2 || v[1].Changed != 1 || v[1].String() != "outside NNAPI (2 LSB, 1 of 10 values changed)" {
		t.Errorf("verdicts %q and %q", v[0], v[1])
	}
}
