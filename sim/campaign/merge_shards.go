package campaign

import (
	"fmt"
	"strings"

	"github.com/npusim/npusim/sim/experiment"
)

// shardSet is what a merge was given of a sharded sweep: the shard count
// and the directory of each shard index.
type shardSet struct {
	count     int
	dirs      map[int]string
	unsharded string // a directory with no shard, when there is one
}

// add records one results directory's shard (nil for an unsharded sweep).
// It rejects shards of different counts and a shard given twice.
func (s *shardSet) add(dir string, sh *Shard) error {
	if sh == nil {
		s.unsharded = dir
		return nil
	}
	if s.dirs == nil {
		s.count, s.dirs = sh.Count, map[int]string{}
	}
	if sh.Count != s.count {
		return fmt.Errorf("results directory %s is shard %d/%d, but the others are shards of %d",
			dir, sh.Index, sh.Count, s.count)
	}
	if prev, dup := s.dirs[sh.Index]; dup {
		return fmt.Errorf("shard %d/%d is given twice: %s and %s", sh.Index, sh.Count, prev, dir)
	}
	s.dirs[sh.Index] = dir
	return nil
}

// incomplete explains why the merge lacks the missing cells: the shards
// that were not given and the shards that did not finish, each named with
// the command that completes it.
func (s *shardSet) incomplete(g Grid, done map[string]*experiment.Result, missing []string) error {
	msg := fmt.Sprintf("the shards lack %d cell%s", len(missing), plural(len(missing)))
	if s.dirs == nil || s.unsharded != "" {
		return fmt.Errorf("%s, first %s", msg, strings.Join(missing[:min(3, len(missing))], ", "))
	}
	want, have := make([]int, s.count+1), make([]int, s.count+1)
	for i, c := range g.Cells() {
		shard := i%s.count + 1
		want[shard]++
		if done[c.Key()] != nil {
			have[shard]++
		}
	}
	var absent, partial []string
	for i := 1; i <= s.count; i++ {
		dir, given := s.dirs[i]
		switch {
		case !given:
			absent = append(absent, fmt.Sprintf("%d/%d", i, s.count))
		case have[i] < want[i]:
			partial = append(partial, fmt.Sprintf("shard %d/%d in %s has %d of its %d cells", i, s.count, dir, have[i], want[i]))
		}
	}
	if len(absent) > 0 {
		msg += fmt.Sprintf("; missing shard%s %s", plural(len(absent)), strings.Join(absent, ", "))
	}
	if len(partial) > 0 {
		msg += "; " + strings.Join(partial, "; ")
	}
	return fmt.Errorf("%s (run each with the sweep's command, --shard i/%d and --resume on its directory)", msg, s.count)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
