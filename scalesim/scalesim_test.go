package scalesim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/internal/fuzzcheck"
	"github.com/npusim/npusim/internal/vectors"
)

// TestGoldenRun reproduces SCALE-Sim's own regression run (AlexNet conv1 on
// its 32x32 ws example configuration) byte for byte: all three reports,
// every column.
func TestGoldenRun(t *testing.T) {
	dir := vectors.ScaleSimDir(t)
	c, err := ReadConfig(filepath.Join(dir, "scale_32x32_ws.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	top, err := ReadTopology(filepath.Join(dir, "alexnet_part.csv"), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	run, err := Simulate(c, top)
	if err != nil {
		t.Fatal(err)
	}
	if got := run.Layers[0].TotalCycles; got != 36*3119-1 {
		t.Errorf("total cycles %d, want 36 folds x 3119 - 1 = 112283", got)
	}
	for _, f := range run.ReportFiles() {
		want, err := os.ReadFile(filepath.Join(dir, "golden_32x32_ws", f.Name))
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := f.Write(&got); err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Errorf("%s:\n got %q\nwant %q", f.Name, got.String(), want)
		}
	}
}

// smallConfig is a config with 1 kB buffers (sets of 10 words, chunks of
// 500 distinct addresses, OFMAP drains of 512 words).
func smallConfig(df Dataflow, rows, cols int) *Config {
	return &Config{RunName: "hand", ArrayHeight: rows, ArrayWidth: cols, IfmapSRAMKB: 1, FilterSRAMKB: 1, OfmapSRAMKB: 1,
		FilterOffset: 10000000, OfmapOffset: 20000000, Dataflow: df, InterfaceBandwidth: "CALC"}
}

// TestHandDerived checks layers whose every report cell is derived by hand
// below. Notation: R x C array, M pixels, N filters, K window; folds of L
// cycles; s the first cycle of the last fold. The read buffers have 1 kB:
// sets of 10 words, chunks of 500 distinct addresses; with fewer, the DRAM
// trace is the ceil(distinct/10) sets fetched at 10 words a cycle before
// cycle 0, so it runs from -ceil(sets x 10 / 10) to -1.
func TestHandDerived(t *testing.T) {
	for _, tc := range []struct {
		name                        string
		cfg                         *Config
		layer                       Layer
		compute, bandwidth, details string
	}{
		{
			// GEMM M=5, N=6, K=3 on ws 4x4: Sr=K=3, Sc=N=6, T=M=5, one
			// row fold of 3 rows, column folds of 4 and 2 columns.
			// L = 2R + C + T - 2 = 8 + 4 + 5 - 2 = 15; total 2 x 15 - 1 = 29.
			// Overall 90 MACs x 100 / (29 x 16) = 19.3966 %; mapping
			// (12/16 + 6/16) / 2 = 56.25 %; compute (12x5 + 6x5) / (16 x 18)
			// / 2 with 18 = 2R + 2C + T - 3: 15.625 %.
			// SRAM ifmap: M x K x 2 column folds = 30 reads, from cycle R + 1
			// = 5 to s + R + (M-1) + (3-1) + 1 = 15 + 4 + 4 + 2 + 1 = 26.
			// Filter: K x N = 18 reads, from R - 3 + 1 = 2 (the 3 used rows
			// load last) to s + R - 1 + 1 = 19. OFMAP: M x N = 30 writes from
			// 2R - 1 = 7 to s + 7 + (M-1) + (2-1) = 27.
			// DRAM: 15 and 18 distinct addresses: 2 sets, cycles -2..-1.
			// OFMAP: 30 words < 512 never trigger a drain; at cycle 29 the
			// final drain sends 7 full lines of C = 4 and one of 2: cycles
			// 29..36, credited 8 x 4 - 2 = 30.
			name:      "gemm ws 4x4",
			cfg:       smallConfig(WeightStationary, 4, 4),
			layer:     Layer{Name: "g", IfmapH: 5, IfmapW: 3, FilterH: 1, FilterW: 3, Channels: 1, Filters: 6, StrideH: 1, StrideW: 1, GEMM: true},
			compute:   "0, 29, 0, 19.396551724137932, 56.25, 15.625,",
			bandwidth: "0, 1.0344827586206897, 0.6206896551724138, 1.0344827586206897, 7.5, 9.0, 3.75,",
			details:   "0, 5.0, 26.0, 30, 2.0, 19.0, 18, 7.0, 27.0, 30, -2.0, -1.0, 15, -2.0, -1.0, 18, 29.0, 36.0, 30,",
		},
		{
			// 4x4 input, 2x2 filters, stride 2, 2 filters on os 2 rows x 3
			// columns: M = 2 x 2 = 4, K = 4, N = 2; Sr=M=4 (2 row folds of
			// 2), Sc=N=2 (one column fold using 2 of 3 columns), T=K=4.
			// L = R + C + T - 2 = 7; total 13. Overall 32 x 100 / (13 x 6)
			// = 41.03 %; mapping 4/6 = 66.67 %; compute 4 x 4 / (6 x 7)
			// = 38.10 % (os divides by L itself).
			// SRAM ifmap: K x M = 16 reads from cycle 1; pixel row r takes
			// element k at k + r, last 3 + 1 = 4 in the last fold: s = 7,
			// stop 7 + 4 + 1 = 12. Filter: K x N x 2 row folds = 16 from 1
			// to 7 + (K-1) + (2-1) + 1 = 12. OFMAP: M x N = 8 writes plus
			// SCALE-Sim's R + C = 5 per fold: 18; the first written after
			// the K-1 = 3 prefix rows, the last at 7 + 3 + (R-1) + (2-1) = 12.
			// DRAM: 16 input words (2 sets, -2..-1), 8 filter words (1 set,
			// -1..-1); OFMAP 8 words in lines of 3: 2 full, 1 of 2, drained
			// at 13..15, credited 3 x 3 - 1 = 8.
			name:      "conv os 2x3",
			cfg:       smallConfig(OutputStationary, 2, 3),
			layer:     Layer{Name: "c", IfmapH: 4, IfmapW: 4, FilterH: 2, FilterW: 2, Channels: 1, Filters: 2, StrideH: 2, StrideW: 2},
			compute:   "0, 13, 0, 41.02564102564103, 66.66666666666666, 38.095238095238095,",
			bandwidth: "0, 1.2307692307692308, 1.2307692307692308, 1.3846153846153846, 8.0, 8.0, 2.6666666666666665,",
			details:   "0, 1.0, 12.0, 16, 1.0, 12.0, 16, 3.0, 12.0, 18, -2.0, -1.0, 16, -1.0, -1.0, 8, 13.0, 15.0, 8,",
		},
		{
			// 3x4 input, 2x2 filters, stride 1, 3 filters on is 3 rows x 2
			// columns: M = 2 x 3 = 6, K = 4, N = 3; Sr=K=4 (row folds of 3
			// and 1), Sc=M=6 (3 column folds of 2), T=N=3; 6 folds.
			// L = 2R + C + T - 2 = 9; total 53. Overall 72 x 100 / (53 x 6)
			// = 22.64 %; mapping (6/6 + 2/6) / 2 = 66.67 %; compute
			// (6 x 3 + 2 x 3) / (6 x 10) / 2 = 20 % with 10 = 2R + 2C + T - 3.
			// SRAM ifmap: K x M = 24 reads; the 3 used rows of the first
			// fold load in cycles 0..2, first read at cycle 0 + 1; in the
			// last fold (s = 45) the single row loads at R - 1 = 2: stop 48.
			// Filter: N x K x 3 = 36, from R + 1 = 4 to s + R + (N-1) + 0 + 1
			// = 51. OFMAP: N x M x 2 row folds = 36, from 2R - 1 = 5 to
			// s + 5 + (N-1) + (2-1) = 53. DRAM: 12 input and 12 filter words
			// (2 sets each, -2..-1); OFMAP 36 words in 18 full lines of 2,
			// drained at 53..70.
			name:      "conv is 3x2",
			cfg:       smallConfig(InputStationary, 3, 2),
			layer:     Layer{Name: "c", IfmapH: 3, IfmapW: 4, FilterH: 2, FilterW: 2, Channels: 1, Filters: 3, StrideH: 1, StrideW: 1},
			compute:   "0, 53, 0, 22.641509433962263, 66.66666666666666, 20.0,",
			bandwidth: "0, 0.4528301886792453, 0.6792452830188679, 0.6792452830188679, 6.0, 6.0, 2.0,",
			details:   "0, 1.0, 48.0, 24, 4.0, 51.0, 36, 5.0, 53.0, 36, -2.0, -1.0, 12, -2.0, -1.0, 12, 53.0, 70.0, 36,",
		},
		{
			// A window that hangs over the edge: 5x5 input, 2x2 filter,
			// stride 2. SCALE-Sim's output is ceil((5 - 2 + 2) / 2) = 3 per
			// side, so the last window row and column read row and column 5,
			// which do not exist (address -1). M = 9, K = 4, N = 1 on ws
			// 2x2: 2 row folds of 2, 1 column fold; T = 9, L = 4 + 2 + 9 - 2
			// = 13, total 25. Overall 36 x 100 / (25 x 4) = 36 %; mapping
			// 2/4 = 50 %; compute 2 x 9 / (4 x 14) = 32.14 %.
			// SRAM ifmap: M x K = 36 reads, the -1s included; from R + 1 = 3.
			// The last fold holds window elements 2 (row 1, col 0) and 3 (row
			// 1, col 1); element 2 is on the input up to pixel (1, 2) = 5,
			// element 3 up to (1, 1) = 4; pixel p meets port col at R + p +
			// col, so the last real read is at s + 2 + max(5 + 0, 4 + 1) =
			// 13 + 7, plus 1: 21 (not 13 + 2 + 8 + 1 + 1 = 25 without the
			// edge). Filter: 4 reads, 1..15; OFMAP 9 x 2 row folds = 18,
			// from 3 to 13 + 3 + 8 + 0 = 24. DRAM: all 25 input words are
			// read (3 sets: -3..-1), 4 filter words (-1..-1), 18 OFMAP
			// words in 9 lines of 2 at 25..33.
			name:      "overhang ws 2x2",
			cfg:       smallConfig(WeightStationary, 2, 2),
			layer:     Layer{Name: "edge", IfmapH: 5, IfmapW: 5, FilterH: 2, FilterW: 2, Channels: 1, Filters: 1, StrideH: 2, StrideW: 2},
			compute:   "0, 25, 0, 36.0, 50.0, 32.142857142857146,",
			bandwidth: "0, 1.44, 0.16, 0.72, 8.333333333333334, 4.0, 2.0,",
			details:   "0, 3.0, 21.0, 36, 1.0, 15.0, 4, 3.0, 24.0, 18, -3.0, -1.0, 25, -1.0, -1.0, 4, 25.0, 33.0, 18,",
		},
		{
			// GEMM M=600, N=1, K=1 on a 1x1 ws array: one fold of
			// 2 + 1 + 600 - 2 = 601 cycles, total 600; input p is read at
			// cycle R + p = 1 + p, output p written at 2R - 1 + p = 1 + p.
			// Overall 600 x 100 / 600 = 100 %, compute 600 / 601.
			// IFMAP DRAM: 600 distinct addresses, so the 500th (p = 499,
			// cycle 500) completes a chunk: the first prefetch of
			// ceil(500 / 10) = 50 cycles ends the cycle before the first
			// request (cycle 1), so the trace starts at 1 - 50 = -49; the
			// last chunk ends at 500, the trace one cycle later: 501;
			// 500 + 100 = 600 words.
			// OFMAP DRAM: lines of C = 1 word; the 513th write (cycle 513)
			// leaves more than 512 undrained and starts a drain of 512
			// lines, cycles 513..1024. No other drain starts before the end;
			// at cycle 600 the 88 lines left drain in 600..687. SCALE-Sim
			// reports the trace's last line, 687, not the still later 1024.
			name:      "chunk and drain ws 1x1",
			cfg:       smallConfig(WeightStationary, 1, 1),
			layer:     Layer{Name: "long", IfmapH: 600, IfmapW: 1, FilterH: 1, FilterW: 1, Channels: 1, Filters: 1, StrideH: 1, StrideW: 1, GEMM: true},
			compute:   "0, 600, 0, 100.0, 100.0, 99.83361064891847,",
			bandwidth: "0, 1.0, 0.0016666666666666668, 1.0, 1.0889292196007259, 1.0, 3.4285714285714284,",
			details:   "0, 2.0, 601.0, 600, 1.0, 1.0, 1, 1.0, 600.0, 600, -49.0, 501.0, 600, -1.0, -1.0, 1, 513.0, 687.0, 600,",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := SimulateLayer(tc.cfg, tc.layer)
			if err != nil {
				t.Fatal(err)
			}
			run := &Run{Config: tc.cfg, Layers: []LayerReport{rep}}
			for _, f := range []struct {
				name  string
				write func(*bytes.Buffer) error
				want  string
			}{
				{ComputeReportFile, func(b *bytes.Buffer) error { return run.WriteComputeReport(b) }, tc.compute},
				{BandwidthReportFile, func(b *bytes.Buffer) error { return run.WriteBandwidthReport(b) }, tc.bandwidth},
				{DetailedAccessReportFile, func(b *bytes.Buffer) error { return run.WriteDetailedAccessReport(b) }, tc.details},
			} {
				var b bytes.Buffer
				if err := f.write(&b); err != nil {
					t.Fatal(err)
				}
				lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
				if len(lines) != 2 || lines[1] != f.want {
					t.Errorf("%s row:\n got %q\nwant %q", f.name, lines[len(lines)-1], f.want)
				}
			}
			if want := refLayer(tc.cfg, tc.layer); want.DRAMOfmap != rep.DRAMOfmap || want.SRAMIfmap != rep.SRAMIfmap {
				t.Errorf("the literal model disagrees: %+v", want)
			}
		})
	}
}

// TestMapping checks the fold geometry of the golden layer in each
// dataflow: M = 3025, N = 96, K = 363 on 32x32.
func TestMapping(t *testing.T) {
	l := Layer{Name: "Conv1", IfmapH: 224, IfmapW: 224, FilterH: 11, FilterW: 11, Channels: 3, Filters: 96, StrideH: 4, StrideW: 4}
	for _, tc := range []struct {
		df                 Dataflow
		rowFolds, colFolds int
		foldCycles, cycles int64
	}{
		{WeightStationary, 12, 3, 2*32 + 32 + 3025 - 2, 36*3119 - 1}, // K rows, N columns, M streamed
		{OutputStationary, 95, 3, 32 + 32 + 363 - 2, 285*425 - 1},    // M rows, N columns, K streamed
		{InputStationary, 12, 95, 2*32 + 32 + 96 - 2, 12*95*190 - 1}, // K rows, M columns, N streamed
	} {
		m := Map(&Config{ArrayHeight: 32, ArrayWidth: 32, Dataflow: tc.df}, l)
		if m.RowFolds != tc.rowFolds || m.ColFolds != tc.colFolds || m.FoldCycles != tc.foldCycles || m.Cycles() != tc.cycles {
			t.Errorf("%s: got %v, total %d; want %dx%d folds of %d, total %d", tc.df, m, m.Cycles(), tc.rowFolds, tc.colFolds, tc.foldCycles, tc.cycles)
		}
	}
}

// TestExpandDepthwise checks SCALE-Sim's depthwise rule: a "DP" layer of
// C channels runs as C single-channel layers.
func TestExpandDepthwise(t *testing.T) {
	top, err := ParseTopology("dw.csv", strings.NewReader(
		"Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"+
			"Conv2_DP, 114, 114, 3, 3, 3, 1, 1,\nConv2_PW, 112, 112, 1, 1, 3, 8, 1,\n"), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	layers := Expand(top)
	if len(layers) != 4 || layers[0].Name != "Conv2_DPChannel_0" || layers[2].Name != "Conv2_DPChannel_2" || layers[2].Channels != 1 || layers[3].Name != "Conv2_PW" || layers[3].Channels != 3 {
		t.Fatalf("got %+v", layers)
	}
	run, err := Simulate(smallConfig(WeightStationary, 8, 8), top)
	if err != nil {
		t.Fatal(err)
	}
	// A channel's 3 x 3 window (K = 9) takes 2 row folds of the 8 rows,
	// each streaming the 112 x 112 pixels: 2 x (2 x 8 + 8 + 12544 - 2) - 1.
	if len(run.Layers) != 4 || run.Layers[1].TotalCycles != 2*12566-1 || run.Layers[1].Layer.Name != "Conv2_DPChannel_1" {
		t.Errorf("got %d layers, layer 1 %s with %d cycles; want 4 and 25131", len(run.Layers), run.Layers[1].Layer.Name, run.Layers[1].TotalCycles)
	}
}

func TestPyFloat(t *testing.T) {
	for f, want := range map[float64]string{
		33: "33.0", -3243: "-3243.0", 94.53125: "94.53125", 0.1: "0.1", 1.0 / 3: "0.3333333333333333",
		1e-4: "0.0001", 1e-5: "1e-05", 1.5e-7: "1.5e-07", 1e15: "1000000000000000.0", 1e16: "1e+16",
		123456789012345678: "1.2345678901234568e+17", 0: "0.0", 29.338590881967885: "29.338590881967885",
	} {
		if got := PyFloat(f); got != want {
			t.Errorf("PyFloat(%v) = %q, want %q", f, got, want)
		}
	}
}

// golden is SCALE-Sim's example configuration, for the error cases to
// break one line at a time.
const golden = `[general]
run_name = scale_example_run_32x32_ws

[architecture_presets]
ArrayHeight:    32
ArrayWidth:     32
IfmapSramSzkB:   64
FilterSramSzkB:  64
OfmapSramSzkB:   64
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : 10
Dataflow : ws
MemoryBanks:   1

[run_presets]
InterfaceBandwidth: CALC
`

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig("scale.cfg", strings.NewReader(strings.ReplaceAll(golden, "ArrayWidth:     32", "arraywidth = 8")))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{RunName: "scale_example_run_32x32_ws", ArrayHeight: 32, ArrayWidth: 8, IfmapSRAMKB: 64, FilterSRAMKB: 64, OfmapSRAMKB: 64,
		FilterOffset: 10000000, OfmapOffset: 20000000, Dataflow: WeightStationary, InterfaceBandwidth: "CALC"}
	if *c != want {
		t.Errorf("got %+v\nwant %+v", *c, want)
	}
}

// TestConfigErrors breaks the example config one way at a time; each
// error names the file, the line and the key.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"zero rows", "ArrayHeight:    32", "ArrayHeight: 0", `scale.cfg:5: architecture_presets.ArrayHeight: must be an integer >= 1, got "0"`},
		{"not a number", "IfmapSramSzkB:   64", "IfmapSramSzkB: 64kB", `scale.cfg:7: architecture_presets.IfmapSramSzkB: must be an integer >= 1, got "64kB"`},
		{"negative offset", "FilterOffset:   10000000", "FilterOffset: -5", `scale.cfg:11: architecture_presets.FilterOffset: must be an integer >= 0, got "-5"`},
		{"dataflow", "Dataflow : ws", "Dataflow : rs", `scale.cfg:14: architecture_presets.Dataflow: must be os, ws or is, got "rs"`},
		{"user bandwidth", "InterfaceBandwidth: CALC", "InterfaceBandwidth: USER", `scale.cfg:18: run_presets.InterfaceBandwidth: USER`},
		{"bad mode", "InterfaceBandwidth: CALC", "InterfaceBandwidth: FAST", `scale.cfg:18: run_presets.InterfaceBandwidth: must be CALC, got "FAST"`},
		{"missing key", "OfmapSramSzkB:   64\n", "", `scale.cfg:4: architecture_presets.OfmapSramSzkB: missing, want an integer >= 1`},
		{"missing section", "[run_presets]\nInterfaceBandwidth: CALC\n", "", `scale.cfg: [run_presets] section missing (it holds InterfaceBandwidth)`},
		{"duplicate key", "ArrayWidth:     32", "ArrayWidth: 32\narraywidth: 16", `scale.cfg:7: architecture_presets.arraywidth: set twice (first on line 6)`},
		{"no delimiter", "MemoryBanks:   1", "MemoryBanks 1", `scale.cfg:15: "MemoryBanks 1": want "key = value" or "key: value"`},
		{"run name path", "run_name = scale_example_run_32x32_ws", "run_name = ../escape", `scale.cfg:2: general.run_name: must be a plain directory name, got "../escape"`},
		{"too wide", "ArrayWidth:     32", "ArrayWidth: 100000", `scale.cfg:6: architecture_presets.ArrayWidth: must be at most 65536, got 100000`},
		{"key before section", "[general]\n", "", `scale.cfg:1: run_name: outside any [section]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(golden, tc.old, tc.new, 1)
			_, err := ParseConfig("scale.cfg", strings.NewReader(text))
			if err == nil || !strings.HasPrefix(err.Error(), "config "+tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v\nwant one line starting %q", err, "config "+tc.want)
			}
		})
	}
}

// TestSameCycleChunks: a 1000-column is array with a 1 kB IFMAP buffer
// requests 1000 distinct addresses in one cycle, completing two 500-address
// chunks at once, where SCALE-Sim fails dividing by a zero-cycle prefetch.
func TestSameCycleChunks(t *testing.T) {
	l := Layer{Name: "wide", IfmapH: 1000, IfmapW: 2, FilterH: 1, FilterW: 2, Channels: 1, Filters: 1, StrideH: 1, StrideW: 1, GEMM: true}
	_, err := SimulateLayer(smallConfig(InputStationary, 1, 1000), l)
	if err == nil || !strings.Contains(err.Error(), "IFMAP: two read-buffer prefetch chunks complete in the same cycle") {
		t.Errorf("error %v", err)
	}
}

// FuzzParseConfig: any text either gives a usable config or one error line
// naming the file.
func FuzzParseConfig(f *testing.F) {
	f.Add(golden)
	f.Add(strings.ReplaceAll(golden, ":", " ="))
	f.Add("[general]\nrun_name=x\n[architecture_presets]\narrayheight=1\n")
	f.Add("[general]\nrun_name = x\n[general]\n")
	f.Fuzz(func(t *testing.T, text string) {
		var c *Config
		var err error
		fuzzcheck.Alloc(t, 1<<20+64*uint64(len(text)), func() { c, err = ParseConfig("f.cfg", strings.NewReader(text)) })
		if err != nil {
			fuzzcheck.Error(t, err, "config f.cfg")
			return
		}
		if c.ArrayHeight < 1 || c.ArrayWidth < 1 || c.IfmapSRAMKB < 1 || c.FilterSRAMKB < 1 || c.OfmapSRAMKB < 1 ||
			c.RunName == "" || strings.ContainsAny(c.RunName, "/\\") || c.InterfaceBandwidth != "CALC" {
			t.Fatalf("config %+v", c)
		}
	})
}
