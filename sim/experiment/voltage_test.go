package experiment

import (
	"math"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads/zoo"
)

// onChipDynamic sums the on-chip dynamic energy of a run: every component
// but DRAM and leakage.
func onChipDynamic(e npu.Energy) float64 {
	var sum float64
	for c := range npu.CompDRAM {
		sum += e[c]
	}
	return sum
}

// TestHalfClockAtLowerVoltage runs MobileNet v2 on mobile-npu at its
// nominal operating point (1000 MHz, 850 mV) and at half the clock, where
// the RK3588 table lowers the rail to 700 mV: the same program does the
// same work, so on-chip dynamic energy falls by exactly (700/850)^2 =
// 0.678, DRAM energy stays, and the inference takes longer.
func TestHalfClockAtLowerVoltage(t *testing.T) {
	w, err := zoo.Load("mobilenet-v2")
	if err != nil {
		t.Fatal(err)
	}
	nominal, err := npu.LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	half := *nominal
	half.ClockMHz /= 2
	if v := half.VoltageMV(); v != 700 {
		t.Fatalf("at %v MHz the rail is at %v mV, want the table's 700", half.ClockMHz, v)
	}
	policy, err := drivers.LoadPolicy("reference")
	if err != nil {
		t.Fatal(err)
	}
	var stats [2]*npu.Stats
	for i, hw := range []*npu.Config{nominal, &half} {
		c, err := drivers.Compile(w.Model, policy, hw)
		if err != nil {
			t.Fatal(err)
		}
		run, err := RunCompiled(c, w.Inputs[0])
		if err != nil {
			t.Fatal(err)
		}
		stats[i] = run.Stats
	}
	ratio := onChipDynamic(stats[1].Energy) / onChipDynamic(stats[0].Energy)
	if want := (700.0 / 850) * (700.0 / 850); math.Abs(ratio-want) > 1e-12 {
		t.Errorf("on-chip dynamic energy x%.6f at half the clock, want (700/850)^2 = %.6f", ratio, want)
	}
	if a, b := stats[0].Energy[npu.CompDRAM], stats[1].Energy[npu.CompDRAM]; a != b {
		t.Errorf("DRAM energy %v pJ at the nominal clock, %v at half: it has its own rail", a, b)
	}
	if stats[1].Seconds() <= stats[0].Seconds() {
		t.Errorf("half the clock takes %v s, the nominal %v s", stats[1].Seconds(), stats[0].Seconds())
	}
	t.Logf("latency %.3f -> %.3f ms, energy %.1f -> %.1f uJ", 1e3*stats[0].Seconds(), 1e3*stats[1].Seconds(),
		stats[0].Energy.Total()/1e6, stats[1].Energy.Total()/1e6)
}
