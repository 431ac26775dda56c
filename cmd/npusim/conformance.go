package main

import (
	"fmt"

	"github.com/npusim/npusim/engines"
	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo"
	"github.com/spf13/cobra"
)

// conformanceOps is how many random models of each single op a pack holds.
const conformanceOps = 2

func newConformanceCommand() *cobra.Command {
	var out, judge string
	cmd := &cobra.Command{
		Use:   "conformance --out DIR | --judge DIR",
		Short: "Write a determinism test pack for engines that load ONNX, or judge an engine's outputs",
		Long: `conformance --out DIR writes a determinism test pack: ONNX models of single
ops (seeded random convolutions, depthwise convolutions, fully connected
layers, ADD, MUL, pools, SOFTMAX, LOGISTIC, RELU6, concatenations of two
grids) and of every zoo network, their inputs,
the bit-exact outputs of the TFLite reference (NNNN-name_output<k>_sample<s>.npy),
a manifest.json listing them, and run_onnxruntime.js, which runs the pack on
ONNX Runtime ("NPUSIM_ORT_DIR=<npm prefix> node DIR/run_onnxruntime.js
DIR/manifest.json"). Any engine that loads ONNX can be run on the pack the
same way, writing each case's "outputs" files.

conformance --judge DIR compares the outputs an engine wrote with the
expected ones and prints, per op and per network, "exact", "within NNAPI"
(Android's tolerance: 1 LSB, 3 for MobileNet-class networks) or "outside
NNAPI"; it exits 1 if any case is outside or was not run.`,
		Example: `  npusim conformance --out pack
  NPUSIM_ORT_DIR=$HOME/ort node pack/run_onnxruntime.js pack/manifest.json
  npusim conformance --judge pack`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case out != "" && judge == "":
				// an engine's outputs from an earlier pack would be judged as this pack's
				if err := atomicfile.CheckNewDir(out); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
				return writePack(cmd, out)
			case judge != "" && out == "":
				return judgePack(cmd, judge)
			}
			return fmt.Errorf("give one of --out DIR and --judge DIR")
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write a pack into this directory (new or empty)")
	cmd.Flags().StringVar(&judge, "judge", "", "judge the outputs an engine wrote into this pack")
	return cmd
}

func writePack(cmd *cobra.Command, dir string) error {
	var ws []*workloads.Workload
	for _, kind := range engines.SingleOps() {
		for seed := range uint64(conformanceOps) {
			w, err := engines.RandomOp(kind, seed, 1)
			if err != nil {
				return runtimeErr(err)
			}
			ws = append(ws, w)
		}
	}
	for _, name := range zoo.Names() {
		w, err := zoo.Load(name)
		if err != nil {
			return err
		}
		ws = append(ws, w)
	}
	pack, err := engines.WritePack(dir, ws, 1)
	if err != nil {
		return runtimeErr(err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %d cases (%d models) to %s\n", len(pack.Cases), len(ws), dir)
	return nil
}

func judgePack(cmd *cobra.Command, dir string) error {
	verdicts, err := engines.Judge(dir)
	if err != nil {
		return err
	}
	bad := 0
	for _, v := range verdicts {
		fmt.Fprintf(cmd.OutOrStdout(), "%-40s %s\n", v.Case, v)
		if v.Err != nil || v.MaxLSB > v.Tolerance {
			bad++
		}
	}
	if bad > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "%d of %d cases outside NNAPI's tolerance or not run\n", bad, len(verdicts))
		return errFailures
	}
	return nil
}
