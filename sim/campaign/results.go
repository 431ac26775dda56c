package campaign

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/loader"
)

// Failed counts the results of cells that failed (an error or a fault, not
// a policy the hardware cannot run); a sweep with any exits 1, and
// --resume runs them again.
func Failed(results []*experiment.Result) int {
	n := 0
	for _, r := range results {
		if r.Failed {
			n++
		}
	}
	return n
}

// Ran counts the results of cells that ran.
func Ran(results []*experiment.Result) int {
	n := 0
	for _, r := range results {
		if r.Error == "" {
			n++
		}
	}
	return n
}

// complete reports whether a result read back from results.jsonl is a whole
// result: it names its cell and holds either the error that stopped it or
// the digests of its outputs. A line cut short by an interruption may still
// be valid JSON ({"workload":"mac2x3"}); it is not a result.
func complete(r *experiment.Result) bool {
	return r.Workload != "" && r.Policy != "" && r.HW != "" &&
		(r.Error != "" || (isDigest(r.Digest) && isDigest(r.RefDigest)))
}

// isDigest reports whether s is a SHA-256 in hex.
func isDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// readResults reads a results directory's results.jsonl (none when it does
// not exist). With repair, a last line that is not a complete result (an
// interrupted write) is removed from the file; otherwise it is an error.
func readResults(dir string, repair bool) ([]*experiment.Result, error) {
	path := filepath.Join(dir, ResultsFile)
	data, err := limits.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var results []*experiment.Result
	good := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1<<16), len(data)+1)
	for line := 1; sc.Scan(); line++ {
		text := sc.Bytes()
		var r experiment.Result
		whole := good+len(text) < len(data) // a newline follows
		if err := json.Unmarshal(text, &r); err != nil || !whole || !complete(&r) {
			if repair && good+len(text)+1 >= len(data) { // the last line: cut short by an interruption
				if err := os.Truncate(path, int64(good)); err != nil {
					return nil, err
				}
				break
			}
			return nil, fmt.Errorf("%s: line %d is not a complete result", path, line)
		}
		good += len(text) + 1
		results = append(results, &r)
	}
	return results, sc.Err()
}

// covers checks that results hold every cell of the grid (of the shard)
// exactly once and nothing else, and returns them by cell key.
func covers(dir string, g Grid, shard *Shard, results []*experiment.Result) (map[string]*experiment.Result, error) {
	byKey := map[string]*experiment.Result{}
	for _, r := range results {
		if byKey[r.Key()] != nil {
			return nil, fmt.Errorf("results directory %s: cell %s appears twice in %s", dir, r.Key(), ResultsFile)
		}
		byKey[r.Key()] = r
	}
	want := 0
	for i, c := range g.Cells() {
		if shard == nil || shard.includes(i) {
			want++
			if byKey[c.Key()] == nil {
				return nil, fmt.Errorf("results directory %s: %s holds %d of the %d cells of its sweep, "+
					"not %s under %s on %s (an interrupted sweep: npusim sweep --resume completes it)",
					dir, ResultsFile, len(results), countCells(g, shard), c.Workload, c.Policy, c.HW)
			}
		}
	}
	if len(byKey) != want {
		return nil, fmt.Errorf("results directory %s: %s holds %d cells, its sweep has %d",
			dir, ResultsFile, len(byKey), want)
	}
	return byKey, nil
}

func countCells(g Grid, shard *Shard) int {
	n := 0
	for i := range g.Cells() {
		if shard == nil || shard.includes(i) {
			n++
		}
	}
	return n
}

// contents records, for each name of a policy, hardware or workload, the
// digest of the contents results were made with, and reports a name seen
// with two.
type contents map[string]string

// note records one result's digests; where names the results ("shard
// results-2") in the error.
func (c contents) note(r *experiment.Result, where string) error {
	if r.Error != "" {
		return nil
	}
	for _, d := range []struct{ kind, name, digest string }{
		{"policy", r.Policy, r.PolicyDigest}, {"hw", r.HW, r.HWDigest},
		{"workload", r.Workload + inputsOf(r.Cell), r.WorkloadDigest},
	} {
		key := d.kind + " " + d.name
		if first, ok := c[key]; ok && first != d.digest {
			return mixedContents(where, key, d.digest, first)
		}
		c[key] = d.digest
	}
	return nil
}

// merge adds the digests a fleet shard recorded (see fleetHead.Contents).
func (c contents) merge(digests map[string]string, where string) error {
	for _, key := range slices.Sorted(maps.Keys(digests)) {
		if first, ok := c[key]; ok && first != digests[key] {
			return mixedContents(where, key, digests[key], first)
		}
		c[key] = digests[key]
	}
	return nil
}

// mixedContents is the error for results, or a fleet shard, made from a
// file of other contents under a name (key) than results elsewhere.
func mixedContents(where, key, here, elsewhere string) error {
	return fmt.Errorf("%s: %s has contents of digest %.12s here and %.12s elsewhere; "+
		"results made from different files under one name cannot be mixed", where, key, here, elsewhere)
}

func inputsOf(c experiment.Cell) string {
	if len(c.Inputs) == 0 {
		return ""
	}
	return fmt.Sprintf(" with inputs %v", c.Inputs)
}

// checkUnchanged checks that the results a resumed sweep keeps were made
// from what the grid's names hold now: a policy, hardware or workload file
// edited since is an error, not a directory of mixed results.
func checkUnchanged(dir string, done map[string]*experiment.Result, g Grid, ws *loader.Loader) error {
	now := map[string]string{}
	digest := func(kind, name string, compute func() (string, error)) (string, error) {
		if d, ok := now[kind+name]; ok {
			return d, nil
		}
		d, err := compute()
		now[kind+name] = d
		return d, err
	}
	for _, c := range g.Cells() {
		r := done[c.Key()]
		if r == nil {
			continue
		}
		for _, d := range []struct {
			kind, name, recorded string
			compute              func() (string, error)
		}{
			{"policy", c.Policy, r.PolicyDigest, func() (string, error) { return digestOf(drivers.LoadPolicy(c.Policy)) }},
			{"hw", c.HW, r.HWDigest, func() (string, error) { return digestOf(npu.LoadConfig(c.HW)) }},
			{"workload", c.Workload, r.WorkloadDigest,
				func() (string, error) { return digestOf(experiment.LoadWorkload(c, ws)) }},
		} {
			got, err := digest(d.kind, d.name, d.compute)
			if err != nil {
				return err
			}
			if got != d.recorded {
				return fmt.Errorf("results directory %s: %s was made with %s %s of digest %.12s, "+
					"which now has digest %.12s; resume with the contents it was made with, or use another --out",
					dir, c.Key(), d.kind, d.name, d.recorded, got)
			}
		}
	}
	return nil
}

// digestOf returns the digest of a loaded policy, hardware or workload.
func digestOf[T interface{ Digest() string }](v T, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return v.Digest(), nil
}
