package campaign

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMergeNamesMissingShards merges incomplete sets of a 3-shard sweep and
// checks that the error names what is missing; the complete set merges.
func TestMergeNamesMissingShards(t *testing.T) {
	g := Grid{Workloads: []string{"mac2x3"}, Policies: []string{"reference", "truncate", "mult16", "vendor-b"}, HW: []string{"mobile-npu", "tiny"}}
	base := t.TempDir()
	shard := func(i, n int) string {
		dir := filepath.Join(base, fmt.Sprintf("shard-%d-of-%d", i, n))
		if _, err := Sweep(g, SweepOptions{Dir: dir, Shard: &Shard{Index: i, Count: n}}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	s1, s2, s3 := shard(1, 3), shard(2, 3), shard(3, 3)
	other := shard(1, 2)
	// Shard 2 died after its first cell: one of its 3 cells (indices 1, 4, 7).
	cut := filepath.Join(base, "cut")
	if err := os.MkdirAll(cut, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := readFile(t, filepath.Join(s2, ManifestFile))
	results := readFile(t, filepath.Join(s2, ResultsFile))
	first, _, _ := bytes.Cut(results, []byte("\n"))
	writeFile(t, filepath.Join(cut, ManifestFile), manifest)
	writeFile(t, filepath.Join(cut, ResultsFile), append(first, '\n'))

	for _, c := range []struct {
		name   string
		shards []string
		want   string
	}{
		{"one missing", []string{s1, s3}, "the shards lack 3 cells; missing shard 2/3 (run each with the sweep's command, --shard i/3 and --resume on its directory)"},
		{"two missing", []string{s3}, "the shards lack 6 cells; missing shards 1/3, 2/3 ("},
		{"unfinished", []string{s1, cut, s3}, "the shards lack 2 cells; shard 2/3 in " + cut + " has 1 of its 3 cells ("},
		{"missing and unfinished", []string{cut}, "missing shards 1/3, 3/3; shard 2/3 in " + cut + " has 1 of its 3 cells"},
		{"twice", []string{s1, s2, s1}, "shard 1/3 is given twice: " + s1 + " and " + s1},
		{"other count", []string{s1, other}, "results directory " + other + " is shard 1/2, but the others are shards of 3"},
	} {
		_, err := Merge(filepath.Join(base, "merged-"+strings.ReplaceAll(c.name, " ", "-")), c.shards)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Merge(filepath.Join(base, "merged"), []string{s3, s1, s2}); err != nil {
		t.Errorf("the complete set, in any order: %v", err)
	}
}
