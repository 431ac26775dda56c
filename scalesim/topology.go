package scalesim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/internal/printable"
)

// lineError says what stopped a line-by-line reader: a line longer than
// the reader takes, or the error itself.
func lineError(err error) error {
	if errors.Is(err, bufio.ErrTooLong) {
		return fmt.Errorf("the line is longer than %d bytes", maxLine)
	}
	return err
}

// maxLine is the longest line of a topology or configuration file.
const maxLine = 1 << 20

// Format names the two layouts of a SCALE-Sim topology file.
type Format int

// The topology layouts.
const (
	// FormatAuto reads the layout from the header line: a header whose
	// columns after the name are M, N and K is GEMM, any other is
	// convolution.
	FormatAuto Format = iota
	// FormatConv is the convolution layout: Layer name, IFMAP Height,
	// IFMAP Width, Filter Height, Filter Width, Channels, Num Filter,
	// Strides (one stride for both directions, or a stride height and a
	// stride width).
	FormatConv
	// FormatGEMM is the matrix-multiplication layout: Layer name, M, N,
	// K for a product of an M x K matrix by a K x N one.
	FormatGEMM
)

// String returns the layout's name as the command line spells it.
func (f Format) String() string {
	switch f {
	case FormatConv:
		return "conv"
	case FormatGEMM:
		return "gemm"
	}
	return "auto"
}

// ParseFormat reads a layout name: auto, conv or gemm.
func ParseFormat(s string) (Format, error) {
	for _, f := range []Format{FormatAuto, FormatConv, FormatGEMM} {
		if s == f.String() {
			return f, nil
		}
	}
	return 0, fmt.Errorf("topology format %q: must be auto, conv or gemm", s)
}

// Layer is one line of a SCALE-Sim topology, in SCALE-Sim's
// convolution terms. A GEMM line "name, M, N, K" is held the way SCALE-Sim
// turns it into a convolution: an M x K input, a 1 x K filter, one channel,
// N filters, stride 1, so that its M output pixels each take a K-element dot
// product with each of the N filters.
type Layer struct {
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
func (l Layer) Depthwise() bool {
	return !l.GEMM && strings.Contains(l.Name, "DP")
}

// OfmapH is the output height as SCALE-Sim computes it, with no padding:
// ceil((IfmapH - FilterH + StrideH) / StrideH). When the stride does not
// divide IfmapH - FilterH, the last window row hangs over the bottom edge.
func (l Layer) OfmapH() int { return ceilDiv(l.IfmapH-l.FilterH+l.StrideH, l.StrideH) }

// OfmapW is the output width, as OfmapH.
func (l Layer) OfmapW() int { return ceilDiv(l.IfmapW-l.FilterW+l.StrideW, l.StrideW) }

// M is the number of output pixels. M, N and K are the dimensions of the
// layer's matrix product: M output pixels, N filters, K = FilterH x FilterW x
// Channels weights per filter.
func (l Layer) M() int { return l.OfmapH() * l.OfmapW() }

// N is the number of filters; see M.
func (l Layer) N() int { return l.Filters }

// K is the filter window size; see M.
func (l Layer) K() int { return l.FilterH * l.FilterW * l.Channels }

// MACs is M x N x K, the multiply-accumulates SCALE-Sim counts for the layer
// (for a depthwise layer, one channel's worth times Channels).
func (l Layer) MACs() int64 {
	return int64(min(l.macs(), math.MaxInt64))
}

// Overhang returns how far the last window row and column reach past the
// bottom and right edges of the input: SCALE-Sim reads nothing there, which
// is zero padding on those two sides.
func (l Layer) Overhang() (bottom, right int) {
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
	Format Format
	Layers []Layer
}

// ReadTopology reads a topology file. Errors name the file, the line and
// the column ("topology net.csv:3: Filter Height: must be an integer from 1
// to 16777216, got \"x\"").
func ReadTopology(path string, format Format) (*Topology, error) {
	data, err := limits.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("topology %s: %w", path, err)
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
func ParseTopology(path string, r io.Reader, format Format) (*Topology, error) {
	t := &Topology{Name: topologyName(path), Path: path, Format: format}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	errorf := func(line int, format string, args ...any) error { // names from the file, escaped
		return fmt.Errorf("topology %s:%d: %s", path, line, printable.String(fmt.Sprintf(format, args...)))
	}
	line, sawHeader := 0, false
	var b budget
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
					if t.Format == FormatGEMM {
						columns = gemmColumns
					}
					return nil, errorf(line, "the first line must be the header (%s); "+
						"SCALE-Sim skips it, so this layer would be lost", strings.Join(columns, ", "))
				}
			}
			if t.Format == FormatAuto {
				t.Format = FormatConv
				if isGEMMHeader(fields) {
					t.Format = FormatGEMM
				}
			}
			continue
		}
		l, err := parseTopologyLayer(fields, t.Format)
		if err != nil {
			return nil, errorf(line, "%v", err)
		}
		l.Line = line
		if err := b.add(l); err != nil {
			return nil, errorf(line, "%v", err)
		}
		t.Layers = append(t.Layers, l)
	}
	if err := sc.Err(); err != nil {
		return nil, errorf(line+1, "%v", lineError(err))
	}
	if len(t.Layers) == 0 {
		return nil, fmt.Errorf("topology %s: no layers (a header line, then one line per layer)", path)
	}
	if t.Format == FormatAuto {
		t.Format = FormatConv
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
func parseTopologyLayer(fields []string, format Format) (Layer, error) {
	columns := convColumns
	if format == FormatGEMM {
		columns = gemmColumns
	}
	switch {
	case format == FormatGEMM && len(fields) != 4:
		return Layer{}, fmt.Errorf("%d fields, want 4 (%s)", len(fields), strings.Join(columns, ", "))
	case format != FormatGEMM && len(fields) != 8 && len(fields) != 9:
		return Layer{}, fmt.Errorf("%d fields, want 8 (%s, Strides) or 9 (... %s, %s)%s",
			len(fields), strings.Join(columns[:7], ", "), columns[7], columns[8], gemmHint(fields))
	}
	if fields[0] == "" {
		return Layer{}, fmt.Errorf("%s: empty", columns[0])
	}
	if printable.String(fields[0]) != fields[0] {
		return Layer{}, fmt.Errorf("%s: %s holds control characters", columns[0], printable.String(fields[0]))
	}
	values := make([]int, len(fields))
	for i := 1; i < len(fields); i++ {
		name := columns[i]
		if format != FormatGEMM && i == 7 && len(fields) == 8 {
			name = "Strides"
		}
		v, err := strconv.Atoi(fields[i])
		if err != nil || v < 1 || v > maxTopologyValue {
			return Layer{}, fmt.Errorf("%s: must be an integer from 1 to %d, got %q", name, maxTopologyValue, fields[i])
		}
		values[i] = v
	}
	if format == FormatGEMM {
		m, n, k := values[1], values[2], values[3]
		return Layer{Name: fields[0], IfmapH: m, IfmapW: k, FilterH: 1, FilterW: k, Channels: 1,
			Filters: n, StrideH: 1, StrideW: 1, GEMM: true}, nil
	}
	l := Layer{Name: fields[0], IfmapH: values[1], IfmapW: values[2], FilterH: values[3], FilterW: values[4],
		Channels: values[5], Filters: values[6], StrideH: values[7], StrideW: values[7]}
	if len(fields) == 9 {
		l.StrideW = values[8]
	}
	if l.FilterH > l.IfmapH {
		return Layer{}, fmt.Errorf("%s: %d is larger than %s %d", columns[3], l.FilterH, columns[1], l.IfmapH)
	}
	if l.FilterW > l.IfmapW {
		return Layer{}, fmt.Errorf("%s: %d is larger than %s %d", columns[4], l.FilterW, columns[2], l.IfmapW)
	}
	return l, nil
}

// isGEMMHeader reports whether a header line names the GEMM layout's
// columns: a layer name, then M, N and K in any letter case.
func isGEMMHeader(fields []string) bool {
	return len(fields) == 4 && strings.EqualFold(fields[1], "M") &&
		strings.EqualFold(fields[2], "N") && strings.EqualFold(fields[3], "K")
}

// gemmHint suggests the GEMM layout for a four-field line read as
// convolution.
func gemmHint(fields []string) string {
	if len(fields) == 4 {
		return "; for an M, N, K file use the gemm format"
	}
	return ""
}
