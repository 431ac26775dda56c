// Package loader turns a workload spec, what every command's --workload flag
// takes, into a workload:
//
//   - a path ending in the suffix of a model file format is read by that
//     format's reader: an op case file (.json, NNAPI's test vector schema)
//     a SCALE-Sim topology (.csv, whose layers get seeded synthetic
//     weights) or a quantized ONNX model (.onnx, package onnx);
//   - anything else is a zoo name with options, "rnn-unrolled:steps=32"
//     (package zoo).
//
// A new model file format is one more line in formats: its suffix, its name
// and its reader.
//
// Building a workload can take seconds (ResNet-18 runs its float model for
// calibration), so a Loader keeps every workload it builds: the experiments
// of a sweep that share a Loader build each workload once. The caller owns
// the Loader and decides how long its workloads live.
package loader

import (
	"fmt"
	"os"
	"strings"

	"github.com/npusim/npusim/internal/memo"
	"github.com/npusim/npusim/scalesim"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/cases"
	"github.com/npusim/npusim/workloads/onnx"
	"github.com/npusim/npusim/workloads/zoo"
)

// format is a model file format a spec may name by its suffix.
type format struct {
	suffix string
	what   string
	load   func(path string) (*workloads.Workload, error)
}

// formats are the model file formats, by file-name suffix (case
// insensitive).
var formats = []format{
	{".json", "op case file", cases.LoadWorkload},
	{".csv", "SCALE-Sim topology", scalesim.LoadWorkload},
	{".onnx", "ONNX model", onnx.Load},
}

// Help says what a spec may be, for the help of --workload flags.
func Help() string {
	s := "zoo name with options (rnn-unrolled:steps=32)"
	for i, f := range formats {
		sep := ", "
		if i == len(formats)-1 {
			sep = " or "
		}
		s += fmt.Sprintf("%s%s (%s)", sep, f.what, f.suffix)
	}
	return s
}

// formatOf returns the file format a spec names, or nil for a zoo spec.
func formatOf(spec string) *format {
	for i, f := range formats {
		if strings.HasSuffix(strings.ToLower(spec), f.suffix) {
			return &formats[i]
		}
	}
	return nil
}

// IsFile reports whether a spec names a model file (by the suffix of a
// format) rather than a zoo workload.
func IsFile(spec string) bool { return formatOf(spec) != nil }

// Check validates a spec without building the workload: a zoo name with
// valid options, or an existing file of a known format.
func Check(spec string) error {
	if formatOf(spec) != nil {
		if _, err := os.Stat(spec); err != nil {
			return fmt.Errorf("workload %s: %w", spec, err)
		}
		return nil
	}
	_, err := zoo.Canonical(spec)
	return err
}

// A Loader loads workloads by spec and keeps each one it builds (zoo
// workloads under their canonical spec, files under their path), so that
// loading a spec again returns the same workload. It is safe for concurrent
// use.
type Loader struct {
	built memo.Map[string, *workloads.Workload]
}

// New returns a Loader that has built nothing yet.
func New() *Loader { return &Loader{} }

// Load returns the workload a spec names, building it the first time.
// Workloads are deterministic: the same spec gives the same model and
// inputs on every machine.
func (l *Loader) Load(spec string) (*workloads.Workload, error) {
	key, build, err := resolve(spec)
	if err != nil {
		return nil, err
	}
	return l.built.Get(key, build)
}

// resolve returns the key a spec's workload is kept under and how to build
// it.
func resolve(spec string) (string, func() (*workloads.Workload, error), error) {
	if f := formatOf(spec); f != nil {
		return spec, func() (*workloads.Workload, error) { return f.load(spec) }, nil
	}
	key, err := zoo.Canonical(spec)
	if err != nil {
		return "", nil, err
	}
	return key, func() (*workloads.Workload, error) { return zoo.Load(key) }, nil
}
