package drivers

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/npu"
)

// access is one command of a dependency test: its unit and footprint.
type tracedCommand struct {
	unit  npu.Unit
	spans []npu.Span
}

func rd(s npu.SRAM, lo, hi int) npu.Span { return npu.Span{SRAM: s, Lo: lo, Hi: hi} }
func wr(s npu.SRAM, lo, hi int) npu.Span { return npu.Span{SRAM: s, Lo: lo, Hi: hi, Write: true} }

// TestIntervalTrackerDependencies pins the dependencies of small command
// streams: one per other unit, the latest that conflicts.
func TestIntervalTrackerDependencies(t *testing.T) {
	const act, acc = npu.ActivationSRAM, npu.AccumulatorSRAM
	dma, mat, req, vec := npu.UnitDMA, npu.UnitMatrix, npu.UnitRequant, npu.UnitVector
	cases := []struct {
		name string
		cmds []tracedCommand
		want [][]int
	}{
		{"read after write, write after read, write after write", []tracedCommand{
			{dma, []npu.Span{wr(act, 0, 100)}},                   // 0: load
			{mat, []npu.Span{rd(act, 0, 100), wr(acc, 0, 64)}},   // 1: matmul reads it
			{dma, []npu.Span{wr(act, 50, 150)}},                  // 2: the next load overwrites part: after the matmul
			{req, []npu.Span{rd(acc, 0, 64), wr(act, 200, 210)}}, // 3: requantizes the matmul's accumulators
			{dma, []npu.Span{rd(act, 200, 210)}},                 // 4: stores the requantized outputs
			{vec, []npu.Span{rd(act, 0, 10), wr(act, 205, 206)}}, // 5: reads the first load, writes over the store's source
		}, [][]int{nil, {0}, {1}, {1}, {3}, {3, 4}}},
		{"the same unit needs no dependency; only the latest command of a unit counts", []tracedCommand{
			{dma, []npu.Span{wr(act, 0, 64)}},
			{dma, []npu.Span{wr(act, 64, 128)}},
			{dma, []npu.Span{wr(act, 0, 128)}},                // 2: same unit as 0 and 1
			{mat, []npu.Span{rd(act, 0, 128), wr(acc, 0, 4)}}, // 3: follows 2 only
			{mat, []npu.Span{rd(act, 0, 128), wr(acc, 4, 8)}}, // 4: still after 2
		}, [][]int{nil, nil, nil, {2}, {2}}},
		{"reads do not conflict with reads", []tracedCommand{
			{mat, []npu.Span{rd(act, 0, 64), wr(acc, 0, 4)}},
			{vec, []npu.Span{rd(act, 0, 64), wr(act, 64, 65)}},
		}, [][]int{nil, nil}},
		{"a write clears what it covers, and its own dependencies stand in for it", []tracedCommand{
			{vec, []npu.Span{rd(act, 0, 64), wr(act, 100, 101)}}, // 0
			{dma, []npu.Span{wr(act, 0, 64)}},                    // 1: after the vector read
			{mat, []npu.Span{rd(act, 0, 64), wr(acc, 0, 4)}},     // 2: after the load only
			{dma, []npu.Span{wr(act, 32, 64)}},                   // 3: after the matmul's read
			{vec, []npu.Span{wr(act, 0, 64)}},                    // 4: after 3 (write) and 2 (read); 1 is implied by 2
		}, [][]int{nil, {0}, {1}, {2}, {2, 3}}},
		{"an empty span touches no bytes, wherever the pieces are cut", []tracedCommand{
			{dma, []npu.Span{wr(act, 0, 10)}},                 // 0
			{mat, []npu.Span{rd(act, 5, 10), wr(acc, 0, 4)}},  // 1: cuts the load's piece at 5
			{vec, []npu.Span{rd(act, 5, 5), wr(act, 20, 21)}}, // 2: reads nothing
			{vec, []npu.Span{wr(act, 3, 3), wr(act, 30, 31)}}, // 3: writes nothing
			{dma, []npu.Span{wr(act, 0, 10)}},                 // 4: after the matmul's read only
		}, [][]int{nil, {0}, nil, nil, {1}}},
	}
	for _, c := range cases {
		var d intervalTracker
		for i, cmd := range c.cmds {
			if got := d.order(i, cmd.unit, cmd.spans); !slices.Equal(got, c.want[i]) {
				t.Errorf("%s: command %d depends on %v, want %v", c.name, i, got, c.want[i])
			}
		}
	}
}

// completion is, per unit, the last command of that unit known to have
// completed (none if none): units complete their commands in order.
type completion [unitCount]int

func (a completion) join(b completion) completion {
	for u := range a {
		a[u] = max(a[u], b[u])
	}
	return a
}

// issuesAlike reports the first command (or -1) at which two dependency
// lists of one command stream let a command issue at a different time.
//
// The command processor issues in order, a command once its dependencies
// have completed; each unit completes its commands in order. So, once
// command j has issued, every dependency of every command up to j has
// completed, and once j has completed, so has every earlier command of its
// unit. issued[j] and done[j] are what these facts give (the facts of both
// lists hold while both streams have issued alike so far). Command i may
// issue once all of done[d] for its dependencies d have completed (beyond
// issued[i-1], which has): if the two lists ask for the same completions,
// command i issues at the same time under both, and by induction so does
// every command.
func issuesAlike(units []npu.Unit, a, b [][]int) int {
	var issued completion
	for u := range issued {
		issued[u] = none
	}
	done := make([]completion, len(units))
	for i, u := range units {
		wait := [2]completion{issued, issued}
		for k, deps := range [][]int{a[i], b[i]} {
			for _, d := range deps {
				wait[k] = wait[k].join(done[d])
			}
		}
		if wait[0] != wait[1] {
			return i
		}
		issued = wait[0]
		done[i] = issued
		done[i][u] = max(done[i][u], i)
	}
	return -1
}

// TestIntervalTrackerIssuesAsAllPairsOnRandomStreams compares the interval
// tracker with the all-pairs one on random command streams.
func TestIntervalTrackerIssuesAsAllPairsOnRandomStreams(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 11))
		var all allPairsTracker
		var interval intervalTracker
		var units []npu.Unit
		var a, b [][]int
		for i := range 300 {
			u := npu.Unit(rng.IntN(unitCount))
			var spans []npu.Span
			for range 1 + rng.IntN(3) {
				lo := rng.IntN(256)
				spans = append(spans, npu.Span{SRAM: npu.SRAM(rng.IntN(2)), Lo: lo, Hi: lo + 1 + rng.IntN(64), Write: rng.IntN(2) == 0})
			}
			units = append(units, u)
			a, b = append(a, all.order(i, u, spans)), append(b, interval.order(i, u, spans))
			if len(b[i]) > unitCount-1 {
				t.Fatalf("seed %d: command %d has %d dependencies", seed, i, len(b[i]))
			}
		}
		if i := issuesAlike(units, a, b); i >= 0 {
			t.Fatalf("seed %d: command %d: all-pairs dependencies %v, interval %v ask for different completions", seed, i, a[i], b[i])
		}
	}
}

// TestIntervalTrackerIssuesAsAllPairs compiles the zoo with both trackers
// on every hardware preset: the same operations, and dependencies that let
// every command issue when it did with all pairs (so the same cycles; the
// simulated check is in the package's external tests).
func TestIntervalTrackerIssuesAsAllPairs(t *testing.T) {
	names := []string{"mac2x3", "digits-mlp", "digits-cnn", "rnn-unrolled", "mobilenet-v1-0.25-128"}
	if !testing.Short() {
		names = append(names, "mobilenet-v2")
	}
	policy, fewer := mustParse(t, "name: hardware-default\n"), 0
	for _, name := range names {
		w, err := zoo.Load(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, hwName := range npu.Presets() {
			if name == "mobilenet-v2" && hwName == "tiny" {
				continue // all pairs does not finish: see BenchmarkCompileMobileNetV2
			}
			hw := loadHW(t, hwName)
			old, err := compile(w.Model, policy, hw, Idle, options{deps: &allPairsTracker{}})
			if err != nil {
				t.Fatal(err)
			}
			now, err := compile(w.Model, policy, hw, Idle, options{deps: &intervalTracker{}})
			if err != nil {
				t.Fatal(err)
			}
			fewer += compareDependencies(t, fmt.Sprintf("%s on %s", name, hwName), old.Program, now.Program)
		}
	}
	if fewer == 0 {
		t.Error("the interval tracker never dropped a dependency")
	}
}

// compareDependencies checks two programs differ only in dependencies that
// ask for the same completions, and returns how many dependencies the
// second drops.
func compareDependencies(t *testing.T, what string, a, b *npu.Program) int {
	t.Helper()
	if len(a.Commands) != len(b.Commands) {
		t.Fatalf("%s: %d commands, then %d", what, len(a.Commands), len(b.Commands))
	}
	units := make([]npu.Unit, len(a.Commands))
	da, db := make([][]int, len(units)), make([][]int, len(units))
	fewer := 0
	for i := range units {
		ca, cb := a.Commands[i], b.Commands[i]
		if !reflect.DeepEqual(ca.Op, cb.Op) || ca.Layer != cb.Layer {
			t.Fatalf("%s: command %d differs: %s, then %s", what, i, ca.Name(), cb.Name())
		}
		units[i], da[i], db[i] = ca.Unit(), ca.Deps, cb.Deps
		fewer += len(ca.Deps) - len(cb.Deps)
	}
	if i := issuesAlike(units, da, db); i >= 0 {
		t.Errorf("%s: command %d (%s): dependencies %v, then %v ask for different completions", what, i, a.Commands[i].Name(), da[i], db[i])
	}
	return fewer
}

func mustParse(t *testing.T, yaml string) *Policy {
	t.Helper()
	p, err := ParsePolicy("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
