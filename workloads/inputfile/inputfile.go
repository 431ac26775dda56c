// Package inputfile reads the inputs users bring for a model: one sample of
// one model input per file, as a NumPy array or as raw stored codes. A
// file of real numbers is quantized onto the input tensor's grid as the
// application would quantize it (workloads.QuantizeInput); a file of codes
// is taken as it is, and must fit the tensor's type.
package inputfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/internal/printable"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// Read reads one sample of a model input from a file, for users who
// bring their own data:
//
//   - .npy: a NumPy array (format 1.0 to 3.0, C order) of int8 or uint8
//     values (taken as stored codes, which must fit the tensor's type) or of
//     float32/float64 values (real numbers, quantized onto the tensor's
//     grid); its shape must be the tensor's, with or without a leading batch
//     dimension of 1;
//   - anything else: raw bytes, one stored code per element, in the tensor's
//     type (int8 or uint8), exactly as many as the tensor has elements.
//
// Errors name the file and what is wrong.
func Read(path string, t *workloads.Tensor) (*quant.Tensor, error) {
	data, err := limits.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", path, err)
	}
	q, err := decodeInput(filepath.Ext(path), data, t)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", path, err)
	}
	return q, nil
}

func decodeInput(ext string, data []byte, t *workloads.Tensor) (*quant.Tensor, error) {
	if !t.Type.Is8Bit() {
		return nil, fmt.Errorf("model input %s is %v; only 8-bit inputs are read from files", t.Name, t.Type)
	}
	if ext != ".npy" {
		return decodeRaw(data, t)
	}
	descr, shape, body, err := parseNpy(data)
	if err != nil {
		return nil, err
	}
	if err := matchShape(shape, t.Shape); err != nil {
		return nil, fmt.Errorf("shape %v: %w (model input %s)", shape, err, t.Name)
	}
	n := t.Len()
	switch descr {
	case "|i1", "|u1", "<i1", "<u1":
		if len(body) != n {
			return nil, fmt.Errorf("data: %d bytes for %d elements", len(body), n)
		}
		signed := descr[1] == 'i'
		q := quant.NewTensor(t.Type, t.Shape, t.Params)
		for i, b := range body {
			v := int32(b)
			if signed {
				v = int32(int8(b))
			}
			if v < t.Type.Min() || v > t.Type.Max() {
				return nil, fmt.Errorf("data[%d]: %d outside %d..%d for %v", i, v, t.Type.Min(), t.Type.Max(), t.Type)
			}
			q.Data[i] = v
		}
		return q, nil
	case "<f4", "<f8":
		size := 4
		if descr == "<f8" {
			size = 8
		}
		if len(body) != n*size {
			return nil, fmt.Errorf("data: %d bytes for %d %s elements", len(body), n, descr)
		}
		x := make([]float32, n)
		for i := range x {
			if size == 4 {
				x[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
			} else {
				x[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(body[8*i:])))
			}
			if math.IsNaN(float64(x[i])) || math.IsInf(float64(x[i]), 0) {
				return nil, fmt.Errorf("data[%d]: %v is not a finite number", i, x[i])
			}
		}
		return workloads.QuantizeInput(t, x), nil
	}
	return nil, fmt.Errorf("header.descr: dtype %q not supported "+
		"(want int8 |i1, uint8 |u1, float32 <f4 or float64 <f8)", descr)
}

// decodeRaw reads a file of raw codes, one byte per element of t.
func decodeRaw(data []byte, t *workloads.Tensor) (*quant.Tensor, error) {
	if len(data) != t.Len() {
		return nil, fmt.Errorf("%d bytes of raw %v codes, model input %s %v has %d elements",
			len(data), t.Type, t.Name, t.Shape, t.Len())
	}
	q := quant.NewTensor(t.Type, t.Shape, t.Params)
	q.Data = quant.DecodeBytes(t.Type, data)
	return q, nil
}

// matchShape accepts a file shape equal to the tensor's, or to it with a
// leading batch dimension of 1 dropped or added.
func matchShape(file, want []int) error {
	if slices.Equal(file, want) || (len(want) > 0 && want[0] == 1 && slices.Equal(file, want[1:])) ||
		(len(file) > 0 && file[0] == 1 && slices.Equal(file[1:], want)) {
		return nil
	}
	return fmt.Errorf("want %v", want)
}

// npyKey is a key of the header's dictionary, where a key may stand: after
// its opening brace or a comma.
var npyKey = regexp.MustCompile(`[{,]\s*'([^']*)'\s*:`)

// checkHeaderKeys checks that the header is one dictionary of the keys
// descr, fortran_order and shape, each once, as NumPy writes and reads it.
func checkHeaderKeys(header string) error {
	h := strings.TrimRight(header, " \t\r\n\x00")
	if !strings.HasPrefix(h, "{") || !strings.HasSuffix(h, "}") {
		return fmt.Errorf("header: want a dictionary {...}, got %q", printable.String(strings.TrimSpace(header)))
	}
	seen := map[string]bool{}
	for _, m := range npyKey.FindAllStringSubmatch(h, -1) {
		key := m[1]
		switch {
		case key != "descr" && key != "fortran_order" && key != "shape":
			return fmt.Errorf("header: unknown key %q (want descr, fortran_order and shape)", printable.String(key))
		case seen[key]:
			return fmt.Errorf("header.%s: given twice", key)
		}
		seen[key] = true
	}
	return nil
}

var (
	npyMagic   = []byte("\x93NUMPY")
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// parseNpy reads a NumPy .npy header and returns the dtype, the shape and
// the data that follows.
func parseNpy(data []byte) (descr string, shape []int, body []byte, err error) {
	if !bytes.HasPrefix(data, npyMagic) || len(data) < 10 {
		return "", nil, nil, fmt.Errorf("header: not a NumPy .npy file (no \\x93NUMPY magic)")
	}
	var headerLen, start int
	switch data[6] {
	case 1:
		headerLen, start = int(binary.LittleEndian.Uint16(data[8:])), 10
	case 2, 3:
		if len(data) < 12 {
			return "", nil, nil, fmt.Errorf("header: cut short")
		}
		headerLen, start = int(binary.LittleEndian.Uint32(data[8:])), 12
	default:
		return "", nil, nil, fmt.Errorf("header: .npy format version %d.%d not supported", data[6], data[7])
	}
	if start+headerLen > len(data) {
		return "", nil, nil, fmt.Errorf("header: %d bytes announced, the file has %d", headerLen, len(data)-start)
	}
	header := string(data[start : start+headerLen])
	if err := checkHeaderKeys(header); err != nil {
		return "", nil, nil, err
	}
	d, f := npyDescr.FindStringSubmatch(header), npyFortran.FindStringSubmatch(header)
	s := npyShape.FindStringSubmatch(header)
	if d == nil || f == nil || s == nil {
		return "", nil, nil, fmt.Errorf("header: want descr, fortran_order and shape, got %q", strings.TrimSpace(header))
	}
	if f[1] == "True" {
		return "", nil, nil, fmt.Errorf("header.fortran_order: only C-ordered arrays are read")
	}
	for _, field := range strings.Split(s[1], ",") {
		if field = strings.TrimSpace(field); field == "" {
			continue
		}
		n, err := strconv.Atoi(field)
		if err != nil || n < 0 {
			return "", nil, nil, fmt.Errorf("header.shape: %q is not a dimension", field)
		}
		shape = append(shape, n)
	}
	return d[1], shape, data[start+headerLen:], nil
}
