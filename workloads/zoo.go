package workloads

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/npusim/npusim/quant"
)

// Task says how a workload's outputs are judged beyond bytes.
type Task int

// The tasks.
const (
	// Generic outputs are compared element by element only.
	Generic Task = iota
	// Classifier outputs are scores: top-1 agreement (and accuracy, when
	// the inputs carry labels) is meaningful.
	Classifier
	// Recurrent workloads feed each step's output to the next: every output
	// is one step, and the first step that differs is meaningful.
	Recurrent
	// Generator workloads are language models run one step per inference
	// to generate text (see TextGeneration): the text each driver produces
	// is meaningful.
	Generator
)

// Workload is a quantized model with the input set it ships with.
type Workload struct {
	Name        string
	Description string
	// Source names the architecture and where its published figures come
	// from; Synthetic says the weights are seeded, not trained, so no
	// accuracy claim is made on them.
	Source    string
	Synthetic bool
	// Data says where the input set (and, for trained networks, the
	// training and calibration data) comes from; empty for synthetic inputs.
	Data  string
	Task  Task
	Model *Model
	// Inputs holds the input set: Inputs[i] are the model inputs of sample i.
	Inputs [][]*quant.Tensor
	// Labels are the true classes of the samples, for classifiers with real
	// data; nil otherwise.
	Labels []int
	// Caveat, when set, qualifies every deviation figure measured on the
	// workload; reports print it beside them.
	Caveat string
	// Generation says how a Generator workload generates text.
	Generation *TextGeneration
}

// entry is one zoo workload: how to build it, with its options' defaults.
type entry struct {
	description string
	options     map[string]int
	build       func(opts map[string]int) (*Workload, error)
}

var (
	zoo      = map[string]entry{}
	zooCache sync.Map // canonical name -> *zooResult
)

type zooResult struct {
	once sync.Once
	w    *Workload
	err  error
}

// register adds a zoo workload (called from each zoo file's init).
func register(name, description string, options map[string]int, build func(map[string]int) (*Workload, error)) {
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

// Load builds (once per process) a zoo workload by name, with options given
// as "name:key=value,key=value" (for example "rnn-unrolled:steps=32"), or,
// for a spec ending in ".csv", the workload of a SCALE-Sim topology file
// (see Topology.Workload), or for one ending in ".json" the single-op
// workload of an op case file. Workloads are deterministic: the same name gives
// the same model and inputs on every machine.
func Load(spec string) (*Workload, error) {
	if IsTopologyPath(spec) {
		return loadTopology(spec)
	}
	if strings.HasSuffix(spec, ".json") {
		return loadCaseWorkload(spec)
	}
	name, opts, err := parseSpec(spec)
	if err != nil {
		return nil, err
	}
	key := canonical(name, opts)
	r, _ := zooCache.LoadOrStore(key, &zooResult{})
	res := r.(*zooResult)
	res.once.Do(func() {
		res.w, res.err = zoo[name].build(opts)
		if res.err == nil {
			res.w.Name = key
		}
	})
	return res.w, res.err
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
			return "", nil, fmt.Errorf("workload %q: %s has no option %q (options: %v)", spec, name, k, e.options)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100*max(def, 10) {
			return "", nil, fmt.Errorf("workload %q: option %s must be an integer from 1 to %d, got %q", spec, k, 100*max(def, 10), v)
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

// Check validates a workload spec without building the workload: a zoo name
// with valid options, or an existing file.
func Check(spec string) error {
	if strings.HasSuffix(spec, ".json") || strings.HasSuffix(spec, ".csv") {
		if _, err := os.Stat(spec); err != nil {
			return fmt.Errorf("workload %s: %w", spec, err)
		}
		return nil
	}
	_, _, err := parseSpec(spec)
	return err
}
