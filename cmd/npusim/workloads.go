package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/printable"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/npusim/npusim/workloads/zoo"
	"github.com/spf13/cobra"
)

func newListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list workloads|policies|hw",
		Short: "List the built-in workloads, driver policies or hardware presets",
		Long: `list prints the names of the built-in workloads (with a one-line description),
driver policy presets (with what each changes) or hardware presets.`,
		Example: `  npusim list workloads
  npusim list policies`,
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"workloads", "policies", "hw"},
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			switch args[0] {
			case "workloads":
				for _, n := range zoo.Names() {
					fmt.Fprintf(out, "%-24s %s\n", n, zoo.Describe(n))
				}
			case "policies":
				for _, n := range drivers.Presets() {
					p, err := drivers.LoadPolicy(n)
					if err != nil {
						return err
					}
					fmt.Fprintf(out, "%-16s %s\n", n, firstSentence(p.Description))
				}
			case "hw":
				for _, n := range npu.Presets() {
					c, err := npu.LoadConfig(n)
					if err != nil {
						return err
					}
					fmt.Fprintf(out, "%-16s %dx%d %s array at %g MHz, SRAM %d/%d/%d KiB, requantization %v%s\n",
						n, c.Array.Rows, c.Array.Cols, c.Array.Dataflow, c.ClockMHz,
						c.SRAM.ActivationKiB, c.SRAM.WeightKiB, c.SRAM.AccumulatorKiB, c.RequantVariants(), exactFeatures(c))
				}
			}
			return nil
		},
	}
}

// exactFeatures names what decides a preset's exact routes: a per-tensor
// requantizer, the vector unit's integer multipliers, weight zero points.
func exactFeatures(c *npu.Config) string {
	var f []string
	if !c.PerChannelRequant() {
		f = append(f, "per tensor")
	}
	if v := c.Vector.Integer; v != nil {
		f = append(f, fmt.Sprintf("vector %d-bit multipliers", v.MultiplierBits))
	} else {
		f = append(f, "no vector integer datapath")
	}
	if !c.Array.WeightZeroPoint {
		f = append(f, "no weight zero point")
	}
	return ", " + strings.Join(f, ", ")
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

func newShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show WORKLOAD",
		Short: "Describe a workload: layers, shapes, MACs and parameters",
		Long: `show prints a workload's layers with their output shapes, multiply-accumulates
and parameters, and the totals. --json gives the same as an object with name,
macs, params, paramBytes and a layers array.`,
		Example: `  npusim show mobilenet-v2
  npusim show --json digits-cnn`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			w, err := loader.New().Load(args[0])
			if err != nil {
				return err
			}
			s := w.Model.Summarize()
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return runtimeErr(enc.Encode(s))
			}
			fmt.Fprintf(out, "%s: %s\n", printable.String(w.Name), printable.String(w.Description))
			fmt.Fprintf(out, "source: %s\n", printable.String(w.Source))
			if w.Data != "" {
				fmt.Fprintf(out, "data: %s\n", printable.String(w.Data))
			}
			if w.Synthetic {
				fmt.Fprintln(out, "weights: seeded synthetic (no accuracy claim is made on them)")
			}
			fmt.Fprintf(out, "inputs: %d sample(s)\n\n", len(w.Inputs))
			fmt.Fprintf(out, "%-32s %-18s %-18s %14s %12s\n", "layer", "op", "output", "MACs", "params")
			for _, l := range s.Layers {
				fmt.Fprintf(out, "%-32s %-18s %-18s %14d %12d\n",
					printable.String(l.Name), l.Kind, fmt.Sprint(l.Output), l.MACs, l.Params)
			}
			fmt.Fprintf(out, "\ntotal: %d MACs (%.1f M), %d parameters (%.2f M), %d parameter bytes\n",
				s.MACs, float64(s.MACs)/1e6, s.Params, float64(s.Params)/1e6, s.ParamBytes)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}
