package main

import (
	"fmt"
	"strconv"

	"github.com/npusim/npusim/sim/demo"
	"github.com/spf13/cobra"
)

func newDemoCommand() *cobra.Command {
	var (
		hw     string
		in     = demo.DefaultMulInputs()
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: `Walk through "2 x 3" in int8 under every requantization variant`,
		Long: `demo quantizes a real 2.0 activation and a real 3.0 weight with parameters a
real int8 model could have, multiplies them, and requantizes the product under
every requantization variant, printing the integers at every step, the real
value of the output code, whether it is exactly 6, and why. Then it runs the
same multiply as a one-layer workload (mac2x3) on the simulated NPU under every
driver policy and prints what the hardware did: the output code, the commands
it executed, the cycles and the energy.

The flags change the numbers, scales and zero points (all int8); "right"
then means the output code nearest x x w. --json prints every figure as
JSON (what the classroom page shows, for the same inputs).`,
		Example: `  npusim demo
  npusim demo --hw mobile-npu
  npusim demo --x 2.5 --out-scale 0.07 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := demo.NewMulOf(in)
			if err != nil {
				return fmt.Errorf("--%w", err)
			}
			rows, err := d.OnNPU(hw)
			if err != nil {
				return err
			}
			if asJSON {
				return printDemoJSON(cmd, in, d, rows)
			}
			printDemo(cmd, d)
			printDemoNPU(cmd, d, hw, rows)
			return nil
		},
	}
	hwFlag(cmd, &hw, "tiny", "the NPU that runs the multiply")
	addMulFlags(cmd, &in)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the walkthrough as JSON")
	return cmd
}

func printDemoNPU(cmd *cobra.Command, d *demo.Mul, hw string, rows []demo.NPURow) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "\nOn the simulated NPU (%s), under each driver policy:\n\n", hw)
	fmt.Fprintf(out, "%-16s %-22s %5s %8s %4s %9s %7s %10s\n",
		"policy", "requant mode", "code", "real", rightHeader(d), "commands", "cycles", "energy pJ")
	for _, r := range rows {
		six := "yes"
		if !r.Six {
			six = "NO"
		}
		fmt.Fprintf(out, "%-16s %-22s %5d %8.4f %4s %9d %7d %10.1f\n",
			r.Policy, r.Requant, r.Code, r.Real, six, r.Commands, r.Cycles, r.EnergyPJ)
	}
}

func printDemo(cmd *cobra.Command, d *demo.Mul) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s x %s on an int8 layer\n\n",
		strconv.FormatFloat(d.X, 'g', -1, 64), strconv.FormatFloat(d.W, 'g', -1, 64))
	fmt.Fprintf(out, "  activation %s: %v scale %v zero point %d -> code %d\n",
		realText(d.X), d.XType, d.XParams.Scale, d.XParams.ZeroPoint, d.QX)
	fmt.Fprintf(out, "  weight     %s: %v scale %s -> code %d\n", realText(d.W), d.WType, weightScaleText(d), d.QW)
	fmt.Fprintf(out, "  output        : %v scale %v zero point %d (%s)\n",
		d.OutType, d.OutPars.Scale, d.OutPars.ZeroPoint, targetText(d))
	fmt.Fprintf(out, "  accumulator   : %s = %d\n", accText(d), d.Acc)
	fmt.Fprintf(out, "  multiplier    : %v x %v / %v = %.12f\n",
		d.XParams.Scale, d.WParams.Scale, d.OutPars.Scale, d.Multiplier)
	fmt.Fprintf(out, "  exact product : %d x multiplier = %.10f%s\n\n", d.Acc, d.Exact, exactNote(d))
	fmt.Fprintf(out, "%-22s %6s %12s %6s %7s %5s %8s %s\n",
		"variant", "acc", "multiplier", "shift", "rounded", "code", "real", rightHeader(d))
	for _, r := range d.Rows {
		mult := fmt.Sprint(r.Multiplier.Q)
		shift := fmt.Sprint(r.Multiplier.Shift)
		if r.Multiplier.Q == 0 {
			mult, shift = fmt.Sprintf("%.9g", r.Multiplier.Scale), "-"
		}
		six := "yes"
		if !r.Six {
			six = "NO"
		}
		fmt.Fprintf(out, "%-22s %6d %12s %6s %7d %5d %8.4f %s\n",
			r.Variant, d.Acc, mult, shift, r.Scaled, r.Code, r.Real, six)
	}
	fmt.Fprintln(out)
	for _, r := range d.Rows {
		fmt.Fprintf(out, "%-22s %s\n", r.Variant.String()+":", r.Why)
	}
}
