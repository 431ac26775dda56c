package cases

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/npusim/npusim/internal/jsonfile"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// File is a file of single-operation test cases in the NNAPI vector
// schema (see the project's CASES.md): one operation with its constant
// filter and bias, and cases of inputs with expected outputs.
type File struct {
	Path  string
	Name  string
	Op    workloads.OpKind
	Cases []*Case
}

// Case is one test case as a single-op model, its input values and the
// expected output.
type Case struct {
	// Name is the file's name, with the case index in brackets when the
	// file holds more than one case ("relu_quant8_1[1]").
	Name     string
	Model    *workloads.Model
	Inputs   []*quant.Tensor
	Expected *quant.Tensor
}

// caseJSON mirrors the file schema; unknown top-level fields (comments,
// provenance) are ignored, unknown params are errors.
type caseJSON struct {
	Name   string          `json:"name"`
	Op     string          `json:"op"`
	Layout string          `json:"layout"`
	Filter *tensorJSON     `json:"filter"`
	Bias   *tensorJSON     `json:"bias"`
	Params json.RawMessage `json:"params"`
	Cases  []struct {
		Inputs []*tensorJSON `json:"inputs"`
		Output *tensorJSON   `json:"output"`
	} `json:"cases"`
}

type tensorJSON struct {
	Type       string      `json:"type"`
	Shape      []int       `json:"shape"`
	Scale      *jsonFloat  `json:"scale"`
	Scales     []jsonFloat `json:"scales"`
	ChannelDim *int        `json:"channelDim"`
	ZeroPoint  *int64      `json:"zeroPoint"`
	Data       []int64     `json:"data"`
	Expected   []int64     `json:"expected"`
}

type paramsJSON struct {
	Padding *struct {
		Scheme                   string `json:"scheme"`
		Code                     int    `json:"code"`
		Left, Right, Top, Bottom int
	} `json:"padding"`
	StrideW         *int       `json:"strideW"`
	StrideH         *int       `json:"strideH"`
	DilationW       *int       `json:"dilationW"`
	DilationH       *int       `json:"dilationH"`
	FilterW         *int       `json:"filterW"`
	FilterH         *int       `json:"filterH"`
	DepthMultiplier *int       `json:"depthMultiplier"`
	Activation      *int       `json:"activation"`
	Beta            *jsonFloat `json:"beta"`
	Axis            *int       `json:"axis"`
}

// Load reads and validates a case file. Errors name the file and the
// field ("case conv.json: cases[0].inputs[0].zeroPoint: 300 outside 0..255 for
// TENSOR_QUANT8_ASYMM").
func Load(path string) (*File, error) {
	data, err := limits.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", path, err)
	}
	f, err := Parse(filepath.Base(path), data)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", path, err)
	}
	f.Path = path
	return f, nil
}

// Parse decodes a case file's contents; name stands in for the file
// name when the file names no case.
func Parse(name string, data []byte) (*File, error) {
	var raw caseJSON
	if err := decodeJSON(quoteNonFinite(data), &raw, false); err != nil {
		return nil, err
	}
	if raw.Name != "" {
		name = raw.Name
	}
	kind, err := workloads.ParseOpKind(raw.Op)
	if err != nil {
		return nil, fmt.Errorf("op: %w", err)
	}
	if raw.Layout != "" && raw.Layout != "NHWC" {
		return nil, fmt.Errorf("layout: only NHWC is supported, got %q", raw.Layout)
	}
	var params paramsJSON
	if len(raw.Params) > 0 {
		if err := decodeJSON(raw.Params, &params, true); err != nil {
			return nil, fmt.Errorf("params: %w", err)
		}
	}
	if len(raw.Cases) == 0 {
		return nil, fmt.Errorf("cases: the file has no cases")
	}
	if err := limits.Check(limits.Samples, "cases", uint64(len(raw.Cases))); err != nil {
		return nil, err
	}
	f := &File{Name: name, Op: kind}
	for i := range raw.Cases {
		cs, err := buildCase(kind, &raw, &params, i)
		if err != nil {
			return nil, err
		}
		cs.Name = name
		if len(raw.Cases) > 1 {
			cs.Name = fmt.Sprintf("%s[%d]", name, i)
		}
		f.Cases = append(f.Cases, cs)
	}
	return f, nil
}

// buildCase turns case i into a single-op model with its inputs and expected
// output. The model's tensors are named by their place in the file, so model
// validation errors name the file's fields.
func buildCase(kind workloads.OpKind, raw *caseJSON, params *paramsJSON, i int) (*Case, error) {
	c := raw.Cases[i]
	prefix := fmt.Sprintf("cases[%d]", i)
	m := &workloads.Model{Name: raw.Name}
	cs := &Case{Model: m}
	if len(c.Inputs) == 0 {
		return nil, fmt.Errorf("%s.inputs: no inputs", prefix)
	}
	for j, in := range c.Inputs {
		name := fmt.Sprintf("%s.inputs[%d]", prefix, j)
		if in == nil {
			return nil, fmt.Errorf("%s: null, want a tensor object", name)
		}
		t, err := in.tensor(name, in.Data, "data")
		if err != nil {
			return nil, err
		}
		if t.Data == nil {
			return nil, fmt.Errorf("%s.data: missing", name)
		}
		cs.Inputs = append(cs.Inputs, t.Clone())
		t.Data = nil
		m.Inputs = append(m.Inputs, m.AddTensor(t))
	}
	op := &workloads.Op{Name: "params", Kind: kind, Inputs: slices.Clone(m.Inputs)}
	if kind.HasWeights() {
		if err := addWeights(raw, m, op); err != nil {
			return nil, err
		}
	}
	if c.Output == nil {
		return nil, fmt.Errorf("%s.output: missing", prefix)
	}
	out, err := c.Output.tensor(prefix+".output", c.Output.Expected, "expected")
	if err != nil {
		return nil, err
	}
	if out.Data == nil {
		return nil, fmt.Errorf("%s.output.expected: missing", prefix)
	}
	cs.Expected = out.Clone()
	out.Data = nil
	op.Output = m.AddTensor(out)
	m.Outputs = []int{op.Output}
	if err := params.apply(op, m); err != nil {
		return nil, err
	}
	m.Ops = []*workloads.Op{op}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return cs, nil
}

// addWeights adds the file's filter and bias to the model as op's inputs.
func addWeights(raw *caseJSON, m *workloads.Model, op *workloads.Op) error {
	for _, w := range []struct {
		name string
		t    *tensorJSON
	}{{"filter", raw.Filter}, {"bias", raw.Bias}} {
		if w.t == nil {
			return fmt.Errorf("%s: missing for %v", w.name, op.Kind)
		}
		t, err := w.t.tensor(w.name, w.t.Data, "data")
		if err != nil {
			return err
		}
		if t.Data == nil {
			return fmt.Errorf("%s.data: missing", w.name)
		}
		op.Inputs = append(op.Inputs, m.AddTensor(t))
	}
	return nil
}

// tensor converts a tensor object, reading its values from the named field.
func (j *tensorJSON) tensor(name string, values []int64, valuesField string) (*workloads.Tensor, error) {
	typ, err := quant.ParseType(j.Type)
	if err != nil {
		return nil, fmt.Errorf("%s.type: %w", name, err)
	}
	t := &workloads.Tensor{Name: name}
	t.Type, t.Shape = typ, slices.Clone(j.Shape)
	if j.Shape == nil {
		return nil, fmt.Errorf("%s.shape: missing", name)
	}
	if err := quant.ValidateShape(t.Shape); err != nil {
		return nil, fmt.Errorf("%s.%w", name, err)
	}
	if n := quant.NumElements(t.Shape); values != nil && len(values) != n {
		return nil, fmt.Errorf("%s.%s: %d values for shape %v (%d elements)", name, valuesField, len(values), t.Shape, n)
	}
	if t.Params, err = j.params(name, typ); err != nil {
		return nil, err
	}
	if t.Data, err = codes(name+"."+valuesField, values, typ); err != nil {
		return nil, err
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%s.%w", name, err)
	}
	return t, nil
}

// params reads a tensor object's quantization: a zero point, and a scale
// or per-channel scales along a channel dimension (an int32 bias may have
// either).
func (j *tensorJSON) params(name string, typ quant.Type) (quant.Params, error) {
	var p quant.Params
	if j.ZeroPoint != nil {
		if *j.ZeroPoint < math.MinInt32 || *j.ZeroPoint > math.MaxInt32 {
			return p, fmt.Errorf("%s.zeroPoint: %d outside %d..%d for %v", name, *j.ZeroPoint, typ.Min(), typ.Max(), typ)
		}
		p.ZeroPoint = int32(*j.ZeroPoint)
	}
	perChannelBias := typ == quant.Int32 && j.Scales != nil
	if j.Scale != nil {
		if err := checkFloat32(name+".scale", float64(*j.Scale)); err != nil {
			return p, err
		}
		p.Scale = float32(*j.Scale)
	} else if typ != quant.Int8PerChannel && !perChannelBias {
		return p, fmt.Errorf("%s.scale: missing", name)
	}
	if typ != quant.Int8PerChannel && j.Scales == nil {
		return p, nil
	}
	if j.Scales == nil {
		return p, fmt.Errorf("%s.scales: missing for %v", name, typ)
	}
	if j.ChannelDim == nil {
		return p, fmt.Errorf("%s.channelDim: missing for per-channel scales", name)
	}
	for k, s := range j.Scales {
		if err := checkFloat32(fmt.Sprintf("%s.scales[%d]", name, k), float64(s)); err != nil {
			return p, err
		}
		p.Scales = append(p.Scales, float32(s))
	}
	p.Axis = *j.ChannelDim
	return p, nil
}

// codes checks that values, read from field, are codes of typ and converts
// them; nil stays nil.
func codes(field string, values []int64, typ quant.Type) ([]int32, error) {
	if values == nil {
		return nil, nil
	}
	data := make([]int32, len(values))
	for k, v := range values {
		if v < int64(typ.Min()) || v > int64(typ.Max()) {
			return nil, fmt.Errorf("%s[%d]: %d outside %d..%d for %v", field, k, v, typ.Min(), typ.Max(), typ)
		}
		data[k] = int32(v)
	}
	return data, nil
}

// apply copies the params onto the op, resolving NNAPI's implicit padding.
func (p *paramsJSON) apply(op *workloads.Op, m *workloads.Model) error {
	get := func(v *int, def int) int {
		if v == nil {
			return def
		}
		return *v
	}
	op.StrideW, op.StrideH = get(p.StrideW, 1), get(p.StrideH, 1)
	op.DilationW, op.DilationH = get(p.DilationW, 1), get(p.DilationH, 1)
	op.FilterW, op.FilterH = get(p.FilterW, 0), get(p.FilterH, 0)
	op.DepthMultiplier = get(p.DepthMultiplier, 0)
	op.Activation = quant.Activation(get(p.Activation, 0))
	op.Axis = get(p.Axis, 0)
	if p.Beta != nil {
		op.Beta = float32(*p.Beta)
	}
	if !op.Activation.Valid() {
		return fmt.Errorf("params.activation: %d is not 0 (NONE), 1 (RELU), 2 (RELU1) or 3 (RELU6)", op.Activation)
	}
	if op.StrideW < 1 || op.StrideH < 1 {
		return fmt.Errorf("params.strideW/strideH: must be >= 1, got %d and %d", op.StrideW, op.StrideH)
	}
	if op.DilationW < 1 || op.DilationH < 1 {
		return fmt.Errorf("params.dilationW/dilationH: must be >= 1, got %d and %d", op.DilationW, op.DilationH)
	}
	if p.Padding == nil {
		return nil
	}
	switch p.Padding.Scheme {
	case "explicit":
		pad := p.Padding
		op.Padding = workloads.Padding{Top: pad.Top, Bottom: pad.Bottom, Left: pad.Left, Right: pad.Right}
	case "VALID":
	case "SAME":
		in := m.Tensors[op.Inputs[0]]
		if len(in.Shape) != 4 {
			return fmt.Errorf("params.padding: SAME needs a 4-D input, got %v", in.Shape)
		}
		fh, fw := op.FilterH, op.FilterW
		if op.Kind.HasWeights() {
			f := m.Tensors[op.Inputs[1]]
			if len(f.Shape) != 4 {
				return fmt.Errorf("filter.shape: must be 4-D for %v, got %v", op.Kind, f.Shape)
			}
			fh, fw = f.Shape[1], f.Shape[2]
		}
		if max(fh, fw, op.StrideH, op.StrideW, op.DilationH, op.DilationW) > workloads.MaxGeometry {
			return nil // out of range: the model's validation names the field
		}
		op.Padding.Top, op.Padding.Bottom = quant.SamePadding(in.Shape[1], fh, op.StrideH, op.DilationH)
		op.Padding.Left, op.Padding.Right = quant.SamePadding(in.Shape[2], fw, op.StrideW, op.DilationW)
	default:
		return fmt.Errorf("params.padding.scheme: %q is not explicit, SAME or VALID", p.Padding.Scheme)
	}
	return nil
}

// decodeJSON decodes one JSON value, with errors that say where (line and
// column, or the field) and what was expected.
func decodeJSON(data []byte, v any, strict bool) error {
	return jsonfile.Decode(data, v, strict)
}

// checkFloat32 checks that a scale survives the conversion to float32:
// 1e-300 would become 0 and 1e300 infinity, and the error would show
// those instead of what the file says.
func checkFloat32(field string, v float64) error {
	if f := float32(v); (f == 0) != (v == 0) || math.IsInf(float64(f), 0) != math.IsInf(v, 0) {
		return fmt.Errorf("%s: %g is outside the range of a float32 scale", field, v)
	}
	return nil
}

// jsonFloat is a JSON number that may also be given as the strings "NaN",
// "Infinity" or "-Infinity" (which Python's json module writes bare), so that
// a non-finite scale is reported against its field rather than as bad JSON.
type jsonFloat float64

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
	case `"Infinity"`:
		*f = jsonFloat(math.Inf(1))
	case `"-Infinity"`:
		*f = jsonFloat(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*f = jsonFloat(v)
	}
	return nil
}

// quoteNonFinite rewrites the bare tokens NaN, Infinity and -Infinity outside
// strings into quoted strings, which jsonFloat accepts.
func quoteNonFinite(data []byte) []byte {
	var out []byte
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		b := data[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			out = append(out, b)
			continue
		}
		if b == '"' {
			inString = true
		}
		matched := false
		for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
			if bytes.HasPrefix(data[i:], []byte(tok)) {
				out = append(out, '"')
				out = append(out, tok...)
				out = append(out, '"')
				i += len(tok) - 1
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, b)
		}
	}
	return out
}

// LooksLike reports whether a JSON file declares an op and cases at
// its top level, so that a directory walk can pass over other JSON files.
func LooksLike(path string) bool {
	data, err := limits.ReadFile(path)
	if err != nil {
		return true // let the loader report the error
	}
	var probe struct {
		Op    json.RawMessage `json:"op"`
		Cases json.RawMessage `json:"cases"`
	}
	if json.Unmarshal(quoteNonFinite(data), &probe) != nil {
		return true
	}
	return probe.Op != nil && probe.Cases != nil
}

// LoadAll loads the named case files and, from the named directories
// (searched recursively, in file-name order), every JSON file that declares
// an op and cases; other JSON files, such as an index, are passed over.
func LoadAll(paths []string) ([]*File, error) {
	var files []*File
	for _, p := range paths {
		found, err := casePaths(p)
		if err != nil {
			return nil, err
		}
		for _, path := range found {
			f, err := Load(path)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no case files found in %v", paths)
	}
	return files, nil
}

// casePaths returns a file path as it is, or the case files below a
// directory, sorted.
func casePaths(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	var found []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(path) == ".json" && LooksLike(path) {
			found = append(found, path)
		}
		return err
	})
	slices.Sort(found)
	return found, err
}
