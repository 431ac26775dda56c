package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/scalesim"
	"github.com/npusim/npusim/scalesim/compare"

	"github.com/spf13/cobra"
)

// summaryLayers is the most layers the summary lists one by one.
const summaryLayers = 30

func newScaleSimCommand() *cobra.Command {
	var configPath, topologyPath, outDir, inputType string
	withOwn := true
	cmd := &cobra.Command{
		Use:   "scalesim -c CONFIG.cfg -t TOPOLOGY.csv [-p OUTDIR]",
		Short: "Compute SCALE-Sim v2's reports for a config and a topology, analytically",
		Long: `scalesim reads a SCALE-Sim v2 configuration and topology and computes, from
formulas per fold rather than a cycle-by-cycle run, what SCALE-Sim reports in
its stall-free CALC mode: COMPUTE_REPORT.csv (cycles, overall utilisation,
mapping efficiency, compute utilisation), BANDWIDTH_REPORT.csv (average SRAM and
DRAM words per cycle) and DETAILED_ACCESS_REPORT.csv (first and last cycle and
words of every SRAM and DRAM stream), with SCALE-Sim's headers and number
formatting, for the os, ws and is dataflows.

As SCALE-Sim does, it writes the reports into OUTDIR/<run_name>/, run_name
being the config's [general] run_name (SCALE-Sim's -p defaults to ../test_runs,
this command's to the current directory). The directory is created if needed;
an existing one gets its three reports replaced. The reports are written to a
temporary directory first, so a failed run leaves nothing behind.

The topology is SCALE-Sim's convolution layout (Layer name, IFMAP Height,
IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides) or its
M, N, K GEMM layout; -i auto (the default) tells them apart by the header,
as SCALE-Sim's -i conv|gemm would. Layers whose name contains "DP" are
depthwise and run as one single-channel layer per channel, as in SCALE-Sim.
USER bandwidth mode (memory stalls) is not modelled. docs/scalesim.md explains
the model and how it differs from npusim's own timing.

In the same run it also compiles the topology (seeded synthetic weights,
the reference driver) for the npusim NPU the configuration describes (its array
and buffer sizes; mobile-npu's clock, DMA, DRAM and energy) and writes what
npusim's own model says for the same layers to NPUSIM_REPORT.csv: cycles with
double buffering, DMA and DRAM, stalls, DRAM bytes, energy, and the outputs'
deviation from the reference interpreter (--npusim=false skips it).

It prints a short summary on stdout.`,
		Example: `  npusim scalesim -c ../shared/testdata/scalesim/scale_32x32_ws.cfg \
      -t ../shared/testdata/scalesim/alexnet_part.csv -p runs
  npusim scalesim -c my_os.cfg -t scalesim/testdata/mobilenet_v1.csv -p runs
  npusim scalesim -c my.cfg -t gpt2.csv -i gemm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, topo, err := readScaleSim(configPath, topologyPath, inputType, outDir)
			if err != nil {
				return err
			}
			start := time.Now()
			run, err := scalesim.Simulate(cfg, topo)
			if err != nil {
				return err
			}
			elapsed := time.Since(start)
			// Every result file of the run directory, written in one step.
			// Other models of the same layers add their files here and
			// their summary after SCALE-Sim's.
			var files []atomicfile.File
			for _, f := range run.ReportFiles() {
				files = append(files, atomicfile.File(f))
			}
			var own *compare.Comparison
			if withOwn {
				if own, err = compare.Run(run); err != nil {
					return err
				}
				files = append(files, atomicfile.File{Name: compare.ReportFile, Write: own.WriteReport})
			}
			if err := atomicfile.WriteDir(outDir, cfg.RunName, files); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			if own == nil { // an earlier run's comparison would sit beside these reports
				stale := filepath.Join(outDir, cfg.RunName, compare.ReportFile)
				if err := os.Remove(stale); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return runtimeErr(err)
				}
			}
			printScaleSimSummary(cmd.OutOrStdout(), run, filepath.Join(outDir, cfg.RunName))
			if own != nil {
				own.WriteSummary(cmd.OutOrStdout())
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "computed %s, %d cycles, in %v\n",
				plural(len(run.Layers), "layer"), run.TotalCycles(), elapsed.Round(time.Microsecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&configPath, "config", "c", "", "SCALE-Sim configuration file (.cfg)")
	f.StringVarP(&topologyPath, "topology", "t", "", "SCALE-Sim topology file (.csv)")
	f.StringVarP(&outDir, "out", "p", ".", "log directory; the reports go to OUT/<run_name>/")
	f.StringVarP(&inputType, "input-type", "i", "auto", "topology layout: conv, gemm or auto (read from the header)")
	f.BoolVar(&withOwn, "npusim", withOwn, "also run the layers on npusim's own model "+
		"(double buffering, DMA, DRAM, energy, values) and write "+compare.ReportFile)
	requireFlags(cmd, "config", "topology")
	return cmd
}

// readScaleSim reads the configuration and the topology, after checking
// that the reports can be written under outDir.
func readScaleSim(configPath, topologyPath, inputType, outDir string) (*scalesim.Config, *scalesim.Topology, error) {
	if err := atomicfile.CheckDir(outDir); err != nil {
		return nil, nil, fmt.Errorf("--out: %w", err)
	}
	format, err := scalesim.ParseFormat(inputType)
	if err != nil {
		return nil, nil, fmt.Errorf("--input-type: %w", err)
	}
	cfg, err := scalesim.ReadConfig(configPath)
	if err != nil {
		return nil, nil, err
	}
	topo, err := scalesim.ReadTopology(topologyPath, format)
	return cfg, topo, err
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// printScaleSimSummary prints the run's configuration, its layers (or
// their count when there are many) and totals.
func printScaleSimSummary(w io.Writer, run *scalesim.Run, dir string) {
	c := run.Config
	fmt.Fprintf(w, "%s: %s dataflow, %dx%d array, SRAM %d/%d/%d kB (ifmap/filter/ofmap), CALC bandwidth\n",
		c.RunName, c.Dataflow, c.ArrayHeight, c.ArrayWidth, c.IfmapSRAMKB, c.FilterSRAMKB, c.OfmapSRAMKB)
	fmt.Fprintf(w, "topology %s (%s layout): %s",
		run.Topology.Name, run.Topology.Format, plural(len(run.Topology.Layers), "layer"))
	if len(run.Layers) != len(run.Topology.Layers) {
		fmt.Fprintf(w, ", run as %d with the depthwise layers split per channel", len(run.Layers))
	}
	fmt.Fprint(w, "\n\n")
	var macs int64
	for _, l := range run.Layers {
		macs += l.Layer.MACs()
	}
	if len(run.Layers) <= summaryLayers {
		fmt.Fprintf(w, "%-7s %-16s %12s %9s %10s   %s\n",
			"LayerID", "layer", "cycles", "util %", "mapping %", "DRAM words/cycle ifmap filter ofmap")
		for i, l := range run.Layers {
			di, df, do := l.DRAMBandwidth()
			fmt.Fprintf(w, "%-7d %-16s %12d %9.2f %10.2f   %.3f %.3f %.3f\n",
				i, l.Layer.Name, l.TotalCycles, l.OverallUtil, l.MappingEfficiency, di, df, do)
		}
		fmt.Fprintln(w)
	}
	total := run.TotalCycles()
	pes := int64(c.ArrayHeight) * int64(c.ArrayWidth)
	fmt.Fprintf(w, "total: %d cycles, %d MACs, %.2f %% of the array's MAC slots used\n",
		total, macs, 100*float64(macs)/float64(total*pes))
	fmt.Fprintf(w, "reports: %s/{%s,%s,%s}\n",
		dir, scalesim.ComputeReportFile, scalesim.BandwidthReportFile, scalesim.DetailedAccessReportFile)
}
