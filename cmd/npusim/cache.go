package main

import (
	"fmt"
	"io"

	"github.com/npusim/npusim/internal/diskcache"
	"github.com/spf13/cobra"
)

// noCacheFlag declares --no-cache, for the commands that keep the zoo's
// workloads and the reference values in the disk cache.
func noCacheFlag(cmd *cobra.Command, p *bool) {
	cmd.Flags().BoolVar(p, "no-cache", false,
		"neither read nor write the disk cache of built workloads and reference values ($"+
			diskcache.EnvDir+", else the user's cache directory/npusim); results are the same either way")
}

// openCache opens the disk cache, or returns nil (no cache) with --no-cache
// or, saying why on stderr, when it cannot be opened.
func openCache(noCache bool, stderr io.Writer) *diskcache.Cache {
	if noCache {
		return nil
	}
	c, err := diskcache.Open()
	if err != nil {
		fmt.Fprintf(stderr, "npusim: running without the disk cache: %v\n", err)
		return nil
	}
	return c
}
