package platform_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
	"github.com/sarchlab/akita/v3/mem/mem"
	"github.com/sarchlab/akita/v3/sim"
)

// The benchmarks of this file run one MobileNet v2 inference (the first
// sample, compiled once by the reference driver for mobile-npu) through
// the NPU:
//
//	go test -run '^$' -bench MobileNetV2 -benchtime 20x ./npu/platform
//
// run is values and timing (Run), values the functional mode (RunValues),
// timing the timing alone (RunTiming); request-level is Run with the
// request-level DMA model. Each reports the wall-clock and the thread's
// CPU milliseconds per inference (the CPU time of the benchmark's thread,
// locked to it, which other jobs on a shared machine disturb far less) and
// the akita events of one inference; BenchmarkMobileNetV2Kernels reports
// the rate of each unit's kernels inside the functional mode.

// meter measures a benchmark in wall-clock time and in its thread's CPU
// time.
type meter struct {
	cpu0 float64
	ok   bool
}

func startMeter(b *testing.B) *meter {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	b.ResetTimer()
	cpu, ok := threadCPU()
	return &meter{cpu0: cpu, ok: ok}
}

// report states the milliseconds per inference, wall-clock and CPU.
func (m *meter) report(b *testing.B) {
	cpu, ok := threadCPU()
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/inference")
	if ok && m.ok {
		b.ReportMetric((cpu-m.cpu0)*1e3/float64(b.N), "cpu-ms/inference")
	}
}

// eventCounter is an engine hook that counts the events handled.
type eventCounter struct{ n int }

func (e *eventCounter) Func(ctx sim.HookCtx) {
	if ctx.Pos == sim.HookPosBeforeEvent {
		e.n++
	}
}

// countEvents runs a program once on an NPU built with the options and
// returns the events its engine handled.
func countEvents(b *testing.B, c compiled, opts ...platform.Option) int {
	builder := platform.MakeBuilder().WithEngine(sim.NewSerialEngine()).WithConfig(c.cfg).
		WithDRAM(c.program.DRAMBytes, c.program.DRAM)
	for _, o := range opts {
		builder = o(builder)
	}
	plat := builder.Build("NPU")
	counter := &eventCounter{}
	plat.Engine.AcceptHook(counter)
	plat.CP.Launch(c.program.Commands)
	if err := plat.Engine.Run(); err != nil {
		b.Fatal(err)
	}
	if err := plat.CP.Err(); err != nil {
		b.Fatal(err)
	}
	return counter.n
}

func BenchmarkMobileNetV2(b *testing.B) {
	c := compileZoo(b, "mobilenet-v2", "reference", "mobile-npu", 0)
	timed := func(opts ...platform.Option) func(*testing.B) error {
		return func(*testing.B) error { _, err := platform.Run(c.cfg, c.program, append(opts, c.host)...); return err }
	}
	cases := []struct {
		name   string
		run    func(*testing.B) error
		events func() int
	}{
		{"run", timed(), func() int { return countEvents(b, c) }},
		{"values", func(*testing.B) error { _, err := platform.RunValues(c.cfg, c.program, c.host); return err }, func() int { return 0 }},
		{"timing", func(*testing.B) error { _, err := platform.RunTiming(c.cfg, c.program, c.host); return err },
			func() int {
				return countEvents(b, c, func(b platform.Builder) platform.Builder { return b.WithoutValues() })
			}},
		{"request-level", timed(platform.RequestLevelDMA), func() int { return countEvents(b, c, platform.RequestLevelDMA) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			m := startMeter(b)
			for b.Loop() {
				if err := tc.run(b); err != nil {
					b.Fatal(err)
				}
			}
			m.report(b)
			b.ReportMetric(float64(tc.events()), "events/inference")
		})
	}
}

// kernelRates accumulates, per kind of compute command, the time its
// values took and the work they did (MACs, or outputs for requantization).
type kernelRates struct {
	seconds map[string]float64
	work    map[string]float64
	start   time.Time
}

// clock is the thread's CPU time where the system tells it, else the
// wall-clock time.
func (k *kernelRates) clock() float64 {
	if cpu, ok := threadCPU(); ok {
		return cpu
	}
	return time.Since(k.start).Seconds()
}

// execute runs a program functionally, as RunValues does, timing each
// compute command's Execute.
func (k *kernelRates) execute(b *testing.B, c compiled) {
	cfg, p := c.cfg, c.program
	dram := mem.NewStorage((p.DRAMBytes + 0xffff) &^ 0xffff)
	if err := dram.Write(0, p.DRAM); err != nil {
		b.Fatal(err)
	}
	sp := npu.NewScratchpads(cfg)
	for i := range p.Commands {
		switch op := p.Commands[i].Op.(type) {
		case *npu.DMA:
			if err := op.Move(dram, sp); err != nil {
				b.Fatal(err)
			}
		case npu.Compute:
			start := k.clock()
			op.Execute(sp, cfg)
			k.seconds[op.Name()] += k.clock() - start
			k.work[op.Name()] += work(op)
		}
	}
}

// work is what a kernel's rate counts: MACs, or requantized outputs.
func work(op npu.Compute) float64 {
	switch op := op.(type) {
	case *npu.MatMul:
		return float64(op.M * op.N * op.K)
	case *npu.Depthwise:
		return float64(op.MACs())
	case *npu.Requant:
		return float64(op.M * op.N)
	}
	return 0
}

// BenchmarkMobileNetV2Kernels reports the values' rate per unit kernel in
// the functional mode: GMAC/s of the matrix unit's MatMuls and of the
// vector unit's depthwise convolutions, G outputs/s of requantization, and
// the share of the values' time each takes.
func BenchmarkMobileNetV2Kernels(b *testing.B) {
	c := compileZoo(b, "mobilenet-v2", "reference", "mobile-npu", 0)
	k := kernelRates{seconds: map[string]float64{}, work: map[string]float64{}, start: time.Now()}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := k.clock()
	for b.Loop() {
		k.execute(b, c)
	}
	total := k.clock() - t0
	for _, m := range []struct{ name, unit string }{{"matmul", "GMAC/s"}, {"vector.depthwise", "GMAC/s"}, {"requant", "Gout/s"}} {
		b.ReportMetric(k.work[m.name]/k.seconds[m.name]/1e9, m.name+"-"+m.unit)
		b.ReportMetric(100*k.seconds[m.name]/total, m.name+"-%")
	}
}
