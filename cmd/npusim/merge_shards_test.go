package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMergeRefusesMissingShard merges shards 1 and 3 of 3: one error line
// naming shard 2/3, exit status 2, no results directory.
func TestMergeRefusesMissingShard(t *testing.T) {
	base := t.TempDir()
	grid := []string{"sweep", "--workloads", "mac2x3", "--policies", "reference,truncate,mult16", "--hw", "tiny"}
	var dirs []string
	for _, i := range []int{1, 3} {
		dir := filepath.Join(base, fmt.Sprint("shard-", i))
		if status, _, errOut := runCLI(append(grid, "--shard", fmt.Sprintf("%d/3", i), "--out", dir)...); status != 0 {
			t.Fatalf("shard %d: exit %d: %s", i, status, errOut)
		}
		dirs = append(dirs, dir)
	}
	out := filepath.Join(base, "merged")
	status, stdout, errOut := runCLI(append([]string{"merge", "--out", out}, dirs...)...)
	want := "npusim: the shards lack 1 cell; missing shard 2/3 (run each with the sweep's command, --shard i/3 and --resume on its directory)\n"
	if status != 2 || stdout != "" || errOut != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", status, stdout, errOut, want)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused merge left %s: %v", out, err)
	}
	if strings.Count(errOut, "\n") != 1 {
		t.Errorf("%d lines on stderr", strings.Count(errOut, "\n"))
	}
}
