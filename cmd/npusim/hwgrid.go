package main

import (
	"errors"
	"fmt"

	"github.com/npusim/npusim/sim/campaign"
	"github.com/spf13/cobra"
)

// useHWGrid makes a sweep's hardware the design points of a hardware grid
// file, when one is given.
func useHWGrid(cmd *cobra.Command, grid *campaign.Grid, path string) error {
	if path == "" {
		return nil
	}
	if cmd.Flags().Changed("hw") {
		return errors.New("--hw-grid and --hw: give one of them")
	}
	g, err := campaign.ReadHWGrid(path)
	if err != nil {
		return err
	}
	if err := grid.UseHWGrid(g); err != nil {
		return fmt.Errorf("hw grid %s: %w", path, err)
	}
	return nil
}
