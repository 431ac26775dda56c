package scalesim

import (
	"path/filepath"
	"testing"

	"github.com/npusim/npusim/internal/vectors"
)

// benchmarkRun simulates a topology on a config b.N times and reports
// SCALE-Sim cycles simulated per host second (SCALE-Sim itself manages
// about 5,000 to 14,000).
func benchmarkRun(b *testing.B, c *Config, top *Topology) {
	var cycles int64
	for b.Loop() {
		run, err := Simulate(c, top)
		if err != nil {
			b.Fatal(err)
		}
		cycles = run.TotalCycles()
	}
	b.ReportMetric(float64(cycles)*float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
	b.ReportMetric(float64(cycles), "cycles/op")
}

// BenchmarkGolden is the golden run: AlexNet conv1 on SCALE-Sim's 32x32 ws
// example configuration.
func BenchmarkGolden(b *testing.B) {
	dir := vectors.ScaleSimDir(b)
	c, err := ReadConfig(filepath.Join(dir, "scale_32x32_ws.cfg"))
	if err != nil {
		b.Fatal(err)
	}
	top, err := ReadTopology(filepath.Join(dir, "alexnet_part.csv"), FormatConv)
	if err != nil {
		b.Fatal(err)
	}
	benchmarkRun(b, c, top)
}

// BenchmarkMobileNet is MobileNet v1 (testdata/mobilenet_v1.csv, 28 lines,
// 4975 layers once the depthwise layers are split per channel) on the same
// 32x32 array, for each dataflow.
func BenchmarkMobileNet(b *testing.B) {
	top, err := ReadTopology(filepath.Join("testdata", "mobilenet_v1.csv"), FormatConv)
	if err != nil {
		b.Fatal(err)
	}
	for _, df := range []Dataflow{WeightStationary, OutputStationary, InputStationary} {
		b.Run(string(df), func(b *testing.B) {
			c := &Config{RunName: "mobilenet", ArrayHeight: 32, ArrayWidth: 32, IfmapSRAMKB: 64, FilterSRAMKB: 64,
				OfmapSRAMKB: 64, FilterOffset: 10000000, OfmapOffset: 20000000, Dataflow: df, InterfaceBandwidth: "CALC"}
			benchmarkRun(b, c, top)
		})
	}
}
