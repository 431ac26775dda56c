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

// TestMergeRefusesTamperedManifests: a shard whose sweep.json was edited to
// an impossible shard or an empty grid is one error line naming the file
// and field, exit status 2, no results directory; a sweep asked for more
// shards than cells is refused the same way.
func TestMergeRefusesTamperedManifests(t *testing.T) {
	base := t.TempDir()
	grid := []string{"sweep", "--workloads", "mac2x3", "--policies", "reference,truncate", "--hw", "tiny"}
	shard := filepath.Join(base, "shard-1")
	if status, _, errOut := runCLI(append(grid, "--shard", "1/2", "--out", shard)...); status != 0 {
		t.Fatalf("exit %d: %s", status, errOut)
	}
	manifest := filepath.Join(shard, "sweep.json")
	original, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to, want string }{
		{`"count": 2`, `"count": -3`, "sweep.json: shard: 1/-3: want i/n with 1 <= i <= n"},
		{`"index": 1`, `"index": 5`, "sweep.json: shard: 5/2: want i/n with 1 <= i <= n"},
		{`"count": 2`, `"count": 1000000000`, "sweep.json: shard: 1/1000000000: more shards than the sweep's 2 cells"},
		{`"workloads": [`, `"workloads": [], "w": [`, "sweep.json: grid: needs at least one workload"},
	} {
		edited := strings.Replace(string(original), c.from, c.to, 1)
		if edited == string(original) {
			t.Fatalf("%s not in %s", c.from, original)
		}
		if err := os.WriteFile(manifest, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(base, "merged")
		status, _, errOut := runCLI("merge", "--out", out, shard)
		if status != 2 || !strings.Contains(errOut, c.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", c.to, status, errOut, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: the refused merge left %s", c.to, out)
		}
	}
	status, _, errOut := runCLI(append(grid, "--shard", "3/4", "--out", filepath.Join(base, "s"))...)
	if want := "shard: 3/4: more shards than the sweep's 2 cells"; status != 2 || !strings.Contains(errOut, want) {
		t.Errorf("sweep --shard 3/4 of 2 cells: exit %d, stderr %q; want exit 2 and %q", status, errOut, want)
	}
}
