package experiment

import (
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/quant"
)

// BenchmarkDeviationAdd compares a million int8 values with the
// reference's: all equal (an exact policy), and 3% one LSB off (a
// shortcut's typical layer); signal-known is an experiment's comparison,
// whose signal sums References computes once per sample.
func BenchmarkDeviationAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	p := quant.Params{Scale: 0.05, ZeroPoint: -3}
	ref := quant.NewTensor(quant.Int8, []int{1 << 20}, p)
	for i := range ref.Data {
		ref.Data[i] = int32(rng.IntN(256) - 128)
	}
	for _, c := range []struct {
		name    string
		changed float64
	}{{"equal", 0}, {"changed-3%", 0.03}} {
		got := quant.NewTensor(quant.Int8, ref.Shape, p)
		copy(got.Data, ref.Data)
		for i := range got.Data {
			if rng.Float64() < c.changed && got.Data[i] < 127 {
				got.Data[i]++
			}
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				var d Deviation
				d.Add(got, ref)
			}
			b.ReportMetric(float64(len(ref.Data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
		})
		signal := SignalSum(0, ref)
		b.Run(c.name+"/signal-known", func(b *testing.B) {
			for b.Loop() {
				var d Deviation
				d.add(got, ref, func() float64 { return signal })
			}
			b.ReportMetric(float64(len(ref.Data))*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
		})
	}
}
