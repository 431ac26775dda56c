package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/npusim/npusim/internal/printable"
	"github.com/npusim/npusim/reports"
	"github.com/npusim/npusim/sim/campaign"

	"github.com/spf13/cobra"
)

func newFleetCommand() *cobra.Command {
	spec := campaign.FleetSpec{
		Workload: "digits-cnn",
		Devices:  100,
		HW:       []string{"mobile-npu", "tiny"},
		Policies: []string{"reference", "vendor-a@1.0", "vendor-a@1.1", "vendor-a@1.2", "vendor-dynamic"},
		Seed:     1,
		Samples:  0,
	}
	var (
		out    string
		jobs   jobFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Run a workload on a fleet of simulated phones and measure how their outputs spread",
		Long: `fleet runs one workload on N simulated devices: device i gets a hardware preset
and a driver version from the --hw and --policies lists (in turn) and its own
seeded device state (temperature and clock, scratchpad held by other clients,
DRAM load, at a seeded point of its life). Each device runs --samples of the
workload's inputs and is compared with the reference interpreter.

It prints the share of devices bit-identical to the reference, the spread of
their largest LSB error, of top-1 flips (classifiers) or of the first
diverging step (recurrent workloads), and which devices pass NNAPI's limits
while still changing outputs; it writes fleet.json, devices.jsonl (one line per
device), fleet.csv, plots and report.html to --out. Devices run in parallel and
share work when their programs are equal; results are the same serial or
parallel, sharded (--shard i/n, then npusim merge) or not.`,
		Example: `  npusim fleet --workload digits-cnn --devices 1000
  npusim fleet --workload rnn-unrolled --hw mobile-npu --policies vendor-a@1.0,vendor-a@1.1 --devices 200
  npusim fleet --devices 10000 --shard 3/10 --out fleet-3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			shard, err := jobs.parse()
			if err != nil {
				return err
			}
			if err := checkFleetFlags(spec); err != nil {
				return err
			}
			if err := freshDir(out); err != nil {
				return err
			}
			devices, err := campaign.RunFleet(spec, jobs.workers, shard)
			if err != nil {
				return err
			}
			if err := campaign.WriteFleet(out, spec, shard, devices); err != nil {
				return runtimeErr(err)
			}
			return finishFleet(cmd, out, spec, devices, asJSON)
		},
	}
	f := cmd.Flags()
	workloadFlag(cmd, &spec.Workload, spec.Workload, "")
	f.IntVar(&spec.Devices, "devices", spec.Devices, "number of devices")
	hwListFlag(cmd, &spec.HW, spec.HW, "the devices are drawn from them in turn")
	policiesFlag(cmd, &spec.Policies, spec.Policies, "the devices are drawn from them in turn")
	f.Uint64Var(&spec.Seed, "seed", spec.Seed, "the fleet's seed (device i's state seed derives from it)")
	f.IntVar(&spec.Samples, "samples", spec.Samples, "input samples each device runs (0: the whole input set)")
	f.StringVar(&out, "out", "fleet", "results directory")
	jobs.declare(cmd, "devices")
	f.BoolVar(&asJSON, "json", false, "print the device results as JSON instead of the table")
	return cmd
}

// finishFleet writes a fleet directory's reports and prints its summary.
func finishFleet(cmd *cobra.Command, dir string, spec campaign.FleetSpec, devices []campaign.DeviceResult,
	asJSON bool) error {
	if err := reports.GenerateFleet(dir, spec, devices); err != nil {
		return runtimeErr(err)
	}
	out := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(devices); err != nil {
			return runtimeErr(err)
		}
		return fleetFailures(cmd, devices)
	}
	if err := reports.FleetTable(out, spec, devices); err != nil {
		return runtimeErr(err)
	}
	fmt.Fprintf(out, "\n%d devices; devices.jsonl, fleet.csv, plots and report.html in %s\n", len(devices), dir)
	return fleetFailures(cmd, devices)
}

// fleetFailures says on stderr how many devices failed (not a policy their
// hardware cannot run), or that none could run: the exit status is then 1.
func fleetFailures(cmd *cobra.Command, devices []campaign.DeviceResult) error {
	failed, ran := campaign.FailedDevices(devices)
	if failed == 0 && (ran > 0 || len(devices) == 0) {
		return nil
	}
	first := ""
	for _, d := range devices {
		if d.Error != "" && (d.Failed || failed == 0) {
			first = d.Error
			break
		}
	}
	what := fmt.Sprintf("%d of %d devices failed", failed, len(devices))
	if failed == 0 {
		what = fmt.Sprintf("none of the %d devices could run", len(devices))
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "npusim: %s, the first because %s\n", what, printable.String(first))
	return errFailures
}

// isFleetDir reports whether a results directory holds a fleet.
func isFleetDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, campaign.FleetFile))
	return err == nil
}

// checkFleetFlags names the flag of a count out of range; the spec's own
// check (campaign.FleetSpec.Validate) names the field.
func checkFleetFlags(spec campaign.FleetSpec) error {
	switch {
	case spec.Devices < 1:
		return fmt.Errorf("--devices: must be >= 1, got %d", spec.Devices)
	case spec.Samples < 0:
		return fmt.Errorf("--samples: must be >= 0, got %d", spec.Samples)
	}
	return nil
}
