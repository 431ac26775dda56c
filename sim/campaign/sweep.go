package campaign

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/internal/diskcache"
	"github.com/npusim/npusim/internal/jsonfile"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/internal/printable"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads/loader"
)

// Grid is a sweep: every workload under every policy on every hardware.
type Grid struct {
	Workloads []string `json:"workloads"`
	Policies  []string `json:"policies"`
	HW        []string `json:"hw"`
	Samples   int      `json:"samples,omitempty"`
	// Inputs, when set, are files that replace every workload's input set
	// (one per model input).
	Inputs []string `json:"inputs,omitempty"`
	// IsoArea pairs the designs of a hardware grid with their iso-area
	// alternatives, which HW also lists (see HWGrid).
	IsoArea []IsoPair `json:"isoArea,omitempty"`
}

// DefaultHW is the hardware of the default sweep: the flexible research
// NPU, which implements every arithmetic mode natively, beside an NPU whose
// requantizer has float32 only, where exactness has a price.
var DefaultHW = []string{npu.DefaultPreset, "edge-tpu-like"}

// DefaultGrid is the embedded default sweep: every policy preset but the
// engine policies (drivers.EnginePresets: their float32 layers on the host
// CPU would double the sweep's time) on the classroom multiply, a trained
// digits CNN, a trained MobileNet v2-style classifier of clothing images,
// MobileNet v2 at ImageNet size (synthetic weights, for its cost) and a
// trained character language model generating text, on each DefaultHW.
func DefaultGrid() Grid {
	engines := drivers.EnginePresets()
	return Grid{
		Workloads: []string{"mac2x3", "digits-cnn", "fashion-mobilenet", "mobilenet-v2", "kjv-lstm"},
		Policies:  slices.DeleteFunc(drivers.Presets(), func(p string) bool { return slices.Contains(engines, p) }),
		HW:        slices.Clone(DefaultHW),
	}
}

// Cells lists the grid's cells in its canonical order: by workload, then
// hardware, then policy.
func (g Grid) Cells() []experiment.Cell {
	var cells []experiment.Cell
	for _, w := range g.Workloads {
		for _, h := range g.HW {
			for _, p := range g.Policies {
				cells = append(cells, experiment.Cell{Workload: w, Policy: p, HW: h, Samples: g.Samples, Inputs: g.Inputs})
			}
		}
	}
	return cells
}

// Validate checks every name and file of the grid before anything runs.
func (g Grid) Validate() error { return g.check(loader.New()) }

// check validates the grid with the loader its cells will use: the names,
// the policies and hardware, and every workload file (so that a bad case
// file or topology is an error before the first cell, not a failed cell),
// with the inputs when the grid replaces the workloads' own.
func (g Grid) check(ws *loader.Loader) error {
	if len(g.Workloads) == 0 || len(g.Policies) == 0 || len(g.HW) == 0 {
		return errors.New("the sweep needs at least one workload, one policy and one hardware")
	}
	if g.Samples < 0 {
		return fmt.Errorf("samples: must be >= 0, got %d", g.Samples)
	}
	for _, list := range []struct {
		field string
		names []string
	}{{"workloads", g.Workloads}, {"policies", g.Policies}, {"hw", g.HW}} {
		for i, name := range list.names {
			if slices.Contains(list.names[:i], name) {
				return fmt.Errorf("%s: %s is named twice (each cell would run twice)", list.field, printable.String(name))
			}
		}
	}
	for _, w := range g.Workloads {
		if err := loader.Check(w); err != nil {
			return err
		}
	}
	for _, p := range g.Policies {
		if _, err := drivers.LoadPolicy(p); err != nil {
			return err
		}
	}
	for _, h := range g.HW {
		if _, err := npu.LoadConfig(h); err != nil {
			return err
		}
	}
	for _, spec := range g.Workloads {
		if loader.IsFile(spec) || len(g.Inputs) > 0 {
			cell := experiment.Cell{Workload: spec, Samples: g.Samples, Inputs: g.Inputs}
			if _, err := experiment.LoadWorkload(cell, ws); err != nil {
				return err
			}
		}
	}
	return nil
}

// Shard selects a deterministic 1/Count of a grid: the cells whose index in
// the canonical order is Index-1 modulo Count (Index from 1 to Count).
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ParseShard reads "i/n".
func ParseShard(s string) (Shard, error) {
	var sh Shard
	_, err := fmt.Sscanf(s, "%d/%d", &sh.Index, &sh.Count)
	inRange := sh.Count >= 1 && sh.Index >= 1 && sh.Index <= sh.Count
	if err != nil || !inRange || fmt.Sprintf("%d/%d", sh.Index, sh.Count) != s {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 1 <= i <= n", s)
	}
	return sh, nil
}

func (s Shard) includes(i int) bool { return s.Count <= 1 || i%s.Count == s.Index-1 }

// SweepManifest is what a results directory says about its sweep (sweep.json).
type SweepManifest struct {
	Grid  Grid   `json:"grid"`
	Shard *Shard `json:"shard,omitempty"`
}

// check checks what a manifest read back says: a grid of at least one
// cell, and a shard, if any, i/n with 1 <= i <= n and no more shards than
// cells (what a sweep writes).
func (m SweepManifest) check() error {
	g := m.Grid
	if len(g.Workloads) == 0 || len(g.Policies) == 0 || len(g.HW) == 0 {
		return errors.New("grid: needs at least one workload, one policy and one hardware")
	}
	if m.Shard == nil {
		return nil
	}
	return m.Shard.check(limits.Product(len(g.Workloads), len(g.Policies), len(g.HW)))
}

// check checks a shard of a grid of cells cells.
func (s Shard) check(cells uint64) error {
	if s.Count < 1 || s.Index < 1 || s.Index > s.Count {
		return fmt.Errorf("shard: %d/%d: want i/n with 1 <= i <= n", s.Index, s.Count)
	}
	if uint64(s.Count) > cells {
		return fmt.Errorf("shard: %d/%d: more shards than the sweep's %d cells", s.Index, s.Count, cells)
	}
	return nil
}

// The files of a results directory.
const (
	ManifestFile = "sweep.json"
	ResultsFile  = "results.jsonl"
)

// SweepOptions say where and how a sweep runs.
type SweepOptions struct {
	Dir     string
	Workers int // 0: one per CPU
	Resume  bool
	Shard   *Shard
	// Progress, when set, is called after every cell (from one goroutine).
	Progress func(done, total int, r *experiment.Result)
	// Cache keeps the zoo's workloads and the reference values across
	// processes (loader.NewCached, experiment.NewCachedReferences); nil
	// for none. The results are the same either way.
	Cache *diskcache.Cache
}

// Sweep runs the grid's cells (the shard's, if any) in parallel, appending
// each result to Dir/results.jsonl as it finishes. With Resume it skips the
// cells already complete in Dir (a half-written last line is dropped and its
// cell redone). When every cell is done it rewrites results.jsonl in the
// grid's canonical order, so that serial, parallel, resumed and sharded-then-
// merged sweeps leave the same bytes. It returns the results in that order.
func Sweep(g Grid, o SweepOptions) ([]*experiment.Result, error) {
	ws := loader.NewCached(o.Cache)
	if err := g.check(ws); err != nil {
		return nil, err
	}
	if o.Shard != nil {
		if err := o.Shard.check(uint64(len(g.Cells()))); err != nil {
			return nil, err
		}
	}
	m := SweepManifest{Grid: g, Shard: o.Shard}
	done, err := prepareDir(o.Dir, m, o.Resume)
	if err != nil {
		return nil, err
	}
	if err := checkUnchanged(o.Dir, done, g, ws); err != nil {
		return nil, err
	}
	var todo []experiment.Cell
	var total int
	for i, c := range g.Cells() {
		if o.Shard == nil || o.Shard.includes(i) {
			total++
			if done[c.Key()] == nil {
				todo = append(todo, c)
			}
		}
	}
	f, err := os.OpenFile(filepath.Join(o.Dir, ResultsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	results := runCells(todo, o.Workers, ws, experiment.NewCachedReferences(o.Cache), experiment.NewTimings())
	err = appendResults(f, results, done, total, o.Progress)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%s: %w", ResultsFile, cerr)
	}
	if err != nil {
		return nil, err
	}
	return finish(o.Dir, g, o.Shard, done)
}

// appendResults appends each result to the results file as it arrives and
// adds it to done, reporting progress; it reads every result even after a
// write fails, and returns the first failure.
func appendResults(f *os.File, results <-chan *experiment.Result, done map[string]*experiment.Result,
	total int, progress func(done, total int, r *experiment.Result)) error {
	var firstErr error
	count := len(done)
	for r := range results {
		line, err := json.Marshal(r)
		if err == nil {
			_, err = f.Write(append(line, '\n'))
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", ResultsFile, err)
		}
		done[r.Key()] = r
		count++
		if progress != nil {
			progress(count, total, r)
		}
	}
	return firstErr
}

// runCells runs cells on a pool of workers and delivers each result as it
// finishes; the cells share the workloads ws builds, the reference values
// refs keeps and the programs' timings timings keeps. A cell that cannot
// run (its policy asks for what its hardware lacks) or fails (a fault in
// npusim) yields a result carrying the error; the other cells run on.
func runCells(cells []experiment.Cell, workers int, ws *loader.Loader, refs *experiment.References,
	timings *experiment.Timings) <-chan *experiment.Result {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan experiment.Cell)
	out := make(chan *experiment.Result)
	var wg sync.WaitGroup
	for range min(workers, max(len(cells), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				out <- runCell(c, ws, refs, timings)
			}
		}()
	}
	go func() {
		for _, c := range cells {
			jobs <- c
		}
		close(jobs)
		wg.Wait()
		close(out)
	}()
	return out
}

// runCell runs one cell's experiment; an error or a panic becomes the
// cell's result.
func runCell(c experiment.Cell, ws *loader.Loader, refs *experiment.References,
	timings *experiment.Timings) (r *experiment.Result) {
	defer func() {
		if p := recover(); p != nil {
			r = experiment.Failed(c, fmt.Errorf("internal error (a fault in npusim, please report it): %v", p))
			r.Failed = true
		}
	}()
	r, err := runExperiment(c, ws, refs, timings)
	if err != nil {
		r = experiment.Failed(c, err)
		r.Failed = !drivers.IsUnsupported(err)
	}
	return r
}

// runExperiment is the experiment a sweep runs for a cell; tests replace it
// to make a cell fail.
var runExperiment = experiment.RunWith

// prepareDir creates the results directory, or, when resuming, checks that
// it holds the same sweep and returns its complete results (dropping a
// half-written last line).
func prepareDir(dir string, m SweepManifest, resume bool) (map[string]*experiment.Result, error) {
	done := map[string]*experiment.Result{}
	want, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		return nil, fmt.Errorf("results directory %s: exists and is not a directory", dir)
	}
	if resume {
		have, err := limits.ReadFile(filepath.Join(dir, ManifestFile))
		switch {
		case errors.Is(err, os.ErrNotExist):
			// nothing to resume: start afresh
		case err != nil:
			return nil, err
		case !bytes.Equal(bytes.TrimSpace(have), want):
			return nil, fmt.Errorf("results directory %s holds a different sweep (%s differs); "+
				"resume it with the same flags or use another --out", dir, ManifestFile)
		default:
			results, err := readResults(dir, true)
			if err != nil {
				return nil, err
			}
			for _, r := range results { // later lines supersede earlier ones
				done[r.Key()] = r
			}
			for k, r := range done { // failed cells, and those without digests (an older npusim), run again
				if r.Error != "" || !isDigest(r.PolicyDigest) || !isDigest(r.HWDigest) || !isDigest(r.WorkloadDigest) {
					delete(done, k)
				}
			}
			return done, nil
		}
	} else if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("results directory %s already exists and is not empty; "+
			"use --resume to continue it or choose another --out", dir)
	}
	if err := atomicfile.MkdirAll(dir); err != nil {
		return nil, err
	}
	return done, atomicfile.WriteBytes(filepath.Join(dir, ManifestFile), append(want, '\n'))
}

// finish rewrites results.jsonl in canonical order and returns the results.
func finish(dir string, g Grid, shard *Shard, done map[string]*experiment.Result) ([]*experiment.Result, error) {
	var results []*experiment.Result
	var buf bytes.Buffer
	for i, c := range g.Cells() {
		if shard != nil && !shard.includes(i) {
			continue
		}
		r := done[c.Key()]
		if r == nil {
			return nil, fmt.Errorf("cell %s has no result", c.Key())
		}
		line, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		buf.Write(append(line, '\n'))
		results = append(results, r)
	}
	return results, atomicfile.WriteBytes(filepath.Join(dir, ResultsFile), buf.Bytes())
}

// LoadResults reads a complete results directory: its manifest and its
// results in canonical order. A directory without results.jsonl, with a
// line that is not a complete result, or without a result for every cell
// of its sweep is an error (report refuses it rather than write a report of
// part of a sweep).
func LoadResults(dir string) (SweepManifest, []*experiment.Result, error) {
	m, results, err := loadShard(dir)
	if err != nil {
		return m, nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, ResultsFile)); err != nil {
		return m, nil, fmt.Errorf("results directory %s: no %s: the sweep has not finished a cell", dir, ResultsFile)
	}
	byKey, err := covers(dir, m.Grid, m.Shard, results)
	if err != nil {
		return m, nil, err
	}
	results = results[:0]
	for i, c := range m.Grid.Cells() {
		if m.Shard == nil || m.Shard.includes(i) {
			results = append(results, byKey[c.Key()])
		}
	}
	return m, results, nil
}

// loadShard reads a results directory's manifest and the complete results
// it holds so far, which may be fewer than its cells (merge says which
// shard lacks which).
func loadShard(dir string) (SweepManifest, []*experiment.Result, error) {
	var m SweepManifest
	data, err := limits.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, nil, fmt.Errorf("results directory %s: %w", dir, err)
	}
	if err := jsonfile.Decode(data, &m, false); err != nil {
		return m, nil, fmt.Errorf("results directory %s: %s: %w", dir, ManifestFile, err)
	}
	if err := m.check(); err != nil {
		return m, nil, fmt.Errorf("results directory %s: %s: %w", dir, ManifestFile, err)
	}
	results, err := readResults(dir, false)
	if err != nil {
		return m, nil, err
	}
	return m, latest(results), nil
}

// latest keeps the last result of each cell (in the order of those last
// lines): a resumed sweep appends a failed cell's new result after its old
// one until it rewrites the file.
func latest(results []*experiment.Result) []*experiment.Result {
	last := map[string]int{}
	for i, r := range results {
		last[r.Key()] = i
	}
	var out []*experiment.Result
	for i, r := range results {
		if last[r.Key()] == i {
			out = append(out, r)
		}
	}
	return out
}

// Merge combines the results directories of a sharded sweep into dir, in
// canonical order; every cell of the grid must be present exactly once, and
// every policy, hardware and workload name must stand for one content in
// all the shards.
func Merge(dir string, shards []string) ([]*experiment.Result, error) {
	var grid *Grid
	var given shardSet
	done := map[string]*experiment.Result{}
	seen := contents{}
	for _, s := range shards {
		m, results, err := loadShard(s)
		if err != nil {
			return nil, err
		}
		if err := given.add(s, m.Shard); err != nil {
			return nil, err
		}
		if grid == nil {
			grid = &m.Grid
		} else if !slices.Equal(grid.Workloads, m.Grid.Workloads) || !slices.Equal(grid.Policies, m.Grid.Policies) ||
			!slices.Equal(grid.HW, m.Grid.HW) || grid.Samples != m.Grid.Samples || !slices.Equal(grid.Inputs, m.Grid.Inputs) ||
			!slices.Equal(grid.IsoArea, m.Grid.IsoArea) {
			return nil, fmt.Errorf("results directory %s holds a different sweep than %s", s, shards[0])
		}
		for _, r := range results {
			if done[r.Key()] != nil {
				return nil, fmt.Errorf("cell %s appears in more than one shard", r.Key())
			}
			if err := seen.note(r, "results directory "+s); err != nil {
				return nil, err
			}
			done[r.Key()] = r
		}
	}
	if grid == nil {
		return nil, errors.New("merge needs at least one results directory")
	}
	var missing []string
	for _, c := range grid.Cells() {
		if done[c.Key()] == nil {
			missing = append(missing, c.Key())
		}
	}
	if len(missing) > 0 {
		return nil, given.incomplete(*grid, done, missing)
	}
	if _, err := prepareDir(dir, SweepManifest{Grid: *grid}, false); err != nil {
		return nil, err
	}
	return finish(dir, *grid, nil, done)
}
