package main

import (
	"encoding/json"
	"fmt"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/printable"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/cases"
	"github.com/spf13/cobra"
)

func newCheckCommand() *cobra.Command {
	var (
		tolerance   int64
		asJSON      bool
		variantName string
		policyName  string
		hwName      string
	)
	cmd := &cobra.Command{
		Use:   "check PATH...",
		Short: "Run single-op test cases and compare with their expected outputs",
		Long: `check runs every op test case found in the given files and directories
(searched recursively for case files) on the bit-exact reference interpreter,
and compares each output with the case's expected values. A case passes when no
element differs by more than --tolerance LSBs (NNAPI's own harness uses 1).

With --policy, each case is instead compiled by that driver policy for the
--hw NPU and simulated on it, the interpreter playing no part.

It prints one line per case (name, op, elements, largest difference in LSB,
PASS or FAIL) and a closing line "N passed, M failed". The exit status is 0 when
none failed, 1 when some did, 2 when a file could not be read.`,
		Example: `  npusim check ../shared/testdata/nnapi
  npusim check --variant single-rounding --tolerance 1 conv_quant8_large.json
  npusim check --json cases/ > results.json
  npusim check --policy vendor-a --hw tiny ../shared/testdata/nnapi`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := quant.ParseVariant(variantName)
			if err != nil {
				return fmt.Errorf("--variant: %w", err)
			}
			if err := checkCheckFlags(cmd, tolerance, policyName); err != nil {
				return err
			}
			check := func(file string, c *cases.Case) (experiment.CaseResult, error) {
				return experiment.CheckCase(file, c, v, tolerance)
			}
			if policyName != "" {
				p, err := drivers.LoadPolicy(policyName)
				if err != nil {
					return err
				}
				hw, err := npu.LoadConfig(hwName)
				if err != nil {
					return err
				}
				if err := p.CheckHardware(hw); err != nil {
					return err
				}
				check = func(file string, c *cases.Case) (experiment.CaseResult, error) {
					return experiment.CheckCaseOnNPU(file, c, p, hw, tolerance)
				}
			}
			files, err := cases.LoadAll(args)
			if err != nil {
				return err
			}
			var results []experiment.CaseResult
			for _, f := range files {
				for _, c := range f.Cases {
					r, err := check(f.Path, c)
					if err != nil {
						return fmt.Errorf("case %s: %s: %w", f.Path, c.Name, err)
					}
					results = append(results, r)
				}
			}
			return printCheck(cmd, results, asJSON)
		},
	}
	cmd.Flags().Int64Var(&tolerance, "tolerance", 0, "largest accepted difference per element, in LSB")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print machine-readable per-case results")
	policyFlag(cmd, &policyName, "", "run the cases through it on the simulated NPU instead of the interpreter")
	hwFlag(cmd, &hwName, npu.DefaultPreset, "used with --policy")
	cmd.Flags().StringVar(&variantName, "variant", quant.VariantDoubleRounding.String(),
		"requantization variant of the interpreter (one of: "+variantList()+")")
	return cmd
}

// checkCheckFlags rejects flags that do nothing in the way they are given.
func checkCheckFlags(cmd *cobra.Command, tolerance int64, policyName string) error {
	if tolerance < 0 {
		return fmt.Errorf("--tolerance: must be >= 0, got %d", tolerance)
	}
	if err := needs(cmd, "hw", "policy"); err != nil {
		return err
	}
	if policyName != "" && cmd.Flags().Changed("variant") {
		return fmt.Errorf("--variant: chooses the interpreter's requantization; with --policy the policy chooses it")
	}
	return nil
}

func variantList() string {
	var s string
	for i, v := range quant.Variants() {
		if i > 0 {
			s += ", "
		}
		s += v.String()
	}
	return s
}

func printCheck(cmd *cobra.Command, results []experiment.CaseResult, asJSON bool) error {
	passed := 0
	for _, r := range results {
		if r.Pass {
			passed++
		}
	}
	failed := len(results) - passed
	out := cmd.OutOrStdout()
	if asJSON {
		for i := range results {
			results[i].Actual = nil
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Cases  []experiment.CaseResult `json:"cases"`
			Passed int                     `json:"passed"`
			Failed int                     `json:"failed"`
		}{results, passed, failed}); err != nil {
			return runtimeError{err}
		}
	} else {
		for _, r := range results {
			verdict := "PASS"
			if !r.Pass {
				verdict = "FAIL"
			}
			fmt.Fprintf(out, "%-34s %-18s %6d elements  max diff %3d LSB  %s\n",
				printable.String(r.Name), r.Op, r.Elements, r.MaxDiff, verdict)
		}
		fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
	}
	if failed > 0 {
		return errFailures
	}
	return nil
}
