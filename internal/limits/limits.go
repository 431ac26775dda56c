// Package limits is npusim's work budget: the largest request it accepts
// from a file or a flag before it allocates or loops.
//
// A file of a hundred bytes can ask for a tensor of 2^32 elements, a pooling
// window of 10^10 reads or a billion simulated devices. Every loader
// therefore computes what its request implies (elements, multiply-
// accumulates, bytes, simulated steps) in overflow-safe arithmetic (Mul,
// Add) and compares it with the limit of its Kind before it builds
// anything; a request over a limit is an error that names the field, the
// figure and the --limit flag that raises it (ExceededError).
//
// The limits live here and nowhere else. The defaults (Default, Help) are a
// few times what the largest built-in workload needs (ResNet-18: 1.8 G MACs
// per inference, 7.3 G for its four samples, 11.7 M parameters) and keep
// one command within a few GiB of memory and a few minutes of CPU; a user
// who really means more raises them for one process with npusim --limit
// name=value (Set).
package limits

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync/atomic"
)

// Kind is one limit.
type Kind int

// The limits.
const (
	// Elements bounds the elements of any one tensor.
	Elements Kind = iota
	// ModelElements bounds the elements of all the tensors of a model
	// together (activations, weights and biases).
	ModelElements
	// Ops bounds the operations of a model (a SCALE-Sim run's layers after
	// its depthwise layers are split per channel).
	Ops
	// MACs bounds the multiply-accumulates of one inference; a pool counts
	// one per window position read, an element-wise op one per output.
	MACs
	// Samples bounds the input samples of one workload or run.
	Samples
	// Work bounds the multiply-accumulates of all the inferences one
	// experiment, repeat or replay simulates (inferences x MACs).
	Work
	// Steps bounds the simulated layer executions of one experiment,
	// repeat or replay (inferences x ops).
	Steps
	// Runs bounds the runs of a simulated device: repeat --runs and the run
	// index a manifest records (reaching run r steps the device r+1 times).
	Runs
	// Devices bounds the devices of a fleet.
	Devices
	// FileBytes bounds the size of any one file npusim reads.
	FileBytes
	numKinds
)

// spec describes a limit: its flag name, its default and what it counts.
type spec struct {
	name, unit, what string
	def              int64
}

var specs = [numKinds]spec{
	Elements:      {"elements", "elements", "elements of one tensor", 1 << 24},
	ModelElements: {"model-elements", "elements", "elements of all the tensors of one model", 1 << 25},
	Ops:           {"ops", "operations", "operations (layers) of one model", 1 << 16},
	MACs: {"macs", "multiply-accumulates",
		"multiply-accumulates (and pool window reads) of one inference", 1 << 33},
	Samples: {"samples", "samples", "input samples of one workload or run", 1 << 16},
	Work: {"work", "multiply-accumulates",
		"multiply-accumulates of all the inferences of one experiment, repeat or replay", 1 << 35},
	Steps: {"steps", "layer executions",
		"layer executions (inferences x operations) of one experiment, repeat or replay", 1 << 20},
	Runs:      {"runs", "runs", "runs of one simulated device (repeat --runs, a manifest's device.run)", 1 << 20},
	Devices:   {"devices", "devices", "devices of one fleet", 1 << 17},
	FileBytes: {"file-bytes", "bytes", "bytes of one input file", 1 << 28},
}

// Name is the limit's name on the command line ("elements").
func (k Kind) Name() string { return specs[k].name }

// Limits holds a value for every Kind.
type Limits [numKinds]int64

// Default returns the built-in limits.
func Default() Limits {
	var l Limits
	for k, s := range specs {
		l[k] = s.def
	}
	return l
}

var current atomic.Pointer[Limits]

// Get returns the limits in force: the defaults, or what Set last gave.
func Get() Limits {
	if l := current.Load(); l != nil {
		return *l
	}
	return Default()
}

// Set puts limits in force for the process (npusim --limit); it returns
// the ones it replaces, so that a test can put them back.
func Set(l Limits) Limits {
	old := Get()
	current.Store(&l)
	return old
}

// Of returns the limit of one kind in force.
func Of(k Kind) int64 { return Get()[k] }

// Check returns an *ExceededError when n is over the limit of its kind in
// force; field names what asked for n ("cases[0].output").
func Check(k Kind, field string, n uint64) error {
	if limit := Of(k); n > uint64(limit) {
		return &ExceededError{Kind: k, Field: field, Got: n, Limit: limit}
	}
	return nil
}

// ExceededError reports a request over a limit.
type ExceededError struct {
	Kind  Kind
	Field string
	// Got is what the request implies, math.MaxUint64 when that overflows
	// 64 bits.
	Got   uint64
	Limit int64
}

func (e *ExceededError) Error() string {
	s := specs[e.Kind]
	got := strconv.FormatUint(e.Got, 10)
	if e.Got == math.MaxUint64 {
		got = "more than 2^64"
	}
	msg := fmt.Sprintf("%s %s, more than the limit of %d %s (raise it with --limit %s=N)",
		got, s.unit, e.Limit, s.what, s.name)
	if e.Field == "" {
		return msg
	}
	return e.Field + ": " + msg
}

// Mul returns a*b, or math.MaxUint64 when the product overflows.
func Mul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// Add returns a+b, or math.MaxUint64 when the sum overflows.
func Add(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return math.MaxUint64
	}
	return s
}

// Product returns the product of dims (saturating as Mul does); a negative
// dimension counts as 0.
func Product(dims ...int) uint64 {
	p := uint64(1)
	for _, d := range dims {
		p = Mul(p, uint64(max(d, 0)))
	}
	return p
}

// Parse applies "name=value" settings to base: value is a whole number,
// written plainly (1000000), in exponent form (1e6) or as a power of two
// (2^20).
func Parse(base Limits, settings []string) (Limits, error) {
	for _, s := range settings {
		name, value, ok := strings.Cut(s, "=")
		k := kindNamed(strings.TrimSpace(name))
		if !ok || k < 0 {
			return base, fmt.Errorf("--limit: %q: want name=value with name one of %s", s, strings.Join(names(), ", "))
		}
		n, err := parseCount(strings.TrimSpace(value))
		if err != nil {
			return base, fmt.Errorf("--limit %s: %v", name, err)
		}
		base[k] = n
	}
	return base, nil
}

func kindNamed(name string) Kind {
	for k, s := range specs {
		if s.name == name {
			return Kind(k)
		}
	}
	return -1
}

func names() []string {
	var n []string
	for _, s := range specs {
		n = append(n, s.name)
	}
	return n
}

// parseCount reads a whole number from 1 to 2^62.
func parseCount(v string) (int64, error) {
	const most = 1 << 62
	if base, exp, ok := strings.Cut(v, "^"); ok && base == "2" {
		e, err := strconv.Atoi(exp)
		if err != nil || e < 0 || e > 62 {
			return 0, fmt.Errorf("%q: want 2^N with N from 0 to 62", v)
		}
		return 1 << e, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 1 && n <= most {
		return n, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || f < 1 || f > most {
		return 0, fmt.Errorf("%q: want a whole number from 1 to 2^62", v)
	}
	return int64(f), nil
}

// Help describes every limit and its value in force, one per line, for
// --help and the README.
func Help() string {
	var b strings.Builder
	l := Get()
	for k, s := range specs {
		fmt.Fprintf(&b, "  %-15s %-13d %s\n", s.name, l[k], s.what)
	}
	return b.String()
}
