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

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/internal/printable"
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

// run executes the command line and returns the exit status. Whatever
// happens, it prints at most one error line, with the control characters
// a file may have put in it escaped.
func run(args []string, stdout, stderr io.Writer) (status int) {
	defer limits.Set(limits.Get()) // --limit holds for this command line only
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprintf("internal error (a fault in npusim, please report it): %v", p)
			fmt.Fprintf(stderr, "npusim: %s\n", printable.String(msg))
			status = exitFailures
		}
	}()
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
	fmt.Fprintf(stderr, "npusim: %s\n", printable.String(err.Error()))
	return exitStatus(err)
}

// exitStatus is the status of a command that failed with err: 1 when it
// could not finish for a reason of its own, 2 for anything the user must
// fix, a path it must not write to included.
func exitStatus(err error) int {
	var rt runtimeError
	var target *atomicfile.TargetError
	if errors.As(err, &rt) && !errors.As(err, &target) {
		return exitFailures
	}
	return exitBadInput // flags, arguments, files, configs and output paths
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "npusim",
		Short: "A cycle-approximate mobile NPU simulator that measures the cost of deterministic quantized inference",
		Long: `npusim simulates a mobile NPU (systolic int8 MAC array, requantization unit,
on-chip SRAM, DMA to DRAM) and the driver policies that compile quantized
networks for it, and shows how each driver shortcut changes a network's
outputs and what it buys in cycles and energy.

Exit status: 0 when everything asked for was done; 1 when a command ran
and found a difference or a failure (a check case, a replay, a sweep cell
or fleet device that failed, or a sweep or fleet none of whose cells or
devices could run; a cell whose policy asks for what its hardware lacks
is a result of the sweep, not a failure); 2 for anything to fix in the
command line or its files.

Every file and flag is checked against a work budget before npusim
allocates or loops; a request over a limit is an error naming the field.
The limits (--limit name=value raises one for a run):

` + limits.Help(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var settings []string
	root.PersistentFlags().StringSliceVar(&settings, "limit", nil,
		"raise a limit of the work budget for this run, name=value (the limits and their values: npusim --help)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		l, err := limits.Parse(limits.Get(), settings)
		if err != nil {
			return err
		}
		limits.Set(l)
		return nil
	}
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(newCheckCommand(), newDemoCommand(), newRunCommand(), newListCommand(), newShowCommand(),
		newSweepCommand(), newMergeCommand(), newReportCommand(), newRepeatCommand(), newFleetCommand(),
		newReplayCommand(), newTraceCommand(), newScaleSimCommand(), newExportCommand(), newEnginesCommand(),
		newShowHWCommand(), newConformanceCommand(), newClassroomCommand(), newBenchCommand())
	return root
}
