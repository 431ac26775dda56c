package experiment

import (
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads/zoo"
)

// BenchmarkReferenceMobileNetV2 times one MobileNet v2 inference on the
// reference interpreter (the workload built once, outside the timing):
// with every tensor held as int32 values (RunReference), and with the
// activations held as their stored bytes and the filters prepared once,
// as References computes them for experiments (referenceStored).
func BenchmarkReferenceMobileNetV2(b *testing.B) {
	w, err := zoo.Load("mobilenet-v2")
	if err != nil {
		b.Fatal(err)
	}
	var filters reference.Filters
	runs := []struct {
		name string
		run  func() error
	}{
		{"values", func() error { _, err := RunReference(w.Model, w.Inputs[0], quant.VariantDoubleRounding); return err }},
		{"stored", func() error { _, err := referenceStored(w.Model, w.Inputs[0], &filters); return err }},
	}
	for _, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				if err := r.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/inference")
		})
	}
}
