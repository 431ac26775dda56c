package experiment

import (
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads/zoo"
)

// BenchmarkReferenceMobileNetV2 times one MobileNet v2 inference on the
// reference interpreter (the workload built once, outside the timing).
func BenchmarkReferenceMobileNetV2(b *testing.B) {
	w, err := zoo.Load("mobilenet-v2")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := RunReference(w.Model, w.Inputs[0], quant.VariantDoubleRounding); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/inference")
}
