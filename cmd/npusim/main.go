// Command npusim simulates a mobile NPU and the driver policies that make
// quantized networks give different answers on different phones.
//
// Run "npusim help" for the list of commands.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Exit statuses: a command that ran and found failures (or could not finish)
// exits 1; bad usage or bad input exits 2.
const (
	exitFailures = 1
	exitBadInput = 2
)

// errFailures reports that a command ran and found failures (exit status 1);
// the command has already printed what failed.
var errFailures = errors.New("failures found")

// runtimeError marks an error that is not the user's input: the command ran
// and could not finish (exit status 1).
type runtimeError struct{ err error }

func (e runtimeError) Error() string { return e.err.Error() }
func (e runtimeError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errFailures):
		return exitFailures
	}
	fmt.Fprintf(stderr, "npusim: %v\n", err)
	var rt runtimeError
	if errors.As(err, &rt) {
		return exitFailures
	}
	return exitBadInput // flags, arguments, files and configs
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "npusim",
		Short: "A cycle-approximate mobile NPU simulator that measures the cost of deterministic quantized inference",
		Long: `npusim simulates a mobile NPU (systolic int8 MAC array, requantization unit,
on-chip SRAM, DMA to DRAM) and the driver policies that compile quantized
networks for it, and shows how each driver shortcut changes a network's
outputs and what it buys in cycles and energy.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newCheckCommand(), newDemoCommand(), newRunCommand(), newListCommand(), newShowCommand(), newSweepCommand(), newMergeCommand(), newReportCommand(), newRepeatCommand(), newFleetCommand(), newReplayCommand(), newTraceCommand(), newScaleSimCommand(), newExportCommand(), newEnginesCommand(), newShowHWCommand(), newConformanceCommand(), newClassroomCommand())
	return root
}
