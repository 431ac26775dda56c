package inputfile

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/npusim/npusim/internal/fuzzcheck"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// npy builds a NumPy version 1.0 file.
func npy(descr string, shape []int, body []byte) []byte {
	dims := ""
	for _, d := range shape {
		dims += fmt.Sprintf("%d, ", d)
	}
	return withHeader(body, fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, strings.TrimSuffix(dims, " ")))
}

// withHeader builds a NumPy version 1.0 file of a given header dictionary.
func withHeader(body []byte, header string) []byte {
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	out := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	return append(append(out, header...), body...)
}

func TestReadInput(t *testing.T) {
	tensor := &workloads.Tensor{Name: "x", Tensor: quant.Tensor{Type: quant.Int8, Shape: []int{1, 2, 2, 1}, Params: quant.Params{Scale: 0.5, ZeroPoint: -10}}}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f32 := make([]byte, 16)
	for i, v := range []float32{0, 1, -1.25, 100} {
		binary.LittleEndian.PutUint32(f32[4*i:], math.Float32bits(v))
	}
	good := []struct {
		name string
		data []byte
		want []int32
	}{
		{"raw.bin", []byte{0x00, 0x7f, 0x80, 0xff}, []int32{0, 127, -128, -1}},
		{"codes.npy", npy("|i1", []int{2, 2, 1}, []byte{1, 2, 0xfe, 4}), []int32{1, 2, -2, 4}},
		{"reals.npy", npy("<f4", []int{1, 2, 2, 1}, f32), []int32{-10, -8, -13, 127}}, // -1.25/0.5 = -2.5 rounds to -3
	}
	for _, c := range good {
		q, err := Read(write(c.name, c.data), tensor)
		if err != nil || !slices.Equal(q.Data, c.want) {
			t.Errorf("%s: %v, %v; want %v", c.name, q, err, c.want)
		}
	}
	bad := []struct {
		name string
		data []byte
		want string
	}{
		{"short.bin", []byte{1, 2, 3}, "3 bytes of raw TENSOR_QUANT8_ASYMM_SIGNED codes, model input x [1 2 2 1] has 4 elements"},
		{"shape.npy", npy("|i1", []int{4}, []byte{1, 2, 3, 4}), "shape [4]: want [1 2 2 1]"},
		{"dtype.npy", npy("<i4", []int{1, 2, 2, 1}, make([]byte, 16)), `header.descr: dtype "<i4" not supported`},
		{"cut.npy", npy("<f4", []int{1, 2, 2, 1}, f32[:12]), "data: 12 bytes for 4 <f4 elements"},
		{"magic.npy", []byte("not numpy at all"), "not a NumPy .npy file"},
		{"nan.npy", npy("<f4", []int{2, 2, 1}, append(f32[:12:12], 0, 0, 0xc0, 0x7f)), "data[3]: NaN is not a finite number"},
		{"twice.npy", withHeader(f32, "{'descr': '<f4', 'descr': '|i1', 'fortran_order': False, 'shape': (4,), }"), "header.descr: given twice"},
		{"extra.npy", withHeader(f32, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}"), `header: unknown key "extra"`},
		{"open.npy", withHeader(f32, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), "), "header: want a dictionary {...}"},
	}
	for _, c := range bad {
		path := write(c.name, c.data)
		_, err := Read(path, tensor)
		if err == nil || !strings.Contains(err.Error(), "input "+path+": ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// NumPy pads with spaces; a header padded with tabs or ended by \r\n reads too
	if _, err := Read(write("tabs.npy", withHeader(f32, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2, 1), }\t\t\r")), tensor); err != nil {
		t.Errorf("a header padded with tabs: %v", err)
	}
	u := &workloads.Tensor{Name: "u", Tensor: quant.Tensor{Type: quant.Uint8, Shape: []int{2}, Params: quant.Params{Scale: 1}}}
	if _, err := Read(write("neg.npy", npy("|i1", []int{2}, []byte{1, 0xff})), u); err == nil || !strings.Contains(err.Error(), "data[1]: -1 outside 0..255") {
		t.Errorf("signed codes for a uint8 input: %v", err)
	}
}

// FuzzDecodeNpy: any bytes read as a .npy input give a tensor of the
// model input's shape and type, or one error line naming what is wrong;
// reading allocates at most 64 KiB plus 64 bytes per input byte.
func FuzzDecodeNpy(f *testing.F) {
	body := make([]byte, 16)
	f.Add(npy("|u1", []int{1, 4, 4, 1}, body))
	f.Add(npy("<f4", []int{4, 4, 1}, make([]byte, 64)))
	f.Add(npy("|i1", []int{1, 4, 4, 1}, body))
	f.Add(npy("<f8", []int{1, 4, 4, 1000000000000}, body))
	f.Add([]byte("\x93NUMPY\x03\x00\xff\xff\xff\x7f{'descr': '|u1'"))
	in := &workloads.Tensor{Name: "x", Tensor: quant.Tensor{Type: quant.Uint8, Shape: []int{1, 4, 4, 1}, Params: quant.Params{Scale: 0.5, ZeroPoint: 3}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var q *quant.Tensor
		var err error
		fuzzcheck.Alloc(t, 64<<10+64*uint64(len(data)), func() { q, err = decodeInput(".npy", data, in) })
		if err != nil {
			fuzzcheck.Error(t, err, "")
			return
		}
		if !slices.Equal(q.Shape, in.Shape) || q.Type != in.Type || q.Validate() != nil {
			t.Fatalf("decoded %v %v: %v", q.Type, q.Shape, q.Validate())
		}
	})
}
