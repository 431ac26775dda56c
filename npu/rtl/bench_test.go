package rtl

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

// benchMatMul is a 128 x 64 x 64 int8 product in 32-bit saturating
// accumulators: 4 x 4 folds on a 16 x 16 array.
func benchMatMul() *MatMul {
	rng := rand.New(rand.NewPCG(1, 1))
	mm := &MatMul{M: 128, K: 64, N: 64, AOperand: npu.Operand8{Signed: true}, BOperand: npu.Operand8{Signed: true},
		Mode: npu.Accumulation{Bits: 32, Overflow: npu.Saturate}}
	mm.A, mm.B, mm.Acc = make([]byte, mm.M*mm.K), make([]byte, mm.K*mm.N), make([]int32, mm.M*mm.N)
	for i := range mm.A {
		mm.A[i] = byte(rng.Uint32())
	}
	for i := range mm.B {
		mm.B[i] = byte(rng.Uint32())
	}
	return mm
}

// BenchmarkArray clocks a 16 x 16 array through a MatMul and reports the
// simulation rate in PE-cycles (one processing element clocked once) per
// second of host time.
func BenchmarkArray(b *testing.B) {
	for _, df := range []npu.Dataflow{npu.WeightStationary, npu.OutputStationary} {
		b.Run(fmt.Sprintf("16x16/%s", df), func(b *testing.B) {
			a := MakeArrayBuilder().WithSize(16, 16).WithDataflow(df).Build("npu.array")
			mm := benchMatMul()
			b.ReportAllocs()
			var cycles int
			for b.Loop() {
				n, err := a.Run(mm)
				if err != nil {
					b.Fatal(err)
				}
				cycles += n
			}
			b.ReportMetric(float64(cycles)*16*16/b.Elapsed().Seconds(), "PE-cycles/s")
			b.ReportMetric(float64(cycles)/b.Elapsed().Seconds(), "cycles/s")
		})
	}
}

// BenchmarkRequant runs 8-lane pipelines over 64k accumulators and reports
// outputs per second of host time.
func BenchmarkRequant(b *testing.B) {
	for _, v := range []quant.Variant{quant.VariantDoubleRounding, quant.VariantSingleRounding, quant.VariantFP32} {
		b.Run(v.String(), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(2, 2))
			n := 1 << 16
			c := &RequantCommand{M: 1, N: n, Acc: make([]int32, n), Bias: make([]int32, n), Multipliers: make([]quant.Multiplier, n),
				Lo: -128, Hi: 127, Out: make([]int32, n)}
			for i := range n {
				c.Acc[i], c.Bias[i], c.Multipliers[i] = randomRequantSample(rng, v)
			}
			p := MakeRequantBuilder().WithVariant(v).WithLanes(8).Build("npu.requant")
			b.ReportAllocs()
			outputs := 0
			for b.Loop() {
				if _, err := p.Run(c); err != nil {
					b.Fatal(err)
				}
				outputs += n
			}
			b.ReportMetric(float64(outputs)/b.Elapsed().Seconds(), "outputs/s")
		})
	}
}
