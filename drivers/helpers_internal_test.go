package drivers

import (
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// quantizedModel builds a float model with build (which returns its
// outputs) and quantizes it on two seeded random calibration samples.
func quantizedModel(t *testing.T, build func(b *workloads.Builder) []int) *workloads.Model {
	t.Helper()
	b := workloads.NewBuilder("test", 1)
	fm := b.Build("test", build(b)...)
	rng := rand.New(rand.NewPCG(1, 2))
	var calib [][][]float32
	for range 2 {
		var sample [][]float32
		for _, i := range fm.Inputs {
			x := make([]float32, quant.NumElements(fm.Tensors[i].Shape))
			for k := range x {
				x[k] = float32(rng.NormFloat64())
			}
			sample = append(sample, x)
		}
		calib = append(calib, sample)
	}
	m, err := workloads.Quantize(fm, calib)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func loadHW(t testing.TB, name string) *npu.Config {
	t.Helper()
	hw, err := npu.LoadConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	return hw
}

func loadPolicy(t testing.TB, name string) *Policy {
	t.Helper()
	p, err := LoadPolicy(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// planFor runs the stages up to the plan on a model.
func planFor(t *testing.T, m *workloads.Model, policy, hwName string) *modelPlan {
	t.Helper()
	p, hw := loadPolicy(t, policy), loadHW(t, hwName)
	res, err := resolvePolicy(p, hw, m, Idle)
	if err != nil {
		t.Fatal(err)
	}
	tm, _, err := applyPasses(m, p, hw)
	if err != nil {
		t.Fatal(err)
	}
	mp, err := planModel(m, tm, res, hw, false)
	if err != nil {
		t.Fatal(err)
	}
	return mp
}

// layerPlans returns the plans of the layer with the given name.
func (mp *modelPlan) layerPlans(t *testing.T, name string) []layerPlan {
	t.Helper()
	for _, l := range mp.layers {
		if l.name == name {
			return l.plans
		}
	}
	t.Fatalf("no layer %s", name)
	return nil
}

// stepNames lists a schedule's steps by name.
func stepNames(steps []step) []string {
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.String()
	}
	return names
}
