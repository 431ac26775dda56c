// Package zoo holds npusim's built-in workloads: quantized models with the
// input sets they ship with, each built from a name and options
// ("rnn-unrolled:steps=32").
//
//   - mac2x3, the classroom "2 x 3": one int8 multiply whose exact product
//     every requantization variant must round;
//   - digits-mlp and digits-cnn, small classifiers trained in Go (package
//     internal/train) on real handwritten digits, with their labelled test
//     images;
//   - mobilenet-v1, mobilenet-v1-0.25-128, mobilenet-v2 and resnet18, the
//     published ImageNet topologies with seeded synthetic weights;
//   - rnn-unrolled, a recurrent cell unrolled for a number of steps, each
//     output fed back as the next input.
//
// Every workload is a pure function of its name and options: the same spec
// builds the same model and inputs, byte for byte, on every machine. Load
// builds a workload each time it is called; a caller that loads one many
// times keeps it (package loader does).
package zoo

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/workloads"
)

// entry is one zoo workload: how to build it, with its options' defaults.
type entry struct {
	description string
	options     map[string]int
	build       func(opts map[string]int) (*workloads.Workload, error)
}

// zoo is the registry of built-in workloads, filled by each file's init.
var zoo = map[string]entry{}

// register adds a zoo workload (called from each zoo file's init).
func register(name, description string, options map[string]int,
	build func(map[string]int) (*workloads.Workload, error)) {
	zoo[name] = entry{description, options, build}
}

// Names lists the zoo's workloads in order.
func Names() []string {
	names := make([]string, 0, len(zoo))
	for n := range zoo {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Describe returns a zoo workload's one-line description.
func Describe(name string) string { return zoo[name].description }

// Load builds a zoo workload from its spec: a name with options given as
// "name:key=value,key=value" (for example "rnn-unrolled:steps=32"). The
// workload is named by its canonical spec (see Canonical).
func Load(spec string) (*workloads.Workload, error) {
	name, opts, err := parseSpec(spec)
	if err != nil {
		return nil, err
	}
	w, err := zoo[name].build(opts)
	if err != nil {
		return nil, err
	}
	w.Name = canonical(name, opts)
	return w, nil
}

// Canonical checks a spec without building the workload and returns its
// canonical form: the name with only its non-default options, in order
// ("rnn-unrolled:steps=24" is "rnn-unrolled"). Specs with the same canonical
// form build the same workload.
func Canonical(spec string) (string, error) {
	name, opts, err := parseSpec(spec)
	if err != nil {
		return "", err
	}
	return canonical(name, opts), nil
}

func parseSpec(spec string) (string, map[string]int, error) {
	name, rest, _ := strings.Cut(spec, ":")
	e, ok := zoo[name]
	if !ok {
		return "", nil, fmt.Errorf("workload %q: no such workload (have %s)", spec, strings.Join(Names(), ", "))
	}
	opts := map[string]int{}
	for k, v := range e.options {
		opts[k] = v
	}
	if rest == "" {
		return name, opts, nil
	}
	for _, kv := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(kv, "=")
		def, ok := e.options[k]
		if !ok {
			return "", nil, fmt.Errorf("workload %q: %s has no option %q (%s)", spec, name, k, optionList(e.options))
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100*max(def, 10) {
			return "", nil, fmt.Errorf("workload %q: option %s must be an integer from 1 to %d, got %q",
				spec, k, 100*max(def, 10), v)
		}
		opts[k] = n
	}
	return name, opts, nil
}

// canonical names a workload with its non-default options.
func canonical(name string, opts map[string]int) string {
	var parts []string
	for _, k := range sortedOptionKeys(opts) {
		if opts[k] != zoo[name].options[k] {
			parts = append(parts, fmt.Sprintf("%s=%d", k, opts[k]))
		}
	}
	if len(parts) == 0 {
		return name
	}
	return name + ":" + strings.Join(parts, ",")
}

func sortedOptionKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// optionList says which options a workload takes and their defaults, in
// name order ("options: steps (default 24)").
func optionList(options map[string]int) string {
	if len(options) == 0 {
		return "it takes no options"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(options)) {
		parts = append(parts, fmt.Sprintf("%s (default %d)", k, options[k]))
	}
	return "options: " + strings.Join(parts, ", ")
}
