package main

import (
	"fmt"
	"strings"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/sim/campaign"
	"github.com/npusim/npusim/workloads/loader"
	"github.com/spf13/cobra"
)

// The flags that name what runs (--workload, --policy, --hw and their
// plural forms) are declared here, each with one help text; a command gives
// its default and, where the flag plays a particular part in it, a note
// appended to the help ("used with --policy").

// workloadFlag declares --workload.
func workloadFlag(cmd *cobra.Command, p *string, def, note string) {
	cmd.Flags().StringVar(p, "workload", def, withNote("workload: "+loader.Help(), note))
}

// workloadsFlag declares --workloads, a list.
func workloadsFlag(cmd *cobra.Command, p *[]string, def []string, note string) {
	cmd.Flags().StringSliceVar(p, "workloads", def, withNote("workloads, each a "+loader.Help(), note))
}

// policyHelp says what names a driver policy.
func policyHelp() string {
	return "preset (npusim list policies), with @version for one of its versions (vendor-a@1.1), or YAML file"
}

// policyFlag declares --policy.
func policyFlag(cmd *cobra.Command, p *string, def, note string) {
	cmd.Flags().StringVar(p, "policy", def, withNote("driver policy: "+policyHelp(), note))
}

// policiesFlag declares --policies, a list.
func policiesFlag(cmd *cobra.Command, p *[]string, def []string, note string) {
	cmd.Flags().StringSliceVar(p, "policies", def, withNote("driver policies, each a "+policyHelp(), note))
}

// hwHelp says what names a hardware configuration.
func hwHelp() string {
	return "preset (" + strings.Join(npu.Presets(), ", ") + ") or YAML file, " +
		"with overrides as PRESET{key=value, ...} (npusim show-hw --help)"
}

// hwFlag declares --hw, one hardware configuration.
func hwFlag(cmd *cobra.Command, p *string, def, note string) {
	cmd.Flags().StringVar(p, "hw", def, withNote("hardware: "+hwHelp(), note))
}

// hwListFlag declares --hw as a list of hardware configurations, separated
// by commas outside the braces of overrides.
func hwListFlag(cmd *cobra.Command, p *[]string, def []string, note string) {
	*p = def
	cmd.Flags().Var(&hwList{values: p}, "hw", withNote("hardware, each a "+hwHelp(), note))
}

func withNote(help, note string) string {
	if note == "" {
		return help
	}
	return help + "; " + note
}

// requireFlags marks flags the command cannot run without; naming a flag
// the command does not have is a programming error.
func requireFlags(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		if err := cmd.MarkFlagRequired(n); err != nil {
			panic(fmt.Sprintf("%s: %v", cmd.Name(), err))
		}
	}
}

// jobFlags are the flags of a command that runs many independent jobs
// (a sweep's cells, a fleet's devices): how many run at once, and which
// shard of them this machine runs.
type jobFlags struct {
	workers int
	shard   string
}

// declare declares --parallel and --shard; jobs names the jobs ("cells").
func (j *jobFlags) declare(cmd *cobra.Command, jobs string) {
	cmd.Flags().IntVar(&j.workers, "parallel", 0, jobs+" run at once (0: one per CPU)")
	cmd.Flags().StringVar(&j.shard, "shard", "", "run only shard i of n of the "+jobs+" (i/n, 1 <= i <= n)")
}

// parse checks the flags and returns the shard (nil for all the jobs).
func (j *jobFlags) parse() (*campaign.Shard, error) {
	if j.workers < 0 {
		return nil, fmt.Errorf("--parallel: must be >= 0, got %d", j.workers)
	}
	if j.shard == "" {
		return nil, nil
	}
	sh, err := campaign.ParseShard(j.shard)
	if err != nil {
		return nil, fmt.Errorf("--shard: %w", err)
	}
	return &sh, nil
}

// needs reports a flag given without the flag it works with ("check --hw"
// without --policy does nothing): an error rather than a silent no-op.
func needs(cmd *cobra.Command, flag, with string) error {
	if cmd.Flags().Changed(flag) && !cmd.Flags().Changed(with) {
		return fmt.Errorf("--%s: only used with --%s", flag, with)
	}
	return nil
}
