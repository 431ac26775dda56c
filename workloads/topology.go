package workloads

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/quant"
)

// TopologyFormat names the two layouts of a SCALE-Sim topology file.
type TopologyFormat int

// The topology layouts.
const (
	// TopologyAuto reads the layout from the header line: a header whose
	// columns after the name are M, N and K is GEMM, any other is
	// convolution.
	TopologyAuto TopologyFormat = iota
	// TopologyConv is the convolution layout: Layer name, IFMAP Height,
	// IFMAP Width, Filter Height, Filter Width, Channels, Num Filter,
	// Strides (one stride for both directions, or a stride height and a
	// stride width).
	TopologyConv
	// TopologyGEMM is the matrix-multiplication layout: Layer name, M, N,
	// K for a product of an M x K matrix by a K x N one.
	TopologyGEMM
)

// String returns the layout's name as the command line spells it.
func (f TopologyFormat) String() string {
	switch f {
	case TopologyConv:
		return "conv"
	case TopologyGEMM:
		return "gemm"
	}
	return "auto"
}

// ParseTopologyFormat reads a layout name: auto, conv or gemm.
func ParseTopologyFormat(s string) (TopologyFormat, error) {
	for _, f := range []TopologyFormat{TopologyAuto, TopologyConv, TopologyGEMM} {
		if s == f.String() {
			return f, nil
		}
	}
	return 0, fmt.Errorf("topology format %q: must be auto, conv or gemm", s)
}

// TopologyLayer is one line of a SCALE-Sim topology, in SCALE-Sim's
// convolution terms. A GEMM line "name, M, N, K" is held the way SCALE-Sim
// turns it into a convolution: an M x K input, a 1 x K filter, one channel,
// N filters, stride 1, so that its M output pixels each take a K-element dot
// product with each of the N filters.
type TopologyLayer struct {
	Name string
	// Line is the line of the file the layer was read from (1-based).
	Line             int
	IfmapH, IfmapW   int
	FilterH, FilterW int
	Channels         int
	// Filters is the number of filters (output channels); for a depthwise
	// layer, the number of filters per input channel.
	Filters          int
	StrideH, StrideW int
	// GEMM marks a layer read from the M, N, K layout.
	GEMM bool
}

// Depthwise reports whether SCALE-Sim treats the layer as depthwise: a
// convolution-layout layer whose name contains "DP". SCALE-Sim runs such a
// layer as Channels separate single-channel convolutions, each with Filters
// filters.
func (l TopologyLayer) Depthwise() bool {
	return !l.GEMM && strings.Contains(l.Name, "DP")
}

// OfmapH is the output height as SCALE-Sim computes it, with no padding:
// ceil((IfmapH - FilterH + StrideH) / StrideH). When the stride does not
// divide IfmapH - FilterH, the last window row hangs over the bottom edge.
func (l TopologyLayer) OfmapH() int { return ceilDiv(l.IfmapH-l.FilterH+l.StrideH, l.StrideH) }

// OfmapW is the output width, as OfmapH.
func (l TopologyLayer) OfmapW() int { return ceilDiv(l.IfmapW-l.FilterW+l.StrideW, l.StrideW) }

// M, N and K are the dimensions of the layer's matrix product: M output
// pixels, N filters, K = FilterH x FilterW x Channels weights per filter.
func (l TopologyLayer) M() int { return l.OfmapH() * l.OfmapW() }

// N is the number of filters; see M.
func (l TopologyLayer) N() int { return l.Filters }

// K is the filter window size; see M.
func (l TopologyLayer) K() int { return l.FilterH * l.FilterW * l.Channels }

// MACs is M x N x K, the multiply-accumulates SCALE-Sim counts for the layer
// (for a depthwise layer, one channel's worth times Channels).
func (l TopologyLayer) MACs() int64 {
	return int64(l.M()) * int64(l.N()) * int64(l.K())
}

// Overhang returns how far the last window row and column reach past the
// bottom and right edges of the input: SCALE-Sim reads nothing there, which
// is zero padding on those two sides.
func (l TopologyLayer) Overhang() (bottom, right int) {
	return (l.OfmapH()-1)*l.StrideH + l.FilterH - l.IfmapH, (l.OfmapW()-1)*l.StrideW + l.FilterW - l.IfmapW
}

// Topology is a SCALE-Sim topology file: a named list of layers.
type Topology struct {
	// Name is SCALE-Sim's topology name: the file name without its
	// extension.
	Name string
	// Path is the file the topology was read from, for messages.
	Path string
	// Format is the layout the file was read in (conv or gemm).
	Format TopologyFormat
	Layers []TopologyLayer
}

// ReadTopology reads a topology file. Errors name the file, the line and
// the column ("topology net.csv:3: Filter Height: must be an integer from 1
// to 16777216, got \"x\"").
func ReadTopology(path string, format TopologyFormat) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("topology %w", err)
	}
	return ParseTopology(path, bytes.NewReader(data), format)
}

// convColumns and gemmColumns name the layouts' columns for error messages.
var (
	convColumns = []string{"Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width",
		"Channels", "Num Filter", "Stride Height", "Stride Width"}
	gemmColumns = []string{"Layer name", "M", "N", "K"}
)

// ParseTopology reads a topology from r; path names it in errors and gives
// the topology its name.
//
// The rules are SCALE-Sim's where it has them: the first line is a header
// and is skipped (here the first line that is not blank); blank lines are
// skipped; fields are separated by commas
// and trimmed; the text after a line's last comma is ignored, so a line ends
// with a trailing comma (or a comment such as "#dw"). A layer's values are
// positive integers, and a filter must fit its input. Where SCALE-Sim would
// silently misread or crash, this is an error or, for a line that ends
// without the trailing comma, the line is read as if it had one. Lines
// starting with '#' are comments.
func ParseTopology(path string, r io.Reader, format TopologyFormat) (*Topology, error) {
	t := &Topology{Name: topologyName(path), Path: path, Format: format}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	errorf := func(line int, format string, args ...any) error {
		return fmt.Errorf("topology %s:%d: %s", path, line, fmt.Sprintf(format, args...))
	}
	line, sawHeader := 0, false
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if line == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := splitTopologyLine(text)
		if !sawHeader {
			sawHeader = true
			if len(fields) > 1 {
				if _, err := strconv.Atoi(fields[1]); err == nil {
					columns := append(convColumns[:7:7], "Strides")
					if t.Format == TopologyGEMM {
						columns = gemmColumns
					}
					return nil, errorf(line, "the first line must be the header (%s); SCALE-Sim skips it, so this layer would be lost", strings.Join(columns, ", "))
				}
			}
			if t.Format == TopologyAuto {
				t.Format = TopologyConv
				if len(fields) == 4 && strings.EqualFold(fields[1], "M") && strings.EqualFold(fields[2], "N") && strings.EqualFold(fields[3], "K") {
					t.Format = TopologyGEMM
				}
			}
			continue
		}
		l, err := parseTopologyLayer(fields, t.Format)
		if err != nil {
			return nil, errorf(line, "%v", err)
		}
		l.Line = line
		t.Layers = append(t.Layers, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("topology %s:%d: %w", path, line+1, err)
	}
	if len(t.Layers) == 0 {
		return nil, fmt.Errorf("topology %s: no layers (a header line, then one line per layer)", path)
	}
	if t.Format == TopologyAuto {
		t.Format = TopologyConv
	}
	return t, nil
}

// topologyName is SCALE-Sim's topology name for a path: the base name
// without its extension.
func topologyName(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// splitTopologyLine splits a line at its commas and trims the fields,
// dropping what follows the last comma when it is empty or a '#' comment.
func splitTopologyLine(text string) []string {
	fields := strings.Split(text, ",")
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	if n := len(fields); n > 1 && (fields[n-1] == "" || strings.HasPrefix(fields[n-1], "#")) {
		fields = fields[:n-1]
	}
	return fields
}

// maxTopologyValue bounds a topology's values, so that products of them fit
// in 64 bits.
const maxTopologyValue = 1 << 24

// parseTopologyLayer reads one layer line's fields.
func parseTopologyLayer(fields []string, format TopologyFormat) (TopologyLayer, error) {
	columns := convColumns
	if format == TopologyGEMM {
		columns = gemmColumns
	}
	switch {
	case format == TopologyGEMM && len(fields) != 4:
		return TopologyLayer{}, fmt.Errorf("%d fields, want 4 (%s)", len(fields), strings.Join(columns, ", "))
	case format != TopologyGEMM && len(fields) != 8 && len(fields) != 9:
		return TopologyLayer{}, fmt.Errorf("%d fields, want 8 (%s, Strides) or 9 (... %s, %s)%s",
			len(fields), strings.Join(columns[:7], ", "), columns[7], columns[8], gemmHint(fields))
	}
	if fields[0] == "" {
		return TopologyLayer{}, fmt.Errorf("%s: empty", columns[0])
	}
	values := make([]int, len(fields))
	for i := 1; i < len(fields); i++ {
		name := columns[i]
		if format != TopologyGEMM && i == 7 && len(fields) == 8 {
			name = "Strides"
		}
		v, err := strconv.Atoi(fields[i])
		if err != nil || v < 1 || v > maxTopologyValue {
			return TopologyLayer{}, fmt.Errorf("%s: must be an integer from 1 to %d, got %q", name, maxTopologyValue, fields[i])
		}
		values[i] = v
	}
	if format == TopologyGEMM {
		m, n, k := values[1], values[2], values[3]
		return TopologyLayer{Name: fields[0], IfmapH: m, IfmapW: k, FilterH: 1, FilterW: k, Channels: 1,
			Filters: n, StrideH: 1, StrideW: 1, GEMM: true}, nil
	}
	l := TopologyLayer{Name: fields[0], IfmapH: values[1], IfmapW: values[2], FilterH: values[3], FilterW: values[4],
		Channels: values[5], Filters: values[6], StrideH: values[7], StrideW: values[7]}
	if len(fields) == 9 {
		l.StrideW = values[8]
	}
	if l.FilterH > l.IfmapH {
		return TopologyLayer{}, fmt.Errorf("Filter Height: %d is larger than IFMAP Height %d", l.FilterH, l.IfmapH)
	}
	if l.FilterW > l.IfmapW {
		return TopologyLayer{}, fmt.Errorf("Filter Width: %d is larger than IFMAP Width %d", l.FilterW, l.IfmapW)
	}
	return l, nil
}

// gemmHint suggests the GEMM layout for a four-field line read as
// convolution.
func gemmHint(fields []string) string {
	if len(fields) == 4 {
		return "; for an M, N, K file use the gemm format"
	}
	return ""
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// topologySeed is the seed of the synthetic weights of a topology loaded by
// path (LoadTopology).
const topologySeed = 1

// LoadTopology reads a topology file and builds its workload with the
// synthetic weights of seed 1, named by the path.
func LoadTopology(path string) (*Workload, error) {
	t, err := ReadTopology(path, TopologyAuto)
	if err != nil {
		return nil, err
	}
	w, err := t.Workload(topologySeed)
	if err != nil {
		return nil, err
	}
	w.Name = path
	return w, nil
}

// FloatModel builds the topology as a float network with seeded synthetic
// weights (see Builder):
//
//   - a convolution layer is a CONV_2D with a fused ReLU, VALID padding
//     plus the bottom and right overhang SCALE-Sim's output size implies
//     (see TopologyLayer.Overhang), so the output shape and MACs are
//     SCALE-Sim's;
//   - a depthwise ("DP") layer is a DEPTHWISE_CONV_2D with depth multiplier
//     Filters, padded and activated the same way;
//   - a GEMM layer is a FULLY_CONNECTED of an [M, K] input to [M, N], with
//     no activation.
//
// SCALE-Sim gives each layer its own input size and runs layers
// independently. Here a layer whose input shape is the previous layer's
// output shape reads that output; any other layer reads a model input of its
// own, named "<layer>/input". Every layer output that no later layer reads
// is a model output.
func (t *Topology) FloatModel(seed uint64) *FloatModel {
	b := NewBuilder(t.Name, seed)
	prev := -1
	read := map[int]bool{}
	for _, l := range t.Layers {
		in := l.inputShape()
		x := prev
		if prev < 0 || !slices.Equal(b.Shape(prev), in) {
			x = b.Input(l.Name+"/input", in...)
		}
		read[x] = true
		switch {
		case l.GEMM:
			prev = b.FC(l.Name, x, l.Filters, quant.ActNone)
		case l.Depthwise():
			prev = b.topologyDepthwise(l, x)
		default:
			prev = b.topologyConv(l, x)
		}
	}
	var outputs []int
	for _, op := range b.m.Ops {
		if !read[op.Output] {
			outputs = append(outputs, op.Output)
		}
	}
	return b.Build(fmt.Sprintf("SCALE-Sim topology %s, %d layers", t.Name, len(t.Layers)), outputs...)
}

// inputShape is the layer's input tensor shape: NHWC for convolutions,
// [M, K] for GEMM.
func (l TopologyLayer) inputShape() []int {
	if l.GEMM {
		return []int{l.IfmapH, l.IfmapW}
	}
	return []int{1, l.IfmapH, l.IfmapW, l.Channels}
}

// padding is VALID padding plus the overhang SCALE-Sim's output size
// implies.
func (l TopologyLayer) padding() Padding {
	bottom, right := l.Overhang()
	return Padding{Bottom: bottom, Right: right}
}

// topologyConv adds a topology convolution layer.
func (b *Builder) topologyConv(l TopologyLayer, x int) int {
	k := l.FilterH * l.FilterW * l.Channels
	w, bias := b.SyntheticWeights(l.Filters*k, k, l.Filters, func(i int) int { return i / k }, 0.5, 1.5)
	wt := b.Const(l.Name+"/weights", []int{l.Filters, l.FilterH, l.FilterW, l.Channels}, w)
	bt := b.Const(l.Name+"/bias", []int{l.Filters}, bias)
	op := &Op{Name: l.Name, Kind: Conv2D, Inputs: []int{x, wt, bt}, Padding: l.padding(),
		StrideH: l.StrideH, StrideW: l.StrideW, Activation: quant.ActRelu}
	return b.Op(op, []int{1, l.OfmapH(), l.OfmapW(), l.Filters})
}

// topologyDepthwise adds a topology depthwise layer.
func (b *Builder) topologyDepthwise(l TopologyLayer, x int) int {
	outC := l.Channels * l.Filters
	taps := l.FilterH * l.FilterW
	w, bias := b.SyntheticWeights(taps*outC, taps, outC, func(i int) int { return i % outC }, 0.1, 4)
	wt := b.Const(l.Name+"/weights", []int{1, l.FilterH, l.FilterW, outC}, w)
	bt := b.Const(l.Name+"/bias", []int{outC}, bias)
	op := &Op{Name: l.Name, Kind: DepthwiseConv2D, Inputs: []int{x, wt, bt}, Padding: l.padding(),
		StrideH: l.StrideH, StrideW: l.StrideW, DepthMultiplier: l.Filters, Activation: quant.ActRelu}
	return b.Op(op, []int{1, l.OfmapH(), l.OfmapW(), outC})
}

// Calibration and input samples of a topology workload.
const (
	topologyCalibrationSamples = 2
	topologyInputSamples       = 2
)

// Workload quantizes the topology's float network (see FloatModel) with
// Quantize on seeded calibration inputs and returns it with a seeded input
// set: convolution inputs uniform in [0, 1) like image pixels, GEMM inputs
// standard normal. The same topology and seed give the same workload on
// every machine.
func (t *Topology) Workload(seed uint64) (*Workload, error) {
	fm := t.FloatModel(seed)
	samples := func(n int, stream uint64) [][][]float32 {
		rng := rand.New(rand.NewPCG(seed, stream))
		out := make([][][]float32, n)
		for s := range out {
			for _, in := range fm.Inputs {
				shape := fm.Tensors[in].Shape
				x := make([]float32, quant.NumElements(shape))
				for i := range x {
					if len(shape) == 2 { // GEMM
						x[i] = float32(rng.NormFloat64())
					} else {
						x[i] = float32(rng.Float64())
					}
				}
				out[s] = append(out[s], x)
			}
		}
		return out
	}
	m, err := Quantize(fm, samples(topologyCalibrationSamples, 0x63616c6962))
	if err != nil {
		return nil, fmt.Errorf("topology %s: %w", t.Name, err)
	}
	var inputs [][]*quant.Tensor
	for _, s := range samples(topologyInputSamples, 0x696e707574) {
		var sample []*quant.Tensor
		for k, x := range s {
			sample = append(sample, QuantizeInput(m.Tensors[m.Inputs[k]], x))
		}
		inputs = append(inputs, sample)
	}
	var macs int64
	for _, l := range t.Layers {
		macs += l.MACs()
	}
	return &Workload{
		Name:        t.Name,
		Description: fmt.Sprintf("SCALE-Sim topology %s: %d layers, %d MACs, seeded synthetic weights", t.Name, len(t.Layers), macs),
		Source:      "SCALE-Sim topology file " + t.Name + ".csv (layer shapes only)",
		Synthetic:   true,
		Task:        Generic,
		Model:       m,
		Inputs:      inputs,
	}, nil
}
