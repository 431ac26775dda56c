package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/scalesim"
	"github.com/npusim/npusim/sim/experiment"

	"github.com/npusim/npusim/workloads/loader"
)

// NPUSimReportFile is the file the scalesim command adds to SCALE-Sim's
// reports: what npusim's own model says for the same layers.
const NPUSimReportFile = "NPUSIM_REPORT.csv"

// hardwareFor maps a SCALE-Sim configuration onto an npusim NPU: the array's
// shape and dataflow and the scratchpads' sizes come from it (the IFMAP and
// OFMAP buffers together are npusim's activation scratchpad, the filter
// buffer its weight scratchpad); clock, DMA, DRAM, accumulators,
// requantization and energy are mobile-npu's. Input stationary, which npusim
// does not implement, maps to weight stationary.
func hardwareFor(c *scalesim.Config) (*npu.Config, []string, error) {
	hw, err := npu.LoadConfig(npu.DefaultPreset)
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	hw.Name = "scalesim-" + c.RunName
	hw.Array.Rows, hw.Array.Cols = c.ArrayHeight, c.ArrayWidth
	hw.Array.Dataflow = npu.Dataflow(c.Dataflow)
	if c.Dataflow == scalesim.InputStationary {
		hw.Array.Dataflow = npu.WeightStationary
		notes = append(notes, "npusim has no input-stationary dataflow: its own model runs weight stationary")
	}
	hw.SRAM.ActivationKiB = c.IfmapSRAMKB + c.OfmapSRAMKB
	hw.SRAM.WeightKiB = c.FilterSRAMKB
	hw.SRAM.AccumulatorKiB = max(hw.SRAM.AccumulatorKiB, 4*c.ArrayWidth*c.ArrayHeight*4/1024)
	if err := hw.Validate(); err != nil {
		return nil, nil, fmt.Errorf("config %s as an npusim NPU: %w", c.RunName, err)
	}
	return hw, notes, nil
}

// ownModel runs the topology's workload (seeded synthetic weights) under the
// reference driver on the NPU the configuration describes.
func ownModel(c *scalesim.Config, topologyPath string) (*experiment.Result, []string, error) {
	hw, notes, err := hardwareFor(c)
	if err != nil {
		return nil, nil, err
	}
	w, err := loader.New().Load(topologyPath)
	if err != nil {
		return nil, nil, err
	}
	p, err := drivers.LoadPolicy("reference")
	if err != nil {
		return nil, nil, err
	}
	r, err := experiment.RunOn(experiment.Cell{Workload: topologyPath, Policy: "reference", HW: hw.Name, Samples: 1}, w, p, hw, experiment.NewReferences())
	return r, notes, err
}

// writeOwnReport writes npusim's per-layer results beside SCALE-Sim's cycle
// counts for the same layers.
func writeOwnReport(w io.Writer, run *scalesim.Run, own *experiment.Result, clockMHz float64) error {
	scale := map[string]int64{} // depthwise layers expand into one row per channel: sum them
	for _, l := range run.Layers {
		scale[l.Layer.Name] += l.TotalCycles
	}
	out := csv.NewWriter(w)
	out.Write([]string{"Layer", "Op", "SCALE-Sim Total Cycles", "npusim Cycles", "npusim Latency us", "npusim Stall On DMA Cycles",
		"npusim MACs", "npusim DRAM Bytes", "npusim Energy uJ", "Max LSB vs Reference"})
	for _, l := range own.Layers {
		sc := ""
		if v, ok := scale[l.Name]; ok {
			sc = strconv.FormatInt(v, 10)
		}
		out.Write([]string{l.Name, l.Kind, sc, strconv.FormatUint(l.Cycles, 10),
			strconv.FormatFloat(float64(l.Cycles)/clockMHz, 'f', 3, 64), strconv.FormatUint(l.StallDMA, 10),
			strconv.FormatUint(l.MACs, 10), strconv.FormatUint(l.DRAMBytes, 10),
			strconv.FormatFloat(l.EnergyPJ.Total()/1e6, 'f', 6, 64), strconv.FormatInt(l.Deviation.MaxLSB, 10)})
	}
	out.Write([]string{"total", "", strconv.FormatInt(run.TotalCycles(), 10), strconv.FormatUint(own.Cycles, 10),
		strconv.FormatFloat(own.LatencyMs*1000, 'f', 3, 64), "", "", strconv.FormatUint(own.DRAMBytes, 10),
		strconv.FormatFloat(own.EnergyUJ, 'f', 6, 64), strconv.FormatInt(own.Output.MaxLSB, 10)})
	out.Flush()
	return out.Error()
}

// printOwnSummary prints npusim's totals beside SCALE-Sim's.
func printOwnSummary(w io.Writer, run *scalesim.Run, own *experiment.Result, notes []string) {
	fmt.Fprintf(w, "\nnpusim's own model of the same layers (%s):\n", NPUSimReportFile)
	fmt.Fprintf(w, "  %d cycles (SCALE-Sim: %d), %.3f ms, %.3f uJ, %d DRAM bytes, MAC utilisation %.1f%%; outputs %s the reference interpreter\n",
		own.Cycles, run.TotalCycles(), own.LatencyMs, own.EnergyUJ, own.DRAMBytes, 100*own.MACUtilization, map[bool]string{true: "match", false: "differ from"}[own.Output.MaxLSB == 0])
	for _, n := range notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}
