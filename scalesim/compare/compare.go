// Package compare runs npusim's own model on the layers of a SCALE-Sim
// run, so that a SCALE-Sim user sees, for the same layers and the same
// array and buffers, what npusim's more detailed model adds: double
// buffering with a DMA engine and DRAM behind it, the cost of tiling into
// the scratchpads, energy, and values checked against the reference
// interpreter.
//
// Hardware maps a SCALE-Sim configuration onto an npusim NPU; Run compiles
// the topology's workload (seeded synthetic weights, see
// scalesim.Topology.Workload) under the reference driver for it and runs it
// as an experiment; WriteReport writes NPUSIM_REPORT.csv, npusim's figures
// per layer beside SCALE-Sim's cycles, and WriteSummary the totals.
// docs/scalesim.md explains where the two models differ and why.
package compare

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/scalesim"
	"github.com/npusim/npusim/sim/experiment"
)

// ReportFile is the file a comparison adds to SCALE-Sim's reports: what
// npusim's own model says for the same layers.
const ReportFile = "NPUSIM_REPORT.csv"

// Hardware maps a SCALE-Sim configuration onto an npusim NPU: the array's
// shape and dataflow and the scratchpads' sizes come from it (the IFMAP and
// OFMAP buffers together are npusim's activation scratchpad, the filter
// buffer its weight scratchpad); clock, DMA, DRAM, accumulators,
// requantization and energy are mobile-npu's. Input stationary, which npusim
// does not implement, maps to weight stationary, with a note saying so.
func Hardware(c *scalesim.Config) (hw *npu.Config, notes []string, err error) {
	hw, err = npu.LoadConfig(npu.DefaultPreset)
	if err != nil {
		return nil, nil, err
	}
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

// Comparison is a SCALE-Sim run beside npusim's own model of its layers.
type Comparison struct {
	SCALESim *scalesim.Run
	// HW is the npusim NPU the configuration describes (see Hardware) and
	// Notes what the mapping had to change.
	HW    *npu.Config
	Notes []string
	// NPUSim is the experiment: the topology's workload, one sample, under
	// the reference driver on HW.
	NPUSim *experiment.Result
}

// Run runs the topology of a SCALE-Sim run, as a workload with the seeded
// synthetic weights its path would get on the command line
// (scalesim.LoadWorkload), under the reference driver on the NPU the run's
// configuration describes.
func Run(run *scalesim.Run) (*Comparison, error) {
	hw, notes, err := Hardware(run.Config)
	if err != nil {
		return nil, err
	}
	w, err := run.Topology.Workload(scalesim.WorkloadSeed)
	if err != nil {
		return nil, err
	}
	w.Name = run.Topology.Path
	p, err := drivers.LoadPolicy("reference")
	if err != nil {
		return nil, err
	}
	cell := experiment.Cell{Workload: run.Topology.Path, Policy: "reference", HW: hw.Name, Samples: 1}
	r, err := experiment.RunOn(cell, w, p, hw, experiment.NewReferences())
	if err != nil {
		return nil, err
	}
	return &Comparison{SCALESim: run, HW: hw, Notes: notes, NPUSim: r}, nil
}

// WriteReport writes npusim's per-layer results beside SCALE-Sim's cycle
// counts for the same layers, and a total line.
func (c *Comparison) WriteReport(w io.Writer) error {
	scale := map[string]int64{} // depthwise layers expand into one row per channel: sum them
	for _, l := range c.SCALESim.Layers {
		scale[l.Layer.Name] += l.TotalCycles
	}
	rows := [][]string{{"Layer", "Op", "SCALE-Sim Total Cycles",
		"npusim Cycles", "npusim Latency us", "npusim Stall On DMA Cycles",
		"npusim MACs", "npusim DRAM Bytes", "npusim Energy uJ", "Max LSB vs Reference"}}
	for _, l := range c.NPUSim.Layers {
		sc := ""
		if v, ok := scale[l.Name]; ok {
			sc = strconv.FormatInt(v, 10)
		}
		rows = append(rows, []string{l.Name, l.Kind, sc, strconv.FormatUint(l.Cycles, 10),
			strconv.FormatFloat(float64(l.Cycles)/c.HW.ClockMHz, 'f', 3, 64), strconv.FormatUint(l.StallDMA, 10),
			strconv.FormatUint(l.MACs, 10), strconv.FormatUint(l.DRAMBytes, 10),
			strconv.FormatFloat(l.EnergyPJ.Total()/1e6, 'f', 6, 64), strconv.FormatInt(l.Deviation.MaxLSB, 10)})
	}
	own := c.NPUSim
	rows = append(rows, []string{"total", "",
		strconv.FormatInt(c.SCALESim.TotalCycles(), 10), strconv.FormatUint(own.Cycles, 10),
		strconv.FormatFloat(own.LatencyMs*1000, 'f', 3, 64), "", "", strconv.FormatUint(own.DRAMBytes, 10),
		strconv.FormatFloat(own.EnergyUJ, 'f', 6, 64), strconv.FormatInt(own.Output.MaxLSB, 10)})
	return csv.NewWriter(w).WriteAll(rows)
}

// WriteSummary writes npusim's totals beside SCALE-Sim's, and the notes.
func (c *Comparison) WriteSummary(w io.Writer) {
	own := c.NPUSim
	match := "differ from"
	if own.Output.MaxLSB == 0 {
		match = "match"
	}
	fmt.Fprintf(w, "\nnpusim's own model of the same layers (%s):\n", ReportFile)
	fmt.Fprintf(w, "  %d cycles (SCALE-Sim: %d), %.3f ms, %.3f uJ, %d DRAM bytes, MAC utilisation %.1f%%; "+
		"outputs %s the reference interpreter\n",
		own.Cycles, c.SCALESim.TotalCycles(), own.LatencyMs, own.EnergyUJ, own.DRAMBytes, 100*own.MACUtilization, match)
	for _, n := range c.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}
