package reports

import (
	"fmt"
	"io"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/sim/experiment"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// newTable returns a terminal table with the given header, right-aligned
// numbers and the header kept as written.
func newTable(w io.Writer, header ...string) *tablewriter.Table {
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignment(tw.AlignRight),
		tablewriter.WithHeaderAlignment(tw.AlignCenter))
	t.Header(header)
	return t
}

// newNamedTable is a terminal table whose first names columns name the row
// (left-aligned) and whose other columns hold numbers (right-aligned).
func newNamedTable(w io.Writer, names int, header ...string) *tablewriter.Table {
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignRight
		if i < names {
			align[i] = tw.AlignLeft
		}
	}
	t := newTable(w, header...)
	t.Configure(func(cfg *tablewriter.Config) { cfg.Row.Alignment.PerColumn = align })
	return t
}

// SNR formats a signal-to-noise ratio in dB ("inf" when exact).
func SNR(d *experiment.Deviation) string {
	if d.SNRdB == nil {
		if d.MaxLSB == 0 {
			return "inf"
		}
		return "-inf"
	}
	return fmt.Sprintf("%.1f", *d.SNRdB)
}

// Verdict formats the NNAPI verdict.
func Verdict(r *experiment.Result) string {
	if r.NNAPIPass {
		return fmt.Sprintf("PASS (<=%d)", r.NNAPILimit)
	}
	return fmt.Sprintf("FAIL (>%d)", r.NNAPILimit)
}

// Quality formats the task-specific outcome: top-1 agreement for
// classifiers, the divergence step for recurrent workloads, the character
// where the generated text parts from the reference's for language models.
func Quality(r *experiment.Result) string {
	switch {
	case r.Text != nil && r.Text.Diverge == 0:
		return "same text"
	case r.Text != nil:
		return fmt.Sprintf("text parts at char %d", r.Text.Diverge)
	case r.Top1Agreement != nil:
		return fmt.Sprintf("top-1 %.1f%%", 100**r.Top1Agreement)
	case r.DivergenceStep != nil && *r.DivergenceStep == 0:
		return "no divergence"
	case r.DivergenceStep != nil:
		return fmt.Sprintf("diverges at step %d", *r.DivergenceStep)
	}
	return "-"
}

// percent formats a share.
func percent(x float64) string {
	if x == 0 {
		return "0"
	}
	if x < 0.001 {
		return fmt.Sprintf("%.3f%%", 100*x)
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

// RunSummary prints one experiment: what ran, its cost with the energy
// breakdown, its deviation from the reference, and a table of layers.
func RunSummary(w io.Writer, r *experiment.Result) error {
	fmt.Fprintf(w, "%s under %s on %s, %d sample(s)\n", r.Workload, r.Policy, r.HW, r.Samples)
	fmt.Fprintf(w, "  latency %.4f ms (%d cycles), energy %.3f uJ per inference, MAC utilisation %s, DRAM %d bytes\n",
		r.LatencyMs, r.Cycles, r.EnergyUJ, percent(r.MACUtilization), r.DRAMBytes)
	if t := r.DRAM; t.Total() > 0 {
		fmt.Fprintf(w, "  DRAM bytes: weights %d, activations in %d, out %d, spills %d; "+
			"minimum %d (weights once + input + output), %.2fx",
			t.Weights, t.ActivationsIn, t.ActivationsOut, t.Spills, t.Minimum, float64(t.Total())/float64(max(t.Minimum, 1)))
		if t.MinimumForSRAM > t.Minimum {
			fmt.Fprintf(w, "; %d with the tensors too large for the activation scratchpad between unfused layers, %.2fx",
				t.MinimumForSRAM, float64(t.Total())/float64(t.MinimumForSRAM))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "  energy by component:")
	for c := range npu.NumComponents {
		if e := r.EnergyPJ[c]; e > 0 {
			fmt.Fprintf(w, " %s %.1f%%", c, 100*e/r.EnergyPJ.Total())
		}
	}
	fmt.Fprintln(w)
	if h := r.Hardware; h != nil {
		fmt.Fprintf(w, "  area %.4g mm^2 at %g nm, of which %.4g mm^2 (%s) on bit-exact arithmetic only (npusim show-hw)\n",
			h.TotalMM2, h.NodeNM, h.ExactMM2, share(h.ExactShare))
	}
	d := &r.Output
	fmt.Fprintf(w, "  outputs vs reference: max %d LSB, %s changed, mean error %+.4f LSB, SNR %s dB; %s; NNAPI %s\n",
		d.MaxLSB, percent(d.Changed), d.MeanError, SNR(d), Quality(r), Verdict(r))
	if r.Accuracy != nil {
		fmt.Fprintf(w, "  accuracy %.2f%% (reference %.2f%%)\n", 100**r.Accuracy, 100**r.ReferenceAccuracy)
	}
	fmt.Fprintf(w, "  output digest %s (reference %s)\n", r.Digest, r.RefDigest)
	if r.Caveat != "" {
		fmt.Fprintf(w, "  deviation figures: %s\n", r.Caveat)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if r.Routes != "" {
		fmt.Fprintf(w, "  routes: %s (why: --json, layers[].route)\n", r.Routes)
	}
	t := newTable(w, "layer", "op", "route", "cycles", "energy nJ", "max LSB", "changed", "mean LSB", "SNR dB")
	for _, l := range r.Layers {
		if err := t.Append(layerRow(&l)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	return fusionNotes(w, r)
}

// layerRow is a layer's row in the run summary's table: its cost, then its
// deviation from the reference.
func layerRow(l *experiment.LayerResult) []string {
	cost := []string{l.Name, l.Kind, l.Route.Label(), fmt.Sprint(l.Cycles), fmt.Sprintf("%.2f", l.EnergyPJ.Total()/1000)}
	d := &l.Deviation
	if d.Elements == 0 && l.Fusion != "" { // a vendor fusion never computes it
		return append(cost, "fused", "-", "-", "-")
	}
	return append(cost, fmt.Sprint(d.MaxLSB), percent(d.Changed), fmt.Sprintf("%+.3f", d.MeanError), SNR(d))
}

// fusionNotes lists the layers the compiler fused.
func fusionNotes(w io.Writer, r *experiment.Result) error {
	for _, l := range r.Layers {
		if l.Fusion != "" {
			if _, err := fmt.Fprintf(w, "  %s: %s\n", l.Name, l.Fusion); err != nil {
				return err
			}
		}
	}
	return nil
}
