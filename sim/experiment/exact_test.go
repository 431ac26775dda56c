package experiment

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/npusim/npusim/workloads/zoo"
)

// TestReferenceIsExactOnEveryPreset holds the reference policy on every
// hardware preset, through whatever exact routes the hardware needs, to the
// interpreter: every NNAPI vector at tolerance 0, and every zoo workload's
// digest (the heavy ones only without -short).
func TestReferenceIsExactOnEveryPreset(t *testing.T) {
	ref, err := drivers.LoadPolicy("reference")
	if err != nil {
		t.Fatal(err)
	}
	byName := loadNNAPI(t)
	ws, refs := loader.New(), NewReferences()
	heavy := map[string]bool{"resnet18": true, "mobilenet-v1": true, "mobilenet-v2": true}
	for _, hwName := range npu.Presets() {
		hw, err := npu.LoadConfig(hwName)
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range byName {
			r, err := CheckCaseOnNPU(name, c, ref, hw, 0)
			if err != nil || !r.Pass {
				t.Errorf("%s on %s: %v, max difference %d LSB", name, hwName, err, r.MaxDiff)
			}
		}
		for _, w := range zoo.Names() {
			if heavy[w] && (testing.Short() || hwName == "tiny") {
				continue
			}
			r, err := Run(Cell{Workload: w, Policy: "reference", HW: hwName, Samples: 1}, ws, refs)
			if err != nil {
				t.Fatalf("%s on %s: %v", w, hwName, err)
			}
			if r.Digest != r.RefDigest {
				t.Errorf("%s on %s (%s): digest %s, the interpreter's %s", w, hwName, r.Routes, r.Digest[:12], r.RefDigest[:12])
			}
		}
	}
}

// TestShortcutsNeverTakeRoutes: a shortcut policy runs what the hardware
// has (converting the model where the hardware forces it) or is refused,
// and never takes an exact route.
func TestShortcutsNeverTakeRoutes(t *testing.T) {
	ws, refs := loader.New(), NewReferences()
	for _, hw := range []string{"fixed-per-tensor", "low-cost", "dsp-hvx-like"} {
		r, err := Run(Cell{Workload: "digits-cnn", Policy: "mult16", HW: hw, Samples: 2}, ws, refs)
		if err != nil {
			if !strings.Contains(err.Error(), "does not implement") {
				t.Errorf("mult16 on %s: %v", hw, err)
			}
			continue
		}
		if r.Routes != "" {
			t.Errorf("mult16 on %s took routes: %s", hw, r.Routes)
		}
	}
	_, err := Run(Cell{Workload: "digits-cnn", Policy: "truncate", HW: "fixed-per-tensor", Samples: 2}, ws, refs)
	if err == nil || !strings.Contains(err.Error(), "does not implement") {
		t.Errorf("truncate on fixed-per-tensor: %v", err)
	}
	r, err := Run(Cell{Workload: "digits-cnn", Policy: "zp-nudge", HW: "fixed-per-tensor", Samples: 2}, ws, refs)
	if err != nil {
		t.Fatalf("zp-nudge on fixed-per-tensor: %v", err)
	}
	if r.Routes != "" || !strings.Contains(strings.Join(r.Notes, "; "), "forced per-tensor weights") {
		t.Errorf("zp-nudge on fixed-per-tensor: routes %q, notes %q", r.Routes, r.Notes)
	}
}

// TestFallbacks: a policy's fallback chooses among the routes. Forced onto
// the CPU, digits-mlp's two fully connected layers on edge-tpu-like form one
// partition (one hand-off) and stay exact; allowed only emulations, a
// layer that needs integer arithmetic the vector unit of fixed-per-tensor
// lacks has no route, and the error says why.
func TestFallbacks(t *testing.T) {
	cpu, err := drivers.ParsePolicy("cpu.yaml", []byte("name: exact-cpu\nexact: true\nfallback: cpu\nrequant: double-rounding\n"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := zoo.Load("digits-mlp")
	if err != nil {
		t.Fatal(err)
	}
	hw, err := npu.LoadConfig("edge-tpu-like")
	if err != nil {
		t.Fatal(err)
	}
	c, err := drivers.Compile(w.Model, cpu, hw)
	if err != nil {
		t.Fatal(err)
	}
	run, err := RunCompiled(c, w.Inputs[0])
	if err != nil {
		t.Fatal(err)
	}
	want, err := RunReference(w.Model, w.Inputs[0], quant.VariantDoubleRounding)
	if err != nil {
		t.Fatal(err)
	}
	if got := drivers.SummarizeRoutes(c.Routes); got != "cpu: 2 layers" || run.Stats.Counters.Host.Handoffs != 1 ||
		!slices.Equal(run.Outputs[0].Data, want[w.Model.Outputs[0]].Data) {
		t.Errorf("routes %q, %d hand-offs, outputs %v, want %v", got, run.Stats.Counters.Host.Handoffs, run.Outputs[0].Data, want[w.Model.Outputs[0]].Data)
	}
	emulate, err := drivers.ParsePolicy("emulate.yaml", []byte("name: exact-npu\nexact: true\nfallback: emulate\nrequant: double-rounding\n"))
	if err != nil {
		t.Fatal(err)
	}
	fixed, _ := npu.LoadConfig("fixed-per-tensor")
	_, err = CheckCaseOnNPU("conv_quant8_2", loadNNAPI(t)["conv_quant8_2"], emulate, fixed, 0)
	if err == nil || !strings.Contains(err.Error(), "no exact route is available: weight-zero-point-fold: the vector unit of fixed-per-tensor has no integer datapath") {
		t.Errorf("emulations only on fixed-per-tensor: %v", err)
	}
}

// TestPerTensorRequantizerTakesTheCheaper: on a per-tensor requantizer with
// a 32-bit vector datapath (fixed-per-tensor given one), channel groups
// serve a convolution over a 12x12 image (144 outputs per command amortise
// each group's pipeline), while a classifier over one pixel, 256 channels
// of one output each, is cheaper as a vector sequence; both stay exact.
func TestPerTensorRequantizerTakesTheCheaper(t *testing.T) {
	base, err := npu.LoadConfig("fixed-per-tensor")
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(string(base.Source), "  mac_pj: 0.08\n", "  mac_pj: 0.08\n  integer: {multiplier_bits: 32, lanes: 32, op_pj: 0.01, mul16_pj: 0.07, mul32_pj: 0.22}\n", 1)
	hw, err := npu.ParseConfig("per-tensor-dsp.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	b := workloads.NewBuilder("two-convs", 7)
	x := b.Input("x", 1, 12, 12, 8)
	x = b.Conv("spatial", x, 16, 3, 3, 1, workloads.Same, quant.ActRelu)
	x = b.GlobalAveragePool("gap", x)
	x = b.Conv("classifier", x, 256, 1, 1, 1, workloads.Same, quant.ActNone)
	rng := rand.New(rand.NewPCG(7, 7))
	sample := func() []float32 {
		v := make([]float32, 12*12*8)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	m, err := workloads.Quantize(b.Build("two-convs", x), [][][]float32{{sample()}, {sample()}})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := drivers.LoadPolicy("reference")
	c, err := drivers.Compile(m, ref, hw)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"spatial": "emulated: per-channel-groups", "gap": "native", "classifier": "emulated: vector-requant/double-rounding"}
	for _, r := range c.Routes {
		if r.Label() != want[r.Layer] {
			t.Errorf("%s: %s (%s), want %s", r.Layer, r.Label(), r.Why, want[r.Layer])
		}
	}
	in := []*quant.Tensor{workloads.QuantizeInput(m.Tensors[m.Inputs[0]], sample())}
	run, err := RunCompiled(c, in)
	if err != nil {
		t.Fatal(err)
	}
	values, err := RunReference(m, in, quant.VariantDoubleRounding)
	if err != nil {
		t.Fatal(err)
	}
	if got := run.Outputs[0].Data; !slices.Equal(got, values[m.Outputs[0]].Data) {
		t.Errorf("outputs differ from the reference by up to %d LSB", MaxAbsDiff(got, values[m.Outputs[0]].Data))
	}
}
