package drivers_test

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/vectors"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/cases"
)

func loadCases(t *testing.T) []*cases.Case { return vectors.NNAPICases(t) }

var mustHW, mustPolicy = drivers.MustHW, drivers.MustPolicy

// TestReferencePolicyPassesNNAPI runs every NNAPI case through the reference
// driver and the NPU on each preset that implements double rounding, and
// requires the expected output exactly.
func TestReferencePolicyPassesNNAPI(t *testing.T) {
	ref := mustPolicy(t, "reference")
	for _, hwName := range []string{"mobile-npu", "tiny"} {
		hw := mustHW(t, hwName)
		for _, c := range loadCases(t) {
			compiled, err := drivers.Compile(c.Model, ref, hw)
			if err != nil {
				t.Fatalf("%s on %s: %v", c.Name, hwName, err)
			}
			run, err := experiment.RunCompiled(compiled, c.Inputs)
			if err != nil {
				t.Fatalf("%s on %s: %v", c.Name, hwName, err)
			}
			if got := run.Outputs[0].Data; !slices.Equal(got, c.Expected.Data) {
				t.Errorf("%s on %s: NPU output differs from the expected one (max diff %d)\n got  %v\n want %v", c.Name, hwName, experiment.MaxAbsDiff(got, c.Expected.Data), got, c.Expected.Data)
			}
		}
	}
}
