package npu

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
)

// SRAM names one of the three scratchpads.
type SRAM uint8

// The scratchpads.
const (
	ActivationSRAM SRAM = iota
	WeightSRAM
	AccumulatorSRAM
	numSRAMs
)

var sramNames = [...]string{"activation", "weight", "accumulator"}

// String names the scratchpad.
func (s SRAM) String() string { return sramNames[s] }

// Unit names a functional unit that executes commands.
type Unit uint8

// The units.
const (
	UnitDMA Unit = iota
	UnitMatrix
	UnitRequant
	UnitVector
	// UnitHost is the host CPU, which runs the layers a driver gives back
	// to it (Host commands).
	UnitHost
	// NumUnits counts the units, for arrays indexed by Unit.
	NumUnits
)

var unitNames = [...]string{"dma", "matrix", "requant", "vector", "host"}

// String names the unit.
func (u Unit) String() string { return unitNames[u] }

// MarshalText implements encoding.TextMarshaler with the unit's name.
func (u Unit) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// Command is one instruction of an NPU program: an operation, the earlier
// commands that must have completed before it may issue (the program's
// explicit fences) and the network layer it belongs to.
type Command struct {
	Op   Operation
	Deps []int
	// Layer indexes Program.Layers: the network layer the command belongs
	// to, for per-layer statistics.
	Layer int
}

// Operation is what a command does. Each kind of command is its own type:
// *DMA, *MatMul, *Requant, *Psum, *Eltwise, *Pool, *Softmax, *Depthwise,
// the vector unit's integer commands (*VALU, *VMul16, *VMul32, *VField,
// *VNarrow) and the host CPU's *Host.
type Operation interface {
	// Unit is the unit that executes the operation.
	Unit() Unit
	// Name is a short mnemonic ("dma.load", "matmul").
	Name() string
	// AppendFootprint appends to spans the scratchpad byte ranges the
	// operation reads and writes, and returns the extended slice: what the
	// command processor checks for hazards and what a compiler must order
	// with dependencies. Callers on a hot path pass a buffer they reuse.
	AppendFootprint(spans []Span) []Span
	// Check verifies the operation against the hardware before it runs:
	// its dimensions and the arithmetic it names (footprints are checked
	// against capacity by Program.Validate).
	Check(cfg *Config, dramBytes uint64) error
	// key names the operation in the serialised form of a command.
	key() string
}

// Compute is an operation of a compute unit (matrix, requantization or
// vector): its cycles and its actions follow from its shape, and its values
// from the scratchpads' contents. DMA is the one operation that is not a
// Compute: the DMA engine times it request by request.
type Compute interface {
	Operation
	// Cycles is the operation's cycle count on its unit (docs/timing.md).
	Cycles(cfg *Config) int
	// Counters are the actions the energy ledger prices.
	Counters(cfg *Config) Counters
	// MACpJ is the energy of one array MAC in the operation's accumulator
	// mode (0 for operations that do not use the array), or an error if
	// the hardware lacks that mode.
	MACpJ(cfg *Config) (float64, error)
	// Execute computes the operation's values from the scratchpads, in the
	// hardware's exact order of arithmetic.
	Execute(sp *Scratchpads, cfg *Config)
}

// Unit returns the unit that executes the command.
func (c *Command) Unit() Unit { return c.Op.Unit() }

// Name is a short mnemonic of the command ("dma.load", "matmul").
func (c *Command) Name() string {
	if c.Op == nil {
		return "invalid"
	}
	return c.Op.Name()
}

// Footprint lists the scratchpad ranges the command reads and writes.
func (c *Command) Footprint() []Span { return c.Op.AppendFootprint(nil) }

// MarshalJSON writes the command's stable serialised form: its
// dependencies, its layer and its operation under the operation's key
// ({"deps":[3],"layer":1,"matmul":{...}}), for program digests.
func (c Command) MarshalJSON() ([]byte, error) {
	if c.Op == nil {
		return nil, errors.New("command without an operation")
	}
	var b bytes.Buffer
	b.WriteByte('{')
	if len(c.Deps) > 0 {
		deps, err := json.Marshal(c.Deps)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, `"deps":%s,`, deps)
	}
	op, err := json.Marshal(c.Op)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(&b, `"layer":%d,%q:%s}`, c.Layer, c.Op.key(), op)
	return b.Bytes(), nil
}

// Region is a named byte range of DRAM, or, with a Capture, bytes gathered
// from a scratchpad while the program runs (Addr is then unused).
type Region struct {
	Name    string   `json:"name"`
	Addr    uint64   `json:"addr"`
	Bytes   int      `json:"bytes"`
	Capture *Capture `json:"capture,omitempty"`
}

// Program is what a driver hands the NPU: the command stream, the initial
// DRAM image (inputs, weights, biases, records, tables) and the regions to
// read back when it finishes. DRAMBytes is the DRAM the program uses, at
// least len(DRAM) (activations are written beyond the image).
type Program struct {
	Commands  []Command `json:"commands"`
	Layers    []string  `json:"layers"`
	DRAM      []byte    `json:"-"`
	DRAMBytes uint64    `json:"dramBytes"`
	Outputs   []Region  `json:"outputs"`
}

// Digest is a SHA-256 over the program's commands, layers, outputs and DRAM
// image: two programs with the same digest are the same program.
func (p *Program) Digest() ([32]byte, error) {
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(p); err != nil {
		return [32]byte{}, fmt.Errorf("program digest: %w", err)
	}
	h.Write(p.DRAM)
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d, nil
}
