package zoo

import (
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// BenchmarkFloatRun times one float32 inference of the zoo's ImageNet
// classifiers, the work calibration repeats per image, and reports the
// MACs per second of the float interpreter.
func BenchmarkFloatRun(b *testing.B) {
	for _, c := range []struct {
		name  string
		model func() *workloads.FloatModel
	}{
		{"mobilenet-v1", func() *workloads.FloatModel { return mobileNetV1("mobilenet-v1", 1, 224) }},
		{"mobilenet-v2", func() *workloads.FloatModel { return mobileNetV2("mobilenet-v2") }},
		{"resnet18", func() *workloads.FloatModel { return resNet18("resnet18") }},
	} {
		b.Run(c.name, func(b *testing.B) {
			fm := c.model()
			in := fm.Tensors[fm.Inputs[0]].Shape
			img := smoothImages(1, in[1], in[2], in[3], 1)[0]
			for b.Loop() {
				if _, err := fm.Run([][]float32{img}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(floatMACs(fm))*float64(b.N)/b.Elapsed().Seconds(), "MACs/s")
		})
	}
}

// BenchmarkImageNetBuild times building each ImageNet classifier as Load
// does the first time: the synthetic weights, calibration on a few images,
// quantization and the input set.
func BenchmarkImageNetBuild(b *testing.B) {
	for _, name := range []string{"mobilenet-v1", "mobilenet-v1-0.25-128", "mobilenet-v2", "resnet18"} {
		b.Run(name, func(b *testing.B) {
			e := zoo[name]
			for b.Loop() {
				if _, err := e.build(e.options); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// floatMACs counts a float model's multiply-accumulates as Summarize does.
func floatMACs(fm *workloads.FloatModel) int64 {
	shapes := &workloads.Model{Tensors: make([]*workloads.Tensor, len(fm.Tensors))}
	for i, t := range fm.Tensors {
		shapes.Tensors[i] = &workloads.Tensor{Tensor: quant.Tensor{Shape: t.Shape}}
	}
	var n int64
	for _, op := range fm.Ops {
		n += shapes.MACs(op)
	}
	return n
}
