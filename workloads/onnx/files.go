package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/inputfile"
)

// randomSamples is the size of the seeded input set of a model file that
// comes without inputs.
const randomSamples = 4

// InputPath names the file holding sample s of model input k of the model at
// path: "net.onnx" -> "net_input0_sample0.npy". The arrays are in ONNX's
// layout (NCHW images) and hold stored codes.
func InputPath(path string, k, s int) string {
	return fmt.Sprintf("%s_input%d_sample%d.npy", strings.TrimSuffix(path, filepath.Ext(path)), k, s)
}

// OutputPath names the file of an expected output, beside the inputs.
func OutputPath(path string, k, s int) string {
	return fmt.Sprintf("%s_output%d_sample%d.npy", strings.TrimSuffix(path, filepath.Ext(path)), k, s)
}

// Load reads an ONNX model file as a workload. Its input set is read from
// the .npy files beside it (see InputPath) when there are any; otherwise it
// is randomSamples samples of uniformly random codes drawn from a generator
// seeded by the model's bytes, so the same file always gives the same
// inputs.
func Load(path string) (*workloads.Workload, error) {
	data, err := limits.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("workload %s: %w", path, err)
	}
	m, err := Unmarshal(data, path)
	if err != nil {
		return nil, fmt.Errorf("onnx %s: %w", path, err)
	}
	w := &workloads.Workload{Name: path, Description: "ONNX model " + filepath.Base(path), Source: path, Model: m}
	if w.Inputs, err = readSamples(path, m); err != nil {
		return nil, err
	}
	if w.Inputs == nil {
		w.Inputs = randomInputs(m, data)
	}
	return w, nil
}

func readSamples(path string, m *workloads.Model) ([][]*quant.Tensor, error) {
	var samples [][]*quant.Tensor
	if len(m.Inputs) == 0 {
		return nil, nil
	}
	for s := 0; ; s++ {
		if err := limits.Check(limits.Samples, "input samples beside "+path, uint64(s+1)); err != nil {
			if _, statErr := os.Stat(InputPath(path, 0, s)); statErr == nil {
				return nil, err
			}
			return samples, nil
		}
		var sample []*quant.Tensor
		for k, i := range m.Inputs {
			file := InputPath(path, k, s)
			if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
				return samples, nil
			}
			q, err := ReadArray(file, m.Tensors[i])
			if err != nil {
				return nil, err
			}
			sample = append(sample, q)
		}
		samples = append(samples, sample)
	}
}

// ReadArray reads a .npy file of stored codes in ONNX's layout for IR tensor t.
func ReadArray(path string, t *workloads.Tensor) (*quant.Tensor, error) {
	view := *t
	if len(t.Shape) == 4 {
		view.Shape = toNCHW(t.Shape)
	}
	q, err := inputfile.Read(path, &view)
	if err != nil {
		return nil, err
	}
	q.Shape = t.Shape
	if len(t.Shape) == 4 {
		q.Data = nchwToNHWC(q.Data, t.Shape)
	}
	return q, nil
}

func randomInputs(m *workloads.Model, seed []byte) [][]*quant.Tensor {
	var s1, s2 uint64
	for i, b := range seed {
		s1 = s1*131 + uint64(b)
		s2 = s2*137 + uint64(b) + uint64(i)
	}
	rng := rand.New(rand.NewPCG(s1, s2))
	samples := make([][]*quant.Tensor, randomSamples)
	for s := range samples {
		for _, i := range m.Inputs {
			t := m.Tensors[i]
			q := quant.NewTensor(t.Type, t.Shape, t.Params)
			for k := range q.Data {
				q.Data[k] = t.Type.Min() + rng.Int32N(t.Type.Max()-t.Type.Min()+1)
			}
			samples[s] = append(samples[s], q)
		}
	}
	return samples
}

// EncodeArray encodes an IR tensor's codes as a .npy array in ONNX's layout
// (NCHW for 4-D tensors).
func EncodeArray(q *quant.Tensor) []byte {
	shape, data := q.Shape, q.Data
	if len(shape) == 4 {
		shape, data = toNCHW(shape), nhwcToNCHW(data, shape)
	}
	descr := "|u1"
	if q.Type.Signed() {
		descr = "|i1"
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	tuple := strings.Join(dims, ", ")
	if len(dims) == 1 {
		tuple += ","
	}
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, tuple)
	pad := 64 - (10+len(header)+1)%64
	header += strings.Repeat(" ", pad%64) + "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	b = append(b, header...)
	for _, v := range data {
		b = append(b, byte(v))
	}
	return b
}

// WriteWorkload exports a workload's model to path and writes its input set
// beside it (see InputPath). Each file is written under a temporary name
// and renamed, so an error leaves no half-written file behind. The input
// files of later samples an earlier export left beside path are removed:
// Load would read them as samples of this model.
func WriteWorkload(w *workloads.Workload, path string) error {
	data, err := Marshal(w.Model)
	if err != nil {
		return err
	}
	files := map[string][]byte{path: data}
	for s, sample := range w.Inputs {
		for k, q := range sample {
			files[InputPath(path, k, s)] = EncodeArray(q)
		}
	}
	if err := writeFiles(files); err != nil {
		return err
	}
	return removeStaleSamples(path, len(w.Inputs))
}

// removeStaleSamples removes the input files of samples from, from+1, ...
// beside path, as far as Load would read them (while sample s has an input
// 0 file), every input's.
func removeStaleSamples(path string, from int) error {
	for s := from; ; s++ {
		if _, err := os.Stat(InputPath(path, 0, s)); err != nil {
			return nil
		}
		for k := 0; ; k++ {
			err := os.Remove(InputPath(path, k, s))
			if errors.Is(err, fs.ErrNotExist) {
				break
			}
			if err != nil {
				return err
			}
		}
	}
}

// writeFiles writes every file or, on an error, none (atomicfile.WriteAll).
func writeFiles(files map[string][]byte) error {
	return atomicfile.WriteAll(files)
}
