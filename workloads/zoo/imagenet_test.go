package zoo_test

import (
	"math"
	"slices"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo"
)

// loadImageNet loads a zoo ImageNet classifier. ResNet-18 takes seconds to
// build (three float inferences of 1.8 G MACs for calibration) and about as
// long to run on the reference interpreter, so -short skips it.
func loadImageNet(t *testing.T, name string) *workloads.Workload {
	t.Helper()
	if testing.Short() && name == "resnet18" {
		t.Skip("resnet18 takes seconds to build and run; skipped under -short")
	}
	w, err := zoo.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// figure is a published count, how close the model's count must come to it
// and where it is published.
type figure struct {
	value, tolerance float64
	source           string
}

// TestImageNetFigures holds each classifier's MACs and parameters as
// Summarize counts them: the multiply-accumulates of the convolutions,
// depthwise convolutions and fully connected layers, classifier included,
// and every weight and bias, batch normalisation being folded into one bias
// per channel. The exact counts are the arithmetic of the layer tables. The
// published figures they are held to, and why each tolerance:
//
//   - Rounded figures (TF-slim's "569" M MACs, torchvision's "1.81" GFLOPS,
//     which are multiply-adds) hold within half a unit of their last digit.
//   - Exact framework counts (torchvision's num_params, Keras's trainable
//     parameters) hold exactly once converted: they keep two batch-norm
//     parameters per channel (gamma and beta) where the folded model keeps
//     one bias, and have 1000 classes where TF-slim has 1001. The values
//     below are written as the published count, minus one parameter per
//     batch-norm channel, plus the background class.
//   - TF-slim's parameter figures count batch normalisation their own way
//     (MobileNet v1's 4.24 M and 0.47 M match the weights plus 3 batch-norm
//     variables per channel, 4,243,945 and 473,065; MobileNetV2's 3.47 M
//     matches the weights alone, 3,471,040), and MobileNetV2's "300" M MACs
//     is 300.8 M rounded down: these hold within 1%.
func TestImageNetFigures(t *testing.T) {
	const M, G = 1e6, 1e9
	cases := []struct {
		name                     string
		macs, params             int64
		macFigures, paramFigures []figure
	}{
		{
			name: "mobilenet-v1", macs: 568_741_376, params: 4_222_057,
			macFigures: []figure{
				{569 * M, 0.5 * M, "TF-slim mobilenet_v1.md and Howard et al. 2017 Table 8: 569 M"},
			},
			paramFigures: []figure{
				{4_231_976 - 10_944 + 1_025, 0, "Keras MobileNet() summary: 4,231,976 trainable (10,944 batch-norm channels, 1000 classes)"},
				{4.24 * M, 0.01 * 4.24 * M, "TF-slim mobilenet_v1.md: 4.24 M"},
			},
		},
		{
			name: "mobilenet-v1-0.25-128", macs: 13_570_304, params: 467_593,
			macFigures:   []figure{{14 * M, 0.5 * M, "TF-slim mobilenet_v1.md, MobileNet_v1_0.25_128: 14 M"}},
			paramFigures: []figure{{0.47 * M, 0.005 * M, "TF-slim mobilenet_v1.md, MobileNet_v1_0.25_128: 0.47 M"}},
		},
		{
			name: "mobilenet-v2", macs: 300_775_552, params: 3_489_097,
			macFigures: []figure{
				{0.30 * G, 0.005 * G, "torchvision MobileNet_V2_Weights: 0.30 GFLOPS"},
				{300 * M, 0.01 * 300 * M, "TF-slim mobilenet/README.md and Sandler et al. 2018 Table 4: 300 M"},
			},
			paramFigures: []figure{
				{3_504_872 - 17_056 + 1_281, 0, "torchvision MobileNet_V2_Weights num_params and Keras MobileNetV2() trainable: 3,504,872 (17,056 batch-norm channels, 1000 classes)"},
				{3.47 * M, 0.01 * 3.47 * M, "TF-slim mobilenet/README.md: 3.47 M"},
			},
		},
		{
			name: "resnet18", macs: 1_814_073_344, params: 11_684_712,
			macFigures: []figure{
				{1.81 * G, 0.005 * G, "torchvision ResNet18_Weights: 1.81 GFLOPS"},
				{1.8 * G, 0.05 * G, "He et al. 2016 Table 1: 1.8 x 10^9 FLOPs"},
			},
			paramFigures: []figure{
				{11_689_512 - 4_800, 0, "torchvision ResNet18_Weights num_params: 11,689,512 (4,800 batch-norm channels)"},
			},
		},
	}
	check := func(t *testing.T, what string, got int64, figures []figure) {
		t.Helper()
		for _, f := range figures {
			if d := math.Abs(float64(got) - f.value); d > f.tolerance {
				t.Errorf("%d %s differ from %s by %.0f (%.2f%%), more than %.0f", got, what, f.source, d, 100*d/f.value, f.tolerance)
			}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := loadImageNet(t, c.name).Model.Summarize()
			t.Logf("%s: %d MACs (%.1f M), %d parameters (%.3f M)", c.name, s.MACs, float64(s.MACs)/M, s.Params, float64(s.Params)/M)
			if s.MACs != c.macs || s.Params != c.params {
				t.Errorf("%d MACs and %d parameters, want %d and %d", s.MACs, s.Params, c.macs, c.params)
			}
			check(t, "MACs", s.MACs, c.macFigures)
			check(t, "parameters", s.Params, c.paramFigures)
		})
	}
}

// TestImageNetReference runs each classifier's first input on the reference
// interpreter: the model validates, the output is a probability row over the
// classes (softmax codes on 1/256 from -128), and the top-1 class and its
// probability are the ones pinned here, so that any change to a model, its
// weights, its calibration or its inputs shows. (With synthetic weights the
// probabilities are spread thin over a thousand classes, most of them below
// half a code, so the codes do not sum to 256.)
func TestImageNetReference(t *testing.T) {
	cases := []struct {
		name    string
		classes int
		top1, p int // the top-1 class and its probability in 1/256
	}{
		{"mobilenet-v1", 1001, 444, 112},
		{"mobilenet-v1-0.25-128", 1001, 206, 191},
		{"mobilenet-v2", 1001, 150, 38},
		{"resnet18", 1000, 360, 98},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := loadImageNet(t, c.name)
			if err := w.Model.Validate(); err != nil {
				t.Fatal(err)
			}
			if w.Task != workloads.Classifier || !w.Synthetic || len(w.Inputs) != 4 || w.Source == "" || w.Caveat != workloads.SyntheticCaveat {
				t.Fatalf("task %v, synthetic %v, %d inputs, source %q, caveat %q; want a synthetic classifier with 4 inputs, a source and the caveat",
					w.Task, w.Synthetic, len(w.Inputs), w.Source, w.Caveat)
			}
			v, err := experiment.RunReference(w.Model, w.Inputs[0], quant.VariantDoubleRounding)
			if err != nil {
				t.Fatal(err)
			}
			out := v[w.Model.Outputs[0]]
			if !slices.Equal(out.Shape, []int{1, c.classes}) || out.Params.Scale != 1.0/256 || out.Params.ZeroPoint != -128 {
				t.Fatalf("output %v scale %v zero point %d, want [1 %d] on 1/256 from -128", out.Shape, out.Params.Scale, out.Params.ZeroPoint, c.classes)
			}
			top := slices.Index(out.Data, slices.Max(out.Data))
			p := int(out.Data[top]) + 128
			t.Logf("%s: top-1 class %d with p = %d/256", c.name, top, p)
			if top != c.top1 || p != c.p {
				t.Errorf("top-1 class %d with p = %d/256, want class %d with %d/256", top, p, c.top1, c.p)
			}
		})
	}
}
