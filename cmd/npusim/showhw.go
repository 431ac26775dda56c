package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/area"
	"github.com/spf13/cobra"
)

func newShowHWCommand() *cobra.Command {
	var asJSON, derivations bool
	cmd := &cobra.Command{
		Use:   "show-hw HW",
		Short: "Print a hardware configuration's area, part by part",
		Long: `show-hw prints the modelled silicon area of a hardware configuration at its
process node: every part (processing elements, the requantization unit's
features, vector lanes, scratchpads, DMA engine) with its count, the area of
one and of all, and the total; then the area spent on bit-exact arithmetic
only, the requantizer hardware that serves gemmlowp's double rounding alone.
--derivations says what each part is built of; docs/area.md gives the sources.

HW is a preset, a YAML file, or either with overrides:

  PRESET{key=value, ...}

where a key is the YAML path of a single value (clock_mhz, array.dataflow,
sram.activation_kib, dram.bandwidth_gbps, area.node_nm, ...) or one of
array=RxC, requant=[mode, mode:lanes, ...], requant.lanes=N and
array.accumulators=[acc32-wrap, acc24-saturate, ...]. A trailing #digest
checks the contents. The same form works wherever --hw does.`,
		Example: `  npusim show-hw mobile-npu
  npusim show-hw 'mobile-npu{array=16x16, requant=[mult16, fp32], sram.activation_kib=256}'
  npusim show-hw --derivations --json low-cost`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := npu.LoadConfig(args[0])
			if err != nil {
				return err
			}
			b := area.Of(cfg)
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return runtimeErr(enc.Encode(struct {
					HW      string         `json:"hw"`
					Digest  string         `json:"digest"`
					Area    area.Breakdown `json:"area"`
					Summary area.Summary   `json:"summary"`
				}{cfg.Name, cfg.Digest(), b, area.Summarize(cfg)}))
			}
			return runtimeErr(printArea(cmd.OutOrStdout(), cfg, b, derivations))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the breakdown as JSON")
	cmd.Flags().BoolVar(&derivations, "derivations", false, "say what each part is built of")
	return cmd
}

// printArea prints an area breakdown as a table with the total and the
// area spent on exact arithmetic.
func printArea(w io.Writer, cfg *npu.Config, b area.Breakdown, derivations bool) error {
	total := b.TotalMM2()
	fmt.Fprintf(w, "%s: %.4f mm^2 at %g nm (logic: Aladdin's 40 nm figures x %.4f, Stillmaker & Baas)\n",
		cfg.Name, total, b.NodeNM, b.LogicScale)
	fmt.Fprintf(w, "digest %s\n\n", cfg.Digest()[:16])
	fmt.Fprintf(w, "%-8s %-24s %7s %12s %10s %7s\n", "unit", "part", "count", "um^2 each", "mm^2", "share")
	for _, p := range b.Parts {
		fmt.Fprintf(w, "%-8s %-24s %7d %12.2f %10.5f %6.2f%%\n",
			p.Unit, p.Name, p.Count, p.UM2, p.TotalUM2()/1e6, 100*p.TotalUM2()/1e6/total)
		if derivations {
			fmt.Fprintf(w, "%8s   %s\n", "", p.Derivation)
		}
	}
	fmt.Fprintf(w, "%-8s %-24s %7s %12s %10.5f\n", "total", "", "", "", total)
	fmt.Fprintln(w)
	var units []string
	for _, u := range area.Units {
		units = append(units, fmt.Sprintf("%s %.4f mm^2 (%.1f%%)", u, b.UnitMM2(u), 100*b.UnitMM2(u)/total))
	}
	fmt.Fprintln(w, strings.Join(units, "; "))
	exact := area.Exact(cfg)
	var modes []string
	for _, m := range cfg.Requant.Modes {
		if area.ExactOnly(m.Variant) {
			modes = append(modes, m.Variant.String())
		}
	}
	if len(modes) == 0 {
		_, err := fmt.Fprintln(w, "bit-exact arithmetic only: none (the requantizer has no double-rounding mode)")
		return err
	}
	_, err := fmt.Fprintf(w, "bit-exact arithmetic only: %.5f mm^2 (%.2f%%), "+
		"the requantizer hardware that serves %s alone\n",
		exact, 100*exact/total, strings.Join(modes, " and "))
	return err
}
