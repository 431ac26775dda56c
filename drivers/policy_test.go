package drivers_test

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/cases"
	"github.com/npusim/npusim/workloads/zoo"
)

// caseDiff runs a case through a policy on the NPU and returns the largest
// difference from the case's expected output.
func caseDiff(t *testing.T, c *cases.Case, policy, hw string) int64 {
	t.Helper()
	compiled, err := drivers.Compile(c.Model, mustPolicy(t, policy), mustHW(t, hw))
	if err != nil {
		t.Fatalf("%s under %s on %s: %v", c.Name, policy, hw, err)
	}
	run, err := experiment.RunCompiled(compiled, c.Inputs)
	if err != nil {
		t.Fatalf("%s under %s on %s: %v", c.Name, policy, hw, err)
	}
	return experiment.MaxAbsDiff(run.Outputs[0].Data, c.Expected.Data)
}

func caseByName(t *testing.T, name string) *cases.Case {
	t.Helper()
	for _, c := range loadCases(t) {
		if c.Name == name {
			return c
		}
	}
	f, err := cases.Load(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return f.Cases[0]
}

// TestPresetsDeviateWhereTheyMust names, for each arithmetic preset, the
// case that shows its shortcut, and checks it leaves the other NNAPI cases
// within NNAPI's tolerance and the cases it must not touch exact.
func TestPresetsDeviateWhereTheyMust(t *testing.T) {
	cases := []struct {
		policy  string
		shows   string // the case that must change
		diff    int64
		exactOn []string // cases that must stay bit-exact
	}{
		{"single-rounding", "conv_quant8_large", 1, []string{"conv_quant8", "relu6_quant8_2", "softmax_quant8_2"}},
		{"fp32", "conv_quant8_large", 1, []string{"conv_quant8", "avg_pool_quant8_3", "logistic_quant8_2"}},
		{"mult16", "conv_quant8_large", 1, []string{"conv_quant8_2", "max_pool_quant8_4", "add_quant8"}},
		{"truncate", "conv_quant8_channels", 1, []string{"relu_quant8_2", "concat_quant8_1", "avg_pool_quant8_4"}},
		{"acc24", "conv_acc24_overflow", 9, []string{"conv_quant8_overflow", "fully_connected_quant8_large", "depthwise_conv2d_quant8_large"}},
		{"sym-weights", "depthwise_conv2d_quant8_2", 1, []string{"conv_quant8_large", "softmax_quant8_1"}},
	}
	for _, c := range cases {
		if d := caseDiff(t, caseByName(t, c.shows), c.policy, "mobile-npu"); d != c.diff {
			t.Errorf("%s on %s: differs by %d LSB, want %d", c.policy, c.shows, d, c.diff)
		}
		for _, name := range c.exactOn {
			if d := caseDiff(t, caseByName(t, name), c.policy, "mobile-npu"); d != 0 {
				t.Errorf("%s on %s: differs by %d LSB, want it untouched", c.policy, name, d)
			}
		}
	}
}

// offsetModel is a network whose hidden layer's calibrated range excludes
// zero (a large positive bias): TFLite widens such a range to include zero,
// FakeQuant's nudge moves it to start at zero, and so clips its top.
func offsetModel() (*workloads.Model, [][]*quant.Tensor) {
	b := workloads.NewBuilder("offset", 1)
	x := b.Input("x", 1, 16)
	w := make([]float32, 16*16)
	bias := make([]float32, 16)
	for i := range w {
		w[i] = float32(i%7-3) / 20
	}
	for i := range bias {
		bias[i] = 3
	}
	h := b.FCWith("hidden", x, 16, quant.ActNone, w, bias)
	fm := b.Build("offset", b.FC("out", h, 4, quant.ActNone))
	var calib [][][]float32
	for s := range 8 {
		in := make([]float32, 16)
		for i := range in {
			in[i] = float32((i*7+s*3)%11) / 5
		}
		calib = append(calib, [][]float32{in})
	}
	m, err := workloads.Quantize(fm, calib)
	if err != nil {
		panic(err)
	}
	return m, [][]*quant.Tensor{{workloads.QuantizeInput(m.Tensors[m.Inputs[0]], calib[3][0])}}
}

// TestPresetsChangeWhatTheyClaim runs the quantization-rewriting and vendor
// presets on networks that exercise them.
func TestPresetsChangeWhatTheyClaim(t *testing.T) {
	offset, offsetIn := offsetModel()
	dw, dwIn := randomModel(5, false)
	rnn, err := zoo.Load("rnn-unrolled")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		policy string
		m      *workloads.Model
		in     []*quant.Tensor
	}{
		{"zp-nudge", offset, offsetIn[0]},
		{"per-tensor", dw, dwIn[0]},
		{"vendor-a", rnn.Model, rnn.Inputs[0]},
		{"vendor-b", dw, dwIn[0]},
	}
	hw := mustHW(t, "mobile-npu")
	for _, c := range cases {
		m, policy := c.m, c.policy
		ref, err := experiment.RunReference(m, c.in, quant.VariantDoubleRounding)
		if err != nil {
			t.Fatal(err)
		}
		out := m.Outputs[0]
		compiled, err := drivers.Compile(m, mustPolicy(t, policy), hw)
		if err != nil {
			t.Fatalf("%s: %v", policy, err)
		}
		run, err := experiment.RunCompiled(compiled, c.in)
		if err != nil {
			t.Fatalf("%s: %v", policy, err)
		}
		if g, w := run.Outputs[0].Params, m.Tensors[out].Params; g.Scale != w.Scale || g.ZeroPoint != w.ZeroPoint {
			t.Errorf("%s: the output comes back on grid %+v, not the application's %+v", policy, run.Outputs[0].Params, m.Tensors[out].Params)
		}
		if slices.Equal(run.Outputs[0].Data, ref[out].Data) && allLayersEqual(m, run, ref) {
			t.Errorf("%s: no layer of the network changed", policy)
		}
	}
}

func allLayersEqual(m *workloads.Model, run *experiment.NPURun, ref []*quant.Tensor) bool {
	for _, op := range m.Ops {
		if !slices.Equal(run.Tensors[op.Output].Data, ref[op.Output].Data) {
			return false
		}
	}
	return true
}

// wideModel has a 3x3 convolution over 64 channels: its reduction of 576
// does not fit tiny's weight scratchpad.
func wideModel() (*workloads.Model, [][]*quant.Tensor) {
	b := workloads.NewBuilder("wide", 9)
	x := b.Input("x", 1, 8, 8, 64)
	x = b.Conv("conv0", x, 20, 3, 3, 1, workloads.Same, quant.ActRelu)
	fm := b.Build("wide", b.GlobalAveragePool("gap", x))
	sample := func(s int) [][]float32 {
		in := make([]float32, 8*8*64)
		for i := range in {
			in[i] = float32((i*13+s*7)%17)/8 - 1
		}
		return [][]float32{in}
	}
	m, err := workloads.Quantize(fm, [][][]float32{sample(0), sample(1), sample(2)})
	if err != nil {
		panic(err)
	}
	return m, [][]*quant.Tensor{{workloads.QuantizeInput(m.Tensors[m.Inputs[0]], sample(5)[0])}}
}

// TestPartialSums runs a network whose convolution's reduction must be
// split on tiny: exact int32 partial sums reproduce the reference; 16-bit
// ones change it and move fewer DRAM bytes.
func TestPartialSums(t *testing.T) {
	m, inputs := wideModel()
	hw := mustHW(t, "tiny")
	ref, err := experiment.RunReference(m, inputs[0], quant.VariantDoubleRounding)
	if err != nil {
		t.Fatal(err)
	}
	var dram [2]uint64
	for i, policy := range []string{"reference", "psum16"} {
		compiled, err := drivers.Compile(m, mustPolicy(t, policy), hw)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(compiled.Notes, func(n string) bool { return strings.Contains(n, "split into") }) {
			t.Fatalf("%s: no split reduction (notes %v)", policy, compiled.Notes)
		}
		run, err := experiment.RunCompiled(compiled, inputs[0])
		if err != nil {
			t.Fatal(err)
		}
		exact := allLayersEqual(m, run, ref)
		if exact != (policy == "reference") {
			t.Errorf("%s: bit-exact = %v", policy, exact)
		}
		conv := run.Stats.Layers[1] // layer 0 is the input
		dram[i] = conv.Counters.DRAMRead + conv.Counters.DRAMWrite
	}
	if dram[1] >= dram[0] {
		t.Errorf("16-bit partial sums moved %d DRAM bytes in the split layer, int32 spills %d; want fewer", dram[1], dram[0])
	}
}

// TestPolicyCostsComeFromTheHardware: a 16-bit requantizer costs less
// energy than double rounding on mobile-npu, because its mode does.
func TestPolicyCostsComeFromTheHardware(t *testing.T) {
	m, inputs := randomModel(7, false)
	hw := mustHW(t, "mobile-npu")
	energy := map[string]float64{}
	for _, policy := range []string{"reference", "mult16"} {
		compiled, err := drivers.Compile(m, mustPolicy(t, policy), hw)
		if err != nil {
			t.Fatal(err)
		}
		run, err := experiment.RunCompiled(compiled, inputs[0])
		if err != nil {
			t.Fatal(err)
		}
		energy[policy] = run.Stats.Energy[npu.CompRequant]
		outputs := run.Stats.Counters.RequantOutputs
		if len(outputs) != 1 || outputs[map[string]string{"reference": "double-rounding", "mult16": "mult16"}[policy]] == 0 {
			t.Errorf("%s requantized in modes %v", policy, outputs)
		}
	}
	if energy["mult16"] >= energy["reference"]*0.5 {
		t.Errorf("requantization energy: mult16 %.1f pJ, reference %.1f pJ; want mult16 at 0.07/0.25 of it", energy["mult16"], energy["reference"])
	}
}

// exactNone is the reference policy with every exact route forbidden.
const exactNone = "name: reference\nexact: true\nfallback: none\nrequant: double-rounding\naccumulator: {bits: 32, overflow: wrap}\n"

func TestPolicyReachingPastTheHardware(t *testing.T) {
	m, _ := randomModel(1, false)
	cases := []struct{ policy, hw, want string }{
		{exactNone, "edge-tpu-like", "policy reference asks for requantization mode double-rounding, which edge-tpu-like does not implement (it has [fp32])"},
		{exactNone, "fixed-per-tensor", "fixed-per-tensor requantizes with one multiplier per layer, and exact policy reference allows no route (fallback: none) to keep the model's per-channel weights"},
		{"mult16", "edge-tpu-like", "which edge-tpu-like does not implement"},
		{"acc24", "edge-tpu-like", "policy acc24 asks for 24-bit saturate accumulators, which edge-tpu-like does not implement"},
		{"fp32", "low-cost", "policy fp32 asks for requantization mode fp32, which low-cost does not implement (it has [mult16])"},
		{"vendor-c", "edge-tpu-like", "policy vendor-c folds residual ADDs into requantization, which edge-tpu-like cannot do (no fusion.residual path)"},
		{"vendor-c@1.1", "tiny", "policy vendor-c@1.1 keeps expansions at 16 bits for the depthwise layer, which tiny cannot read (no fusion.wide_depthwise path)"},
	}
	for _, c := range cases {
		var p *drivers.Policy
		if strings.Contains(c.policy, "\n") {
			var err error
			if p, err = drivers.ParsePolicy("none.yaml", []byte(c.policy)); err != nil {
				t.Fatal(err)
			}
		} else {
			p = mustPolicy(t, c.policy)
		}
		_, err := drivers.Compile(m, p, mustHW(t, c.hw))
		if err == nil || !strings.Contains(err.Error(), c.want) || !drivers.IsUnsupported(err) {
			t.Errorf("%s on %s: %v, want an UnsupportedError %q", p.Name, c.hw, err, c.want)
		}
	}
	// An exact policy without routes does not let the hardware rewrite
	// asymmetric weights either.
	none, err := drivers.ParsePolicy("none.yaml", []byte(exactNone))
	if err != nil {
		t.Fatal(err)
	}
	asym := caseByName(t, "depthwise_conv2d_quant8_2").Model
	_, err = drivers.Compile(asym, none, mustHW(t, "fixed-per-tensor"))
	want := "fixed-per-tensor has no weight zero points, and exact policy reference allows no route (fallback: none)"
	if err == nil || !strings.Contains(err.Error(), want) || !drivers.IsUnsupported(err) {
		t.Errorf("asymmetric weights on fixed-per-tensor: %v, want an UnsupportedError %q", err, want)
	}
	// Per-channel weights whose channels share one scale lose nothing to
	// the per-tensor rewrite: the policy runs, bit for bit.
	same, inputs := randomModel(1, false)
	for _, op := range same.Ops {
		if op.Kind.HasWeights() {
			scales := same.Tensors[op.Inputs[1]].Params.Scales
			for c := range scales {
				scales[c] = scales[0]
			}
		}
	}
	compiled, err := drivers.Compile(same, none, mustHW(t, "fixed-per-tensor"))
	if err != nil {
		t.Fatalf("channels of one scale on fixed-per-tensor: %v", err)
	}
	checkLayersExact(t, "channels of one scale on fixed-per-tensor", same, compiled, inputs[0], quant.VariantDoubleRounding)
	// What the hardware has, a policy that asks for nothing particular gets.
	for _, hw := range []string{"edge-tpu-like", "low-cost"} {
		if _, err := drivers.Compile(m, mustPolicy(t, "zp-nudge"), mustHW(t, hw)); err != nil {
			t.Errorf("zp-nudge on %s: %v", hw, err)
		}
	}
}

// TestCompileIsDeterministic compiles a model three times, on one CPU and
// on four (the plans lower in parallel), and wants one program.
func TestCompileIsDeterministic(t *testing.T) {
	m, _ := randomModel(2, true)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var first [32]byte
	for i, procs := range []int{1, 4, 4} {
		runtime.GOMAXPROCS(procs)
		c, err := drivers.Compile(m, mustPolicy(t, "vendor-a"), mustHW(t, "tiny"))
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.Program.Digest()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = d
		} else if d != first {
			t.Fatalf("compiling the same model on %d CPUs gave another program than on one", procs)
		}
	}
}

func TestPolicyFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("mine.yaml", "requant: mult16\nzero_point_nudge: true\naccumulator: {bits: 24, overflow: saturate}\n")
	p, err := drivers.LoadPolicy(good)
	if err != nil || p.Name != "mine" || *p.Requant != quant.VariantMult16 || !p.NudgeZeroPoints || p.Accumulator.Bits != 24 {
		t.Errorf("loaded %+v, %v", p, err)
	}
	for text, want := range map[string]string{
		"requant: round-to-odd\n":                                              `unknown requantization variant "round-to-odd"`,
		"weights: per-row\n":                                                   `weights: "per-row" is not per-tensor, power-of-two or symmetric`,
		"accumulator: {bits: 20, overflow: saturate}\n":                        "accumulator.bits: must be 16, 24 or 32, got 20",
		"partial_sums: int8\n":                                                 `partial_sums: "int8" is not int32 or int16`,
		"requantize: fp32\n":                                                   "requantize: unknown field (line 1",
		"fallback: cpu\n":                                                      "fallback: only an exact policy takes fallback routes (set exact: true)",
		"exact: true\nfallback: gpu\n":                                         `fallback: "gpu" is not auto, emulate, cpu or none`,
		"exact: true\nweights: per-tensor\n":                                   "exact: an exact policy keeps the model's grids and weights",
		"exact: true\npartial_sums: int16\n":                                   "exact: an exact policy keeps exact int32 partial sums",
		"exact: true\naccumulator: {bits: 24, overflow: saturate}\n":           "exact: an exact policy accumulates in exact 32-bit wrapping arithmetic, got 24-bit saturate",
		"exact: true\ndynamic: [{when: {hotter_than: 60}, requant: mult16}]\n": "exact: an exact policy's arithmetic does not change with the device state",
		"engine: onnxruntime\nrequant: fp32\n":                                 "engine: only an exact policy computes as an engine does (set exact: true)",
		"exact: true\nengine: onnxruntime\n":                                   "engine: onnxruntime requantizes in float32 (requant: fp32)",
		"exact: true\nfallback: none\nengine: armnn-ref\n":                     "engine: an engine policy runs the engine's float32 layers on the host CPU",
		"exact: true\nengine: tflite\n":                                        "engine: tflite is the reference policy's arithmetic; leave engine unset",
		"exact: true\nengine: tensorrt\n":                                      `engine: unknown engine "tensorrt"`,
		"exact: true\nengine: armnn-ref\nresidual_add_fusion: true\n":          "engine: an engine policy fuses as the engine does",
		"": "the file is empty",
	} {
		_, err := drivers.LoadPolicy(write("bad.yaml", text))
		if err == nil || !strings.Contains(err.Error(), "policy bad.yaml: ") || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line containing %q", text, err, want)
		}
	}
	if _, err := drivers.LoadPolicy("vendor-z"); err == nil || !strings.Contains(err.Error(), "no such preset") {
		t.Errorf("unknown preset: %v", err)
	}
	for _, name := range drivers.Presets() {
		p := mustPolicy(t, name)
		if p.Description == "" || p.Name != name {
			t.Errorf("preset %s: name %q, description %q", name, p.Name, p.Description)
		}
	}
}
