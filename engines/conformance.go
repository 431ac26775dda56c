package engines

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/internal/jsonfile"
	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/internal/printable"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/sim/experiment"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/onnx"
)

// PackCase is one model of a conformance pack: the files an engine reads and
// writes, the TFLite reference's expected outputs and NNAPI's tolerance.
type PackCase struct {
	Name      string   `json:"name"`
	Model     string   `json:"model"`
	Inputs    []string `json:"inputs"`
	Outputs   []string `json:"outputs"`
	Expected  []string `json:"expected"`
	Tolerance int64    `json:"tolerance"`
}

// Pack is a conformance pack's manifest (the runner scripts read "cases").
type Pack struct {
	Cases []PackCase `json:"cases"`
}

// WritePack writes a determinism test pack into dir: every workload's ONNX
// model with its first samples' inputs and the TFLite reference's outputs,
// a manifest, and the ONNX Runtime runner. Paths in the manifest are
// relative to dir.
func WritePack(dir string, ws []*workloads.Workload, samples int) (*Pack, error) {
	if err := atomicfile.CheckDir(dir); err != nil {
		return nil, err
	}
	if err := atomicfile.MkdirAll(dir); err != nil {
		return nil, err
	}
	pack := &Pack{}
	for i, w := range ws {
		base := fmt.Sprintf("%03d-%s", i, strings.NewReplacer(":", "_", "=", "-", ",", "_", "/", "_").Replace(w.Name))
		model := base + ".onnx"
		c := *w
		c.Inputs = w.Inputs[:min(samples, len(w.Inputs))]
		if err := onnx.WriteWorkload(&c, filepath.Join(dir, model)); err != nil {
			return nil, fmt.Errorf("%s: %w", w.Name, err)
		}
		for s, sample := range c.Inputs {
			pc := PackCase{Name: fmt.Sprintf("%s#%d", w.Name, s), Model: model, Tolerance: tolerance(w.Name)}
			ref, err := experiment.RunReference(w.Model, sample, quant.VariantDoubleRounding)
			if err != nil {
				return nil, err
			}
			for k := range w.Model.Inputs {
				pc.Inputs = append(pc.Inputs, filepath.Base(onnx.InputPath(model, k, s)))
			}
			for k, o := range w.Model.Outputs {
				pc.Expected = append(pc.Expected, filepath.Base(onnx.OutputPath(model, k, s)))
				pc.Outputs = append(pc.Outputs, fmt.Sprintf("%s_actual%d_sample%d.npy", base, k, s))
				if err := atomicfile.WriteBytes(filepath.Join(dir, pc.Expected[k]), onnx.EncodeArray(ref[o])); err != nil {
					return nil, err
				}
			}
			pack.Cases = append(pack.Cases, pc)
		}
	}
	data, err := json.MarshalIndent(pack, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "manifest.json"), data); err != nil {
		return nil, err
	}
	return pack, atomicfile.WriteBytes(filepath.Join(dir, "run_onnxruntime.js"), ortScript)
}

// tolerance is NNAPI's limit for a model (3 for MobileNet-class networks).
func tolerance(name string) int64 {
	if strings.Contains(name, "mobilenet") {
		return 3
	}
	return 1
}

// Verdict is how an engine's outputs for one pack case compare with the
// expected ones.
type Verdict struct {
	Case      string
	Tolerance int64
	MaxLSB    int64
	Changed   int
	Total     int
	Err       error
}

// String is "exact", "within NNAPI (n LSB)", "outside NNAPI (n LSB)" or
// the error that kept the case from being judged.
func (v Verdict) String() string {
	switch {
	case v.Err != nil:
		return "not run: " + v.Err.Error()
	case v.MaxLSB == 0:
		return "exact"
	case v.MaxLSB <= v.Tolerance:
		return fmt.Sprintf("within NNAPI (%d LSB, %d of %d values changed)", v.MaxLSB, v.Changed, v.Total)
	}
	return fmt.Sprintf("outside NNAPI (%d LSB, %d of %d values changed)", v.MaxLSB, v.Changed, v.Total)
}

// Judge compares the outputs an engine wrote into a pack with the expected
// ones, case by case.
func Judge(dir string) ([]Verdict, error) {
	pack, err := readPack(dir)
	if err != nil {
		return nil, err
	}
	var out []Verdict
	for i, c := range pack.Cases {
		v := Verdict{Case: c.Name, Tolerance: c.Tolerance}
		for k := range c.Expected {
			want, err := limits.ReadFile(filepath.Join(dir, c.Expected[k]))
			if err != nil {
				return nil, fmt.Errorf("%s: cases[%d].expected[%d]: %w", filepath.Join(dir, "manifest.json"), i, k, err)
			}
			got, err := limits.ReadFile(filepath.Join(dir, c.Outputs[k]))
			if err != nil {
				v.Err = err
				break
			}
			if err := compareArrays(&v, got, want); err != nil {
				v.Err = fmt.Errorf("%s: %w", c.Outputs[k], err)
				break
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// readPack reads a pack's manifest.json and checks it: no unknown fields,
// at least one case, case names unique, tolerances not negative, and every
// file it names inside the pack (a plain relative name, no "..").
func readPack(dir string) (*Pack, error) {
	path := filepath.Join(dir, "manifest.json")
	data, err := limits.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pack Pack
	if err := jsonfile.Decode(data, &pack, true); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(pack.Cases) == 0 {
		return nil, fmt.Errorf("%s: cases: none to judge", path)
	}
	names := map[string]int{}
	for i, c := range pack.Cases {
		if first, dup := names[c.Name]; dup {
			return nil, fmt.Errorf("%s: cases[%d]: the name %q of cases[%d] again", path, i, printable.String(c.Name), first)
		}
		names[c.Name] = i
		if c.Tolerance < 0 {
			return nil, fmt.Errorf("%s: cases[%d].tolerance: must be >= 0, got %d", path, i, c.Tolerance)
		}
		if len(c.Outputs) != len(c.Expected) {
			return nil, fmt.Errorf("%s: cases[%d]: %d outputs for %d expected arrays", path, i, len(c.Outputs), len(c.Expected))
		}
		for _, name := range append(append([]string(nil), c.Expected...), c.Outputs...) {
			if !filepath.IsLocal(name) {
				return nil, fmt.Errorf("%s: cases[%d]: %q is not a file of the pack", path, i, name)
			}
		}
	}
	return &pack, nil
}

// compareArrays adds the element differences of two .npy arrays of codes.
func compareArrays(v *Verdict, got, want []byte) error {
	g, gs, err := npyBody(got)
	if err != nil {
		return err
	}
	w, ws, err := npyBody(want)
	if err != nil || len(g) != len(w) || gs != ws {
		return fmt.Errorf("%d values (signed %v), expected %d (signed %v)", len(g), gs, len(w), ws)
	}
	for i := range w {
		a, b := int64(g[i]), int64(w[i])
		if ws {
			a, b = int64(int8(g[i])), int64(int8(w[i]))
		}
		v.MaxLSB = max(v.MaxLSB, a-b, b-a)
		if a != b {
			v.Changed++
		}
		v.Total++
	}
	return nil
}

// npyBody returns the data of a version 1 .npy array of 8-bit codes and
// whether they are signed.
func npyBody(b []byte) ([]byte, bool, error) {
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" || b[6] != 1 {
		return nil, false, fmt.Errorf("not a version 1.0 .npy file")
	}
	end := 10 + int(b[8]) + int(b[9])<<8
	if end > len(b) {
		return nil, false, fmt.Errorf("header cut short")
	}
	header := string(b[10:end])
	if !strings.Contains(header, "|i1") && !strings.Contains(header, "|u1") {
		return nil, false, fmt.Errorf("dtype is not int8 or uint8")
	}
	return b[end:], strings.Contains(header, "|i1"), nil
}
