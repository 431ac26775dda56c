package scalesim

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/internal/fuzzcheck"
	"github.com/npusim/npusim/workloads"
)

const convHeader = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"

func TestParseTopologyConv(t *testing.T) {
	// SCALE-Sim's own files: the golden AlexNet layer (no final newline),
	// and lines as its MobileNet file writes them: indented, a "#dw"
	// comment after the last comma, one without the trailing comma, and a
	// blank line; plus separate stride height and width.
	text := convHeader + "\nConv1,  224, 224,    11, 11,    3,      96,     4,\n" +
		"\tConv2_dw, 112, 112, 3, 3, 1, 1, 1,#dw\n" +
		"Conv11,28,28,1,1,256,256,1\n" +
		"Rect, 30, 20, 3, 5, 2, 4, 2, 3,"
	top, err := ParseTopology("nets/alexnet_part.csv", strings.NewReader(text), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	want := []Layer{
		{Name: "Conv1", Line: 3, IfmapH: 224, IfmapW: 224, FilterH: 11, FilterW: 11, Channels: 3, Filters: 96, StrideH: 4, StrideW: 4},
		{Name: "Conv2_dw", Line: 4, IfmapH: 112, IfmapW: 112, FilterH: 3, FilterW: 3, Channels: 1, Filters: 1, StrideH: 1, StrideW: 1},
		{Name: "Conv11", Line: 5, IfmapH: 28, IfmapW: 28, FilterH: 1, FilterW: 1, Channels: 256, Filters: 256, StrideH: 1, StrideW: 1},
		{Name: "Rect", Line: 6, IfmapH: 30, IfmapW: 20, FilterH: 3, FilterW: 5, Channels: 2, Filters: 4, StrideH: 2, StrideW: 3},
	}
	if top.Name != "alexnet_part" || top.Format != FormatConv || !slices.Equal(top.Layers, want) {
		t.Fatalf("got %s %v %+v", top.Name, top.Format, top.Layers)
	}
	// SCALE-Sim's output size has no padding and rounds up:
	// ceil((224 - 11 + 4) / 4) = 55, so the last window reaches column
	// 54 x 4 + 11 = 227, three past the edge.
	c1 := top.Layers[0]
	if b, r := c1.Overhang(); c1.OfmapH() != 55 || c1.M() != 3025 || c1.K() != 363 || c1.MACs() != 105415200 || b != 3 || r != 3 {
		t.Errorf("conv1: %dx%d, M %d, K %d, %d MACs, overhang %d/%d", c1.OfmapH(), c1.OfmapW(), c1.M(), c1.K(), c1.MACs(), b, r)
	}
	// ceil((30 - 3 + 2) / 2) = 15 rows, ceil((20 - 5 + 3) / 3) = 6 columns
	if r := top.Layers[3]; r.OfmapH() != 15 || r.OfmapW() != 6 {
		t.Errorf("rect: %dx%d, want 15x6", r.OfmapH(), r.OfmapW())
	}
}

func TestParseTopologyGEMM(t *testing.T) {
	for _, text := range []string{
		"Layer Name, M, N, K,\nTest 1, 256, 128, 64,\n", // SCALE-Sim's test_mnk_input.csv
		"Layer,M,N,K\nTest 1,256,128,64\n",              // its gpt2.csv, without trailing commas
	} {
		top, err := ParseTopology("mnk.csv", strings.NewReader(text), FormatAuto)
		if err != nil {
			t.Fatal(err)
		}
		// SCALE-Sim's conversion: an M x K input, a 1 x K filter, N filters.
		want := Layer{Name: "Test 1", Line: 2, IfmapH: 256, IfmapW: 64, FilterH: 1, FilterW: 64, Channels: 1, Filters: 128, StrideH: 1, StrideW: 1, GEMM: true}
		if top.Format != FormatGEMM || len(top.Layers) != 1 || top.Layers[0] != want {
			t.Fatalf("%q: got %v %+v", text, top.Format, top.Layers)
		}
		if l := top.Layers[0]; l.M() != 256 || l.N() != 128 || l.K() != 64 {
			t.Errorf("M, N, K = %d, %d, %d", l.M(), l.N(), l.K())
		}
	}
}

// TestTopologyErrors: one line naming the file, the line and the column.
func TestTopologyErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		format     Format
		want       string
	}{
		{"zero stride", convHeader + "c, 8, 8, 3, 3, 1, 4, 0,\n", FormatAuto, `topology t.csv:2: Strides: must be an integer from 1 to 16777216, got "0"`},
		{"not a number", convHeader + "c, 8, x8, 3, 3, 1, 4, 1,\n", FormatAuto, `topology t.csv:2: IFMAP Width: must be an integer from 1 to 16777216, got "x8"`},
		{"bad stride width", convHeader + "\nc, 8, 8, 3, 3, 1, 4, 1, -2,\n", FormatAuto, `topology t.csv:3: Stride Width: must be an integer from 1 to 16777216, got "-2"`},
		{"filter too tall", convHeader + "c, 8, 8, 9, 3, 1, 4, 1,\n", FormatAuto, `topology t.csv:2: Filter Height: 9 is larger than IFMAP Height 8`},
		{"too few fields", convHeader + "c, 8, 8, 3, 3, 1,\n", FormatAuto, `topology t.csv:2: 6 fields, want 8 (Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides)`},
		{"gemm read as conv", convHeader + "g, 8, 8, 8,\n", FormatConv, `topology t.csv:2: 4 fields, want 8`},
		{"gemm fields", "Layer, M, N, K,\ng, 8, 8,\n", FormatAuto, `topology t.csv:2: 3 fields, want 4 (Layer name, M, N, K)`},
		{"gemm zero", "Layer, M, N, K,\ng, 8, 0, 8,\n", FormatAuto, `topology t.csv:2: N: must be an integer from 1 to 16777216, got "0"`},
		{"empty name", convHeader + ", 8, 8, 3, 3, 1, 4, 1,\n", FormatAuto, `topology t.csv:2: Layer name: empty`},
		{"no header", "c, 8, 8, 3, 3, 1, 4, 1,\n", FormatAuto, `topology t.csv:1: the first line must be the header`},
		{"no layers", convHeader, FormatAuto, `topology t.csv: no layers`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTopology("t.csv", strings.NewReader(tc.text), tc.format)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v\nwant one line starting %q", err, tc.want)
			}
		})
	}
	if _, err := ReadTopology(filepath.Join(t.TempDir(), "missing.csv"), FormatAuto); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

// smallTopology has a chain (a convolution whose output the depthwise
// layer reads), a layer with its own input, and two chained GEMMs.
const smallTopology = convHeader +
	"Conv1, 9, 9, 3, 3, 2, 4, 2,\n" + // ceil((9-3+2)/2) = 4: 4x4x4, windows tile exactly
	"Conv2_DP, 4, 4, 2, 2, 4, 2, 1,\n" + // reads Conv1; depth multiplier 2: 3x3x8
	"Conv3, 6, 6, 3, 3, 8, 3, 2,\n" + // ceil((6-3+2)/2) = 3, last window one past the edge
	"FC, 3, 3, 3, 3, 3, 5, 1,\n" // reads Conv3: a 3x3x3 window over 3x3x3

func TestTopologyModel(t *testing.T) {
	top, err := ParseTopology("small.csv", strings.NewReader(smallTopology), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	w, err := top.Workload(7)
	if err != nil {
		t.Fatal(err)
	}
	m := w.Model
	kinds := []workloads.OpKind{workloads.Conv2D, workloads.DepthwiseConv2D, workloads.Conv2D, workloads.Conv2D}
	shapes := [][]int{{1, 4, 4, 4}, {1, 3, 3, 8}, {1, 3, 3, 3}, {1, 1, 1, 5}}
	pads := []workloads.Padding{{}, {}, {Bottom: 1, Right: 1}, {}}
	for i, op := range m.Ops {
		if op.Kind != kinds[i] || !slices.Equal(m.Tensors[op.Output].Shape, shapes[i]) || op.Padding != pads[i] {
			t.Errorf("op %d %s: %s %v padding %+v; want %s %v %+v", i, op.Name, op.Kind, m.Tensors[op.Output].Shape, op.Padding, kinds[i], shapes[i], pads[i])
		}
		if got, want := m.MACs(op), top.Layers[i].MACs(); got != want {
			t.Errorf("op %s: %d MACs, SCALE-Sim counts %d", op.Name, got, want)
		}
	}
	if len(m.Inputs) != 2 || m.Tensors[m.Inputs[1]].Name != "Conv3/input" || len(m.Outputs) != 2 {
		t.Errorf("inputs %v, outputs %v: want Conv1's and Conv3's inputs, Conv2_DP's and FC's outputs", m.Inputs, m.Outputs)
	}
	if m.Ops[1].DepthMultiplier != 2 || m.Ops[2].StrideH != 2 || !w.Synthetic || len(w.Inputs) != 2 || len(w.Inputs[0]) != 2 {
		t.Errorf("depth multiplier %d, stride %d, synthetic %v, %d samples", m.Ops[1].DepthMultiplier, m.Ops[2].StrideH, w.Synthetic, len(w.Inputs))
	}
	again, err := top.Workload(7)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Tensors {
		if !slices.Equal(m.Tensors[i].Data, again.Model.Tensors[i].Data) {
			t.Fatalf("tensor %s differs between two builds with seed 7", m.Tensors[i].Name)
		}
	}
	for k := range w.Inputs[0] {
		if !slices.Equal(w.Inputs[0][k].Data, again.Inputs[0][k].Data) {
			t.Fatalf("input %d differs between two builds with seed 7", k)
		}
	}
}

func TestTopologyGEMMModel(t *testing.T) {
	top, err := ParseTopology("mlp.csv", strings.NewReader("Layer, M, N, K,\nup, 4, 16, 8,\ndown, 4, 8, 16,\n"), FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	m := top.FloatModel(1)
	// up: [4, 8] x [8, 16]; down reads its [4, 16] output.
	if len(m.Inputs) != 1 || !slices.Equal(m.Tensors[m.Inputs[0]].Shape, []int{4, 8}) || len(m.Ops) != 2 ||
		m.Ops[1].Kind != workloads.FullyConnected || m.Ops[1].Inputs[0] != m.Ops[0].Output || !slices.Equal(m.Tensors[m.Ops[1].Output].Shape, []int{4, 8}) {
		t.Errorf("inputs %v, ops %+v", m.Inputs, m.Ops)
	}
}

// TestLoadTopologyPath: Load takes a path ending in .csv.
func TestLoadTopologyPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "small.csv")
	if err := os.WriteFile(path, []byte(smallTopology), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := LoadWorkload(path)
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != path || len(w.Model.Ops) != 4 || !strings.Contains(w.Description, "4 layers") {
		t.Errorf("got %s: %s with %d ops", w.Name, w.Description, len(w.Model.Ops))
	}
	none := filepath.Join(t.TempDir(), "none.csv")
	if _, err := LoadWorkload(none); err == nil || !strings.HasPrefix(err.Error(), "topology "+none+": open ") {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzParseTopology: any text either parses into layers SCALE-Sim can run
// (positive values, filters that fit their inputs) or gives one error line.
func FuzzParseTopology(f *testing.F) {
	f.Add(convHeader + "Conv1,  224, 224,    11, 11,    3,      96,     4,")
	f.Add(smallTopology)
	f.Add("Layer Name, M, N, K,\nTest 1, 256, 128, 64,\n")
	f.Add(convHeader + "\tConv2_dw, 112, 112, 3, 3, 1, 1, 1,#dw\nRect, 30, 20, 3, 5, 2, 4, 2, 3\n")
	f.Add(convHeader + "DP_huge, 8, 8, 3, 3, 60000, 2, 1,\n")
	f.Add("Layer, M, N, K,\nwide, 1, 16777216, 16777216,\n")
	f.Fuzz(func(t *testing.T, text string) {
		fuzzcheck.Small(t)
		var top *Topology
		var err error
		// Reading, and building what was read, allocate in proportion to
		// the input and the (small) budget, never to what a line claims.
		fuzzcheck.Alloc(t, 64<<20+64*uint64(len(text)), func() {
			if top, err = ParseTopology("f.csv", strings.NewReader(text), FormatAuto); err == nil {
				_, err = top.Workload(1)
			}
		})
		if err != nil {
			fuzzcheck.Error(t, err, "topology f.csv")
			return
		}
		for _, l := range top.Layers {
			if l.IfmapH < 1 || l.IfmapW < 1 || l.FilterH < 1 || l.FilterH > l.IfmapH || l.FilterW < 1 || l.FilterW > l.IfmapW ||
				l.Channels < 1 || l.Filters < 1 || l.StrideH < 1 || l.StrideW < 1 || l.OfmapH() < 1 || l.OfmapW() < 1 {
				t.Fatalf("layer %+v", l)
			}
		}
	})
}
