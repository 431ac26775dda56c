package main

import (
	"fmt"

	"github.com/npusim/npusim/sim/demo"
	"github.com/spf13/cobra"
)

func newDemoCommand() *cobra.Command {
	var hw string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: `Walk through "2 x 3" in int8 under every requantization variant`,
		Long: `demo quantizes a real 2.0 activation and a real 3.0 weight with parameters a
real int8 model could have, multiplies them, and requantizes the product under
every requantization variant, printing the integers at every step, the real
value of the output code, whether it is exactly 6, and why. Then it runs the
same multiply as a one-layer workload (mac2x3) on the simulated NPU under every
driver policy and prints what the hardware did: the output code, the commands
it executed, the cycles and the energy.`,
		Example: `  npusim demo
  npusim demo --hw mobile-npu`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d := demo.NewMul()
			rows, err := d.OnNPU(hw)
			if err != nil {
				return err
			}
			printDemo(cmd, d)
			printDemoNPU(cmd, hw, rows)
			return nil
		},
	}
	hwFlag(cmd, &hw, "tiny", "the NPU that runs the multiply")
	return cmd
}

func printDemoNPU(cmd *cobra.Command, hw string, rows []demo.NPURow) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "\nOn the simulated NPU (%s), under each driver policy:\n\n", hw)
	fmt.Fprintf(out, "%-16s %-22s %5s %8s %4s %9s %7s %10s\n", "policy", "requant mode", "code", "real", "= 6?", "commands", "cycles", "energy pJ")
	for _, r := range rows {
		six := "yes"
		if !r.Six {
			six = "NO"
		}
		fmt.Fprintf(out, "%-16s %-22s %5d %8.4f %4s %9d %7d %10.1f\n", r.Policy, r.Requant, r.Code, r.Real, six, r.Commands, r.Cycles, r.EnergyPJ)
	}
}

func printDemo(cmd *cobra.Command, d *demo.Mul) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "2 x 3 on an int8 layer\n\n")
	fmt.Fprintf(out, "  activation %.1f: %v scale %v zero point %d -> code %d\n", d.X, d.XType, d.XParams.Scale, d.XParams.ZeroPoint, d.QX)
	fmt.Fprintf(out, "  weight     %.1f: %v scale 3/127 = %v -> code %d\n", d.W, d.WType, d.WParams.Scale, d.QW)
	fmt.Fprintf(out, "  output        : %v scale %v zero point %d (6.0 is code %d)\n", d.OutType, d.OutPars.Scale, d.OutPars.ZeroPoint, int32(6/d.OutPars.Scale)+d.OutPars.ZeroPoint)
	fmt.Fprintf(out, "  accumulator   : (%d - %d) x %d = %d\n", d.QX, d.XParams.ZeroPoint, d.QW, d.Acc)
	fmt.Fprintf(out, "  multiplier    : %v x %v / %v = %.12f\n", d.XParams.Scale, d.WParams.Scale, d.OutPars.Scale, d.Multiplier)
	fmt.Fprintf(out, "  exact product : %d x multiplier = %.10f (the float32 weight scale is a hair below 3/127)\n\n", d.Acc, d.Exact)
	fmt.Fprintf(out, "%-22s %6s %12s %6s %7s %5s %8s %s\n", "variant", "acc", "multiplier", "shift", "rounded", "code", "real", "= 6?")
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
		fmt.Fprintf(out, "%-22s %6d %12s %6s %7d %5d %8.4f %s\n", r.Variant, d.Acc, mult, shift, r.Scaled, r.Code, r.Real, six)
	}
	fmt.Fprintln(out)
	for _, r := range d.Rows {
		fmt.Fprintf(out, "%-22s %s\n", r.Variant.String()+":", r.Why)
	}
}
