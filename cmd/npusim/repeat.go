package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/workloads/loader"

	"github.com/spf13/cobra"
)

func newRepeatCommand() *cobra.Command {
	var (
		workload, policy, hw, manifests string
		runs, sample                    int
		seed                            uint64
		asJSON                          bool
	)
	cmd := &cobra.Command{
		Use:   "repeat",
		Short: "Run the same input many times on one simulated device whose state evolves",
		Long: `repeat runs one input sample of a workload N times on one simulated phone whose
state evolves between runs (seeded: its die heats and cools with what else the
phone does and throttles the clock; other clients take part of the scratchpads
and load the DRAM). A dynamic driver policy reacts to that state, so the same
input may give different outputs. repeat prints how many distinct output digests
occurred and, for each, the runs that gave it, the first layer whose values
differ from the first run's and why: which choice the driver made differently,
under which state.

Every run is a pure function of (workload, input, policy, hardware, seed, run),
so --manifests DIR writes a manifest per run that npusim replay reproduces.`,
		Example: `  npusim repeat --workload rnn-unrolled --policy vendor-dynamic --runs 20 --seed 1
  npusim repeat --workload digits-cnn --policy vendor-dynamic --runs 50 --manifests runs/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkRepeatFlags(runs, manifests); err != nil {
				return err
			}
			ws := loader.New()
			res, err := campaign.Repeat(ws, workload, policy, hw, runs, seed, sample)
			if err != nil {
				return err
			}
			if manifests != "" {
				if err := writeRunManifests(ws, manifests, res, policy, hw); err != nil {
					return runtimeErr(err)
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return runtimeErr(enc.Encode(res))
			}
			printRepeat(out, res)
			return nil
		},
	}
	f := cmd.Flags()
	workloadFlag(cmd, &workload, "rnn-unrolled", "")
	policyFlag(cmd, &policy, "vendor-dynamic", "")
	hwFlag(cmd, &hw, npu.DefaultPreset, "")
	f.IntVar(&runs, "runs", 20, "number of runs")
	f.IntVar(&sample, "sample", 0, "which input sample of the workload to repeat")
	f.Uint64Var(&seed, "seed", 1, "the simulated device's seed")
	f.StringVar(&manifests, "manifests", "", "directory (new or empty) to write one replayable manifest per run into")
	f.BoolVar(&asJSON, "json", false, "print the full result as JSON")
	return cmd
}

// printRepeat prints a repeat as a table of runs, one row per run, then the
// distinct output digests with the runs that gave each and, for every digest
// after the first, where and why its outputs part from the first's.
func printRepeat(out io.Writer, res *campaign.RepeatResult) {
	fmt.Fprintf(out, "%s under %s on %s, sample %d, %d runs on device seed %d\n",
		res.Workload, res.Policy, res.HW, res.Sample, len(res.Runs), res.Seed)
	fmt.Fprintf(out, "%d distinct output digest(s)\n\n", len(res.Groups))
	fmt.Fprintf(out, "%4s %8s %6s %5s %6s %5s %10s %10s %8s %s\n",
		"run", "temp C", "clock", "mV", "SRAM", "load", "latency ms", "energy uJ", "max LSB", "digest")
	for _, r := range res.Runs {
		fmt.Fprintf(out, "%4d %8.1f %5.0f%% %5.0f %5.0f%% %5.2f %10.4f %10.4g %8d %s\n",
			r.State.Run, r.State.TemperatureC, 100*r.State.ClockFactor, r.VoltageMV, 100*(1-r.State.SRAMHeld),
			r.State.Load, r.LatencyMs, r.EnergyUJ, r.MaxLSB, r.Digest[:12])
	}
	fmt.Fprintln(out)
	for i, g := range res.Groups {
		ref := ""
		if g.Reference {
			ref = " (the reference's outputs)"
		}
		fmt.Fprintf(out, "digest %s%s: runs %v\n", g.Digest[:12], ref, g.Runs)
		if i > 0 {
			fmt.Fprintf(out, "  first differs from digest %s at layer %s: %s\n",
				res.Groups[0].Digest[:12], g.FirstLayer, g.Why)
		}
	}
}

// checkRepeatFlags checks --runs against the budget and --manifests as a
// directory it can write into, before anything runs.
func checkRepeatFlags(runs int, manifests string) error {
	if runs < 1 {
		return fmt.Errorf("--runs: must be >= 1, got %d", runs)
	}
	if err := limits.Check(limits.Runs, "--runs", uint64(runs)); err != nil {
		return err
	}
	if manifests != "" {
		// an earlier repeat's run files would sit among this one's
		if err := atomicfile.CheckNewDir(manifests); err != nil {
			return fmt.Errorf("--manifests: %w", err)
		}
	}
	return nil
}

// writeRunManifests records every run of a repeat as a manifest file.
func writeRunManifests(ws *loader.Loader, dir string, res *campaign.RepeatResult, policy, hw string) error {
	if err := atomicfile.MkdirAll(dir); err != nil {
		return err
	}
	for _, r := range res.Runs {
		device := &campaign.DeviceRef{Seed: res.Seed, Run: r.State.Run}
		m, err := campaign.Record(ws, res.Workload, policy, hw, []int{res.Sample}, device)
		if err != nil {
			return err
		}
		if err := campaign.WriteManifest(filepath.Join(dir, fmt.Sprintf("run-%04d.json", r.State.Run)), m); err != nil {
			return err
		}
	}
	return nil
}

func newReplayCommand() *cobra.Command {
	var policy, hw string
	cmd := &cobra.Command{
		Use:   "replay MANIFEST",
		Short: "Rerun a recorded run and confirm its outputs byte for byte",
		Long: `replay reads a manifest written by npusim run --manifest or npusim repeat
--manifests, reruns exactly that run (the same workload and input samples, the
same policy version and hardware, the same device state) and compares the digest
of every layer and output. It prints REPRODUCED and exits 0, or names the first
input, configuration or tensor that differs and exits 1.

A policy or hardware given as a file must be passed again with --policy or --hw
(presets are found by name); its contents must be the recorded ones, and a
policy file given without @version gets the recorded version. Every field of
the manifest is checked first (exit 2 when one is malformed); the device
state is recomputed from its seed and run and compared with the recorded one.`,
		Example: `  npusim replay runs/run-0007.json
  npusim replay --policy my-policy.yaml audit.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := campaign.ReadManifest(args[0])
			if err != nil {
				return err
			}
			if policy == "" {
				policy = m.Policy
			}
			if hw == "" {
				hw = m.HW
			}
			err = campaign.Replay(loader.New(), m, policy, hw)
			switch {
			case errors.Is(err, campaign.ErrReplayDiffers):
				fmt.Fprintf(cmd.OutOrStdout(), "DIFFERS: %v\n", err)
				return errFailures
			case err != nil:
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "REPRODUCED: %s under %s on %s, samples %v: %d layer and %d output digests match\n",
				m.Workload, m.Policy, m.HW, m.Samples, len(m.Layers), len(m.Outputs))
			return nil
		},
	}
	policyFlag(cmd, &policy, "", "the file the run used, when it used one (default: the recorded preset)")
	hwFlag(cmd, &hw, "", "the file the run used, when it used one (default: the recorded preset)")
	return cmd
}
