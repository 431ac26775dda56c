package drivers_test

import (
	"testing"

	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
)

// hardwareDefault is a policy that asks for nothing: every preset runs it
// with its own arithmetic.
func hardwareDefault(tb testing.TB) *drivers.Policy {
	tb.Helper()
	p, err := drivers.ParsePolicy("hardware-default.yaml", []byte("name: hardware-default\n"))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkCompileMobileNetV2 compiles MobileNet v2 for every hardware
// preset, in the presets' order, and reports the commands emitted per
// second of compilation and, for a preset compiled after the default one
// (tiny), its time per compile as a multiple of the default's in the same
// run ("x-mobile-npu": at most 10 is the target).
func BenchmarkCompileMobileNetV2(b *testing.B) {
	w, err := zoo.Load("mobilenet-v2")
	if err != nil {
		b.Fatal(err)
	}
	var base float64 // the default preset's seconds per compile, once measured
	for _, name := range npu.Presets() {
		hw := mustHW(b, name)
		b.Run(name, func(b *testing.B) {
			var commands int
			for b.Loop() {
				c, err := drivers.Compile(w.Model, hardwareDefault(b), hw)
				if err != nil {
					b.Fatal(err)
				}
				commands = len(c.Program.Commands)
			}
			perCompile := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(float64(commands), "commands")
			b.ReportMetric(float64(commands)/perCompile, "commands/s")
			switch {
			case name == npu.DefaultPreset:
				base = perCompile
			case base > 0:
				b.ReportMetric(perCompile/base, "x-"+npu.DefaultPreset)
			}
		})
	}
}

// BenchmarkCompileMobileNetV2Exact compiles MobileNet v2 under reference
// for every preset but tiny: where the hardware lacks the reference's
// arithmetic, every candidate route of every layer is planned and lowered
// to estimate it before the cheapest is planned again.
func BenchmarkCompileMobileNetV2Exact(b *testing.B) {
	w, err := zoo.Load("mobilenet-v2")
	if err != nil {
		b.Fatal(err)
	}
	ref := mustPolicy(b, "reference")
	for _, name := range npu.Presets() {
		if name == "tiny" {
			continue
		}
		hw := mustHW(b, name)
		b.Run(name, func(b *testing.B) {
			var commands int
			for b.Loop() {
				c, err := drivers.Compile(w.Model, ref, hw)
				if err != nil {
					b.Fatal(err)
				}
				commands = len(c.Program.Commands)
			}
			b.ReportMetric(float64(commands), "commands")
		})
	}
}
