package compare

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/internal/vectors"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/scalesim"
)

func TestHardware(t *testing.T) {
	c := &scalesim.Config{RunName: "r", ArrayHeight: 64, ArrayWidth: 128, IfmapSRAMKB: 256, FilterSRAMKB: 512, OfmapSRAMKB: 128,
		Dataflow: scalesim.InputStationary, InterfaceBandwidth: "CALC"}
	hw, notes, err := Hardware(c)
	if err != nil {
		t.Fatal(err)
	}
	base, err := npu.LoadConfig(npu.DefaultPreset)
	if err != nil {
		t.Fatal(err)
	}
	// 64 x 128 int32 accumulators, four times over: 128 KiB, more than
	// mobile-npu's.
	if hw.Name != "scalesim-r" || hw.Array.Rows != 64 || hw.Array.Cols != 128 || hw.Array.Dataflow != npu.WeightStationary ||
		hw.SRAM.ActivationKiB != 384 || hw.SRAM.WeightKiB != 512 || hw.SRAM.AccumulatorKiB != max(base.SRAM.AccumulatorKiB, 128) {
		t.Errorf("got %s: %+v, %+v", hw.Name, hw.Array, hw.SRAM)
	}
	if hw.ClockMHz != base.ClockMHz || hw.DMA != base.DMA || len(notes) != 1 || !strings.Contains(notes[0], "input-stationary") {
		t.Errorf("clock %v, DMA %+v, notes %q", hw.ClockMHz, hw.DMA, notes)
	}
	c.ArrayHeight, c.Dataflow = 2048, scalesim.OutputStationary
	if _, _, err := Hardware(c); err == nil || !strings.HasPrefix(err.Error(), "config r as an npusim NPU: array.rows") {
		t.Errorf("a 2048-row array: %v", err)
	}
}

// TestGoldenRun runs npusim's model on SCALE-Sim's golden AlexNet conv1
// (the figures docs/scalesim.md quotes) and checks the report's lines.
func TestGoldenRun(t *testing.T) {
	dir := vectors.ScaleSimDir(t)
	cfg, err := scalesim.ReadConfig(filepath.Join(dir, "scale_32x32_ws.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	top, err := scalesim.ReadTopology(filepath.Join(dir, "alexnet_part.csv"), scalesim.FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	run, err := scalesim.Simulate(cfg, top)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Run(run)
	if err != nil {
		t.Fatal(err)
	}
	var report, summary bytes.Buffer
	if err := c.WriteReport(&report); err != nil {
		t.Fatal(err)
	}
	want := "Layer,Op,SCALE-Sim Total Cycles,npusim Cycles,npusim Latency us,npusim Stall On DMA Cycles,npusim MACs,npusim DRAM Bytes,npusim Energy uJ,Max LSB vs Reference\n" +
		"Conv1,CONV_2D,112283,173228,173.228,2121,105415200,563200,50.853251,0\n" +
		"total,,112283,173228,173.228,,,563200,50.853251,0\n"
	if report.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", report.String(), want)
	}
	c.WriteSummary(&summary)
	if !strings.Contains(summary.String(), "173228 cycles (SCALE-Sim: 112283), 0.173 ms, 50.853 uJ, 563200 DRAM bytes, MAC utilisation 59.4%; outputs match the reference interpreter") {
		t.Errorf("summary:\n%s", summary.String())
	}
}
