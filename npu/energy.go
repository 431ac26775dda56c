package npu

import (
	"fmt"
	"slices"

	"github.com/npusim/npusim/quant"
)

// Component is a part of the NPU that the energy ledger prices.
type Component int

// The priced components.
const (
	CompArray Component = iota
	CompRequant
	CompVector
	CompActivationSRAM
	CompWeightSRAM
	CompAccumulatorSRAM
	CompDRAM
	CompStatic
	// CompHost is the host CPU running the layers given back to it: its
	// MACs and hand-offs (its DRAM traffic is priced under CompDRAM).
	CompHost
	NumComponents
)

var componentNames = [...]string{
	"array", "requant", "vector",
	"sram.activation", "sram.weight", "sram.accumulator",
	"dram", "static", "host",
}

// String names the component.
func (c Component) String() string { return componentNames[c] }

// Energy is an amount of energy in picojoules, split by component.
type Energy [NumComponents]float64

// Total sums the components.
func (e Energy) Total() float64 {
	var t float64
	for _, v := range e {
		t += v
	}
	return t
}

// Add accumulates another breakdown.
func (e *Energy) Add(o Energy) {
	for i := range e {
		e[i] += o[i]
	}
}

// Counters are the actions the energy ledger prices.
type Counters struct {
	MACs       uint64           `json:"macs"`
	VectorMACs uint64           `json:"vectorMacs"`
	VectorOps  uint64           `json:"vectorOps"`
	SRAMRead   [numSRAMs]uint64 `json:"sramReadBytes"`
	SRAMWrite  [numSRAMs]uint64 `json:"sramWriteBytes"`
	DRAMRead   uint64           `json:"dramReadBytes"`
	DRAMWrite  uint64           `json:"dramWriteBytes"`
	// RequantOutputs counts outputs per requantization variant name.
	RequantOutputs map[string]uint64 `json:"requantOutputs"`
	PsumOps        uint64            `json:"psumOps"`
	// VectorInt counts the vector unit's integer lane operations.
	VectorInt VectorIntCounters `json:"vectorInt"`
	// Host counts the host CPU's work.
	Host HostCounters `json:"host"`
	// ResidualOutputs and WideMACs count the work of the fused datapaths
	// (fusion.go).
	ResidualOutputs uint64 `json:"residualOutputs,omitempty"`
	WideMACs        uint64 `json:"wideMacs,omitempty"`
}

// add accumulates another set of counters.
func (c *Counters) add(o *Counters) {
	c.MACs += o.MACs
	c.VectorMACs += o.VectorMACs
	c.VectorOps += o.VectorOps
	for i := range c.SRAMRead {
		c.SRAMRead[i] += o.SRAMRead[i]
		c.SRAMWrite[i] += o.SRAMWrite[i]
	}
	c.DRAMRead += o.DRAMRead
	c.DRAMWrite += o.DRAMWrite
	c.PsumOps += o.PsumOps
	c.VectorInt.add(o.VectorInt)
	c.Host.add(o.Host)
	c.ResidualOutputs += o.ResidualOutputs
	c.WideMACs += o.WideMACs
	for _, k := range sortedKeys(o.RequantOutputs) {
		if c.RequantOutputs == nil {
			c.RequantOutputs = map[string]uint64{}
		}
		c.RequantOutputs[k] += o.RequantOutputs[k]
	}
}

func sortedKeys(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// price computes the dynamic energy of a command: its operation's counters
// priced with the hardware's energy table, array MACs at the MAC energy of
// the operation's accumulator mode and requantized outputs at their mode's
// energy per output. It fails if the counters name a mode the hardware does
// not implement (Program.Validate rules that out before a run), so that no
// action is ever priced at zero by mistake.
func (cfg *Config) price(op Operation, c *Counters) (Energy, error) {
	var e Energy
	var macPJ float64
	if comp, ok := op.(Compute); ok {
		var err error
		if macPJ, err = comp.MACpJ(cfg); err != nil {
			return Energy{}, err
		}
	}
	e[CompArray] = float64(c.MACs) * macPJ
	for _, name := range sortedKeys(c.RequantOutputs) {
		pj, err := cfg.requantPJ(name)
		if err != nil {
			return Energy{}, err
		}
		e[CompRequant] += float64(c.RequantOutputs[name]) * pj
	}
	// partial-sum narrowing and widening is a shift and a saturation: a
	// vector-class operation
	e[CompRequant] += float64(c.PsumOps) * cfg.Vector.OpPJ
	e[CompVector] = float64(c.VectorOps)*cfg.Vector.OpPJ + float64(c.VectorMACs)*cfg.Vector.MACpJ
	vi, err := cfg.priceVectorInt(c.VectorInt)
	if err != nil {
		return Energy{}, err
	}
	e[CompVector] += vi
	if e[CompHost], err = cfg.priceHost(c.Host); err != nil {
		return Energy{}, err
	}
	if err := cfg.priceFused(c, &e); err != nil {
		return Energy{}, err
	}
	for s, comp := range []Component{CompActivationSRAM, CompWeightSRAM, CompAccumulatorSRAM} {
		e[comp] = float64(c.SRAMRead[s])*cfg.Energy.SRAMReadPJPerByte + float64(c.SRAMWrite[s])*cfg.Energy.SRAMWritePJPerByte
	}
	scale := cfg.DynamicScale() // on-chip energy follows the rail's voltage (opp.go)
	for comp := range CompDRAM {
		e[comp] *= scale
	}
	e[CompDRAM] = float64(c.DRAMRead+c.DRAMWrite) * 8 * cfg.Energy.DRAMPJPerBit
	return e, nil
}

// requantPJ is the energy of one output of the requantization mode a
// counter names.
func (cfg *Config) requantPJ(name string) (float64, error) {
	v, err := quant.ParseVariant(name)
	if err != nil {
		return 0, fmt.Errorf("pricing requantized outputs: %w", err)
	}
	mode, ok := cfg.RequantMode(v)
	if !ok {
		return 0, fmt.Errorf("pricing requantized outputs: the requantization unit of %s does not implement %v (it has %v)",
			cfg.Name, v, cfg.RequantVariants())
	}
	return mode.PJPerOutput, nil
}

// StaticPJ is the leakage energy of the given number of cycles, at the
// current clock's voltage.
func (cfg *Config) StaticPJ(cycles uint64) float64 {
	// mW x us = nJ; cycles / MHz = us
	return cfg.Energy.StaticMW * cfg.LeakageScale() * float64(cycles) / cfg.ClockMHz * 1000
}

// priceFused adds the energy of the fused datapaths' work, an error if the
// hardware lacks a datapath the counters used.
func (cfg *Config) priceFused(c *Counters, e *Energy) error {
	if c.ResidualOutputs > 0 {
		if cfg.Fusion.Residual == nil {
			return fmt.Errorf("pricing residual requantization: %s has no residual path", cfg.Name)
		}
		e[CompRequant] += float64(c.ResidualOutputs) * cfg.Fusion.Residual.PJPerOutput
	}
	if c.WideMACs > 0 {
		if cfg.Fusion.WideDepthwise == nil {
			return fmt.Errorf("pricing 16-bit depthwise MACs: %s has no wide depthwise path", cfg.Name)
		}
		e[CompVector] += float64(c.WideMACs) * cfg.Fusion.WideDepthwise.MACpJ
	}
	return nil
}
