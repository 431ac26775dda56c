package main

import (
	"encoding/json"
	"fmt"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/reports"
	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/spf13/cobra"
)

func newRunCommand() *cobra.Command {
	var (
		cell     experiment.Cell
		asJSON   bool
		manifest string
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run one workload under one driver policy on one NPU and compare with the reference",
		Long: `run compiles a workload under a driver policy for an NPU, simulates every input
sample on it, and compares every layer and the outputs with the bit-exact
reference interpreter. It prints the latency and energy per inference with the
energy breakdown, the deviation (largest difference in LSB, share of values
changed, mean signed error, SNR), the task outcome (top-1 agreement and accuracy
for classifiers, the first diverging step for recurrent workloads), NNAPI's
verdict, the SHA-256 digest of the outputs, and a table of layers.

--workload takes a zoo name (npusim list workloads) with options
(rnn-unrolled:steps=32), an op case file (.json) or a SCALE-Sim topology (.csv);
--policy a preset or a YAML policy file; --hw a preset or a YAML hardware file.
--input replaces the workload's input set with your own sample: raw stored
codes (.bin) or a NumPy array (.npy) of int8/uint8 codes or of real numbers,
which are quantized onto the model input's grid.`,
		Example: `  npusim run --workload digits-cnn --policy mult16
  npusim run --workload mobilenet-v2 --policy vendor-a --hw mobile-npu --samples 1
  npusim run --workload rnn-unrolled:steps=48 --policy my-policy.yaml --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkRunFlags(cell, manifest); err != nil {
				return err
			}
			ws := loader.New()
			r, err := experiment.Run(cell, ws, experiment.NewReferences())
			if err != nil {
				return err
			}
			if manifest != "" {
				w, err := ws.Load(cell.Workload)
				if err != nil {
					return err
				}
				m, err := campaign.Record(ws, cell.Workload, cell.Policy, cell.HW, campaign.AllSamples(w, cell.Samples), nil)
				if err != nil {
					return err
				}
				if err := campaign.WriteManifest(manifest, m); err != nil {
					return runtimeErr(err)
				}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return runtimeErr(enc.Encode(r))
			}
			if err := reports.RunSummary(cmd.OutOrStdout(), r); err != nil || r.Text == nil {
				return runtimeErr(err)
			}
			return runtimeErr(reports.TextComparison(cmd.OutOrStdout(), r.Policy, r.Text, isTerminal(cmd.OutOrStdout())))
		},
	}
	f := cmd.Flags()
	workloadFlag(cmd, &cell.Workload, "digits-cnn", "")
	policyFlag(cmd, &cell.Policy, "reference", "")
	hwFlag(cmd, &cell.HW, npu.DefaultPreset, "")
	f.IntVar(&cell.Samples, "samples", 0, "input samples to run (0: the workload's whole input set)")
	f.StringSliceVar(&cell.Inputs, "input", nil, "run on your own input instead of the workload's: a raw int8/uint8 file or a .npy array, one per model input")
	f.BoolVar(&asJSON, "json", false, "print the full result as JSON")
	f.StringVar(&manifest, "manifest", "", "write a replayable manifest of the run (npusim replay) to this file")
	return cmd
}

// runtimeErr marks an error writing results as a failure to finish (exit 1).
func runtimeErr(err error) error {
	if err == nil {
		return nil
	}
	return runtimeError{err}
}

// checkRunFlags checks run's flags before anything runs: --manifest must be
// a file it can write, and flags that do nothing together are errors.
func checkRunFlags(cell experiment.Cell, manifest string) error {
	switch {
	case cell.Samples < 0:
		return fmt.Errorf("--samples: must be >= 0, got %d", cell.Samples)
	case manifest != "" && len(cell.Inputs) > 0:
		return fmt.Errorf("--manifest: replayable manifests record the workload's own samples; drop --input")
	case len(cell.Inputs) > 0 && cell.Samples > 0:
		return fmt.Errorf("--samples: --input gives the one sample to run; drop --samples")
	case manifest != "":
		if _, err := atomicfile.Resolve(manifest); err != nil {
			return fmt.Errorf("--manifest: %w", err)
		}
	}
	return nil
}
