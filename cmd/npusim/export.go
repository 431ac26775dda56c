package main

import (
	"fmt"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/npusim/npusim/workloads/onnx"
	"github.com/spf13/cobra"
)

func newExportCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "export WORKLOAD --onnx OUT.onnx",
		Short: "Write a workload as a quantized ONNX model with its inputs",
		Long: `export writes a workload (a zoo name, or any workload file, ONNX included) as
an ONNX model in the QOperator form: QLinearConv (fully connected layers as a
1x1 QLinearConv between two Reshapes), MaxPool, Clip on stored codes for fused
activations, Concat, Reshape and Transpose from the standard opset, and ONNX
Runtime's com.microsoft QLinearAdd, QLinearMul, QLinearGlobalAveragePool,
QLinearAveragePool, QLinearSoftmax, QLinearSigmoid and QLinearConcat for the
rest. Images are NCHW. The workload's input samples are written beside the
model as NumPy arrays of stored codes, OUT_input<k>_sample<s>.npy, in the
model's layout; "--workload OUT.onnx" reads them back. The sample files of an
earlier export to OUT beyond this workload's samples are removed.`,
		Example: `  npusim export digits-cnn --onnx digits-cnn.onnx
  npusim run --workload digits-cnn.onnx --policy reference`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("--onnx: the output file is required")
			}
			if _, err := atomicfile.Resolve(out); err != nil {
				return fmt.Errorf("--onnx: %w", err)
			}
			w, err := loader.New().Load(args[0])
			if err != nil {
				return err
			}
			if err := onnx.WriteWorkload(w, out); err != nil {
				return fmt.Errorf("export %s: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d ops) and %d input sample(s)\n", out, len(w.Model.Ops), len(w.Inputs))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "onnx", "", "the ONNX file to write")
	return cmd
}
