package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/npusim/npusim/workloads/zoo"
	"github.com/spf13/cobra"
)

// engineSamples caps the samples per workload: all of the small workloads'
// (up to 64), one of an ImageNet-size network's.
func engineSamples(w *workloads.Workload) int {
	if quant.NumElements(w.Model.Tensors[w.Model.Inputs[0]].Shape) > 10000 {
		return 1
	}
	return 64
}

func newEnginesCommand() *cobra.Command {
	var list string
	cmd := &cobra.Command{
		Use:   "engines",
		Short: "Which inference engines give the TFLite reference's outputs, per workload",
		Long: `engines runs every workload under every engine emulation of the interpreter
(tflite, the reference; onnxruntime, ONNX Runtime 1.30's CPU kernels; armnn-ref,
Arm NN 20.08's reference backend; the last two held bit for bit to the real
engines by the differential tests of package engines) and prints, as a
Markdown table, whether each engine's outputs are byte-identical to the
reference's, the largest difference in LSBs, the share of output values that
changed and the verdict of Android NNAPI's tolerance. Small workloads run on
up to 64 of their samples, ImageNet-size ones on one.`,
		Example: `  npusim engines
  npusim engines --workloads digits-cnn,mobilenet-v2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			names := zoo.Names()
			if list != "" {
				names = strings.Split(list, ",")
			}
			return printEngines(cmd.OutOrStdout(), names)
		},
	}
	cmd.Flags().StringVar(&list, "workloads", "", "comma-separated workloads (default: the whole zoo)")
	return cmd
}

func printEngines(out io.Writer, names []string) error {
	fmt.Fprintln(out, "| workload | engine | samples | bit-exact vs tflite | max LSB | changed | NNAPI |")
	fmt.Fprintln(out, "|---|---|---:|---|---:|---:|---|")
	ws, refs := loader.New(), experiment.NewReferences()
	for _, name := range names {
		w, err := ws.Load(name)
		if err != nil {
			return err
		}
		for _, e := range reference.Engines() {
			r, err := experiment.CompareEngine(w, e, engineSamples(w), refs)
			if err != nil {
				return runtimeErr(err)
			}
			if r.Cannot != "" {
				fmt.Fprintf(out, "| %s | %s | - | cannot run: %s | - | - | - |\n", name, e, r.Cannot)
				continue
			}
			exact, verdict := "no", fmt.Sprintf("FAIL (>%d)", r.NNAPILimit)
			if r.Exact() {
				exact = "yes"
			}
			if r.NNAPIPass {
				verdict = fmt.Sprintf("PASS (<=%d)", r.NNAPILimit)
			}
			fmt.Fprintf(out, "| %s | %s | %d | %s | %d | %.2f%% | %s |\n",
				name, e, r.Samples, exact, r.MaxLSB, 100*r.Changed, verdict)
		}
	}
	return nil
}
