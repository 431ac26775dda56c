package area

import (
	"fmt"
	"slices"

	"github.com/npusim/npusim/npu"
)

// Part is one kind of block of an NPU: how many it has and the area of one.
type Part struct {
	// Unit is the NPU unit the part belongs to (Units lists them); Name
	// says what it is within the unit.
	Unit  string `json:"unit"`
	Name  string `json:"name"`
	Count int    `json:"count"`
	// UM2 is the area of one, in square micrometres at the breakdown's node.
	UM2 float64 `json:"um2"`
	// Derivation says what the part is built of, or which figure it is.
	Derivation string `json:"derivation"`
}

// TotalUM2 is the area of all of them.
func (p Part) TotalUM2() float64 { return float64(p.Count) * p.UM2 }

// Units are the NPU's units, in the order a breakdown lists them.
var Units = []string{"array", "requant", "vector", "sram", "dma"}

// Breakdown is the area of an NPU, part by part, at its process node.
type Breakdown struct {
	NodeNM float64 `json:"nodeNm"`
	// LogicScale is the factor that took the library's 40 nm logic to
	// NodeNM (Scale); SRAM parts are given at the node directly.
	LogicScale float64 `json:"logicScale"`
	Parts      []Part  `json:"parts"`
}

// TotalMM2 is the area of every part, in square millimetres.
func (b Breakdown) TotalMM2() float64 {
	var um2 float64
	for _, p := range b.Parts {
		um2 += p.TotalUM2()
	}
	return um2 / 1e6
}

// UnitMM2 is the area of one unit's parts, in square millimetres.
func (b Breakdown) UnitMM2(unit string) float64 {
	var um2 float64
	for _, p := range b.Parts {
		if p.Unit == unit {
			um2 += p.TotalUM2()
		}
	}
	return um2 / 1e6
}

// Of is the area of an NPU configuration, part by part (see the package
// documentation for what is counted and where each figure comes from).
func Of(c *npu.Config) Breakdown {
	b := Breakdown{NodeNM: c.Area.NodeNM, LogicScale: Scale(LibraryNodeNM, c.Area.NodeNM)}
	var logic []Part
	logic = append(logic, arrayParts(c)...)
	logic = append(logic, requantParts(c)...)
	logic = append(logic, vectorParts(c)...)
	logic = append(logic, dmaParts(c)...)
	for _, p := range logic {
		p.UM2 *= b.LogicScale
		b.Parts = append(b.Parts, p)
	}
	b.Parts = append(b.Parts, sramParts(c)...)
	byUnit := func(x, y Part) int { return slices.Index(Units, x.Unit) - slices.Index(Units, y.Unit) }
	slices.SortStableFunc(b.Parts, byUnit)
	return b
}

// arrayParts are the systolic array's processing elements and its column
// logic, at 40 nm.
func arrayParts(c *npu.Config) []Part {
	widest := 0
	saturating := false
	for _, a := range c.Array.Accumulators {
		widest = max(widest, a.Bits)
		saturating = saturating || a.Overflow == npu.Saturate
	}
	pe := Multiplier(8, 8) + Adder(widest) + Register(8+8+widest+3)
	how := fmt.Sprintf("8x8 multiplier, %d-bit accumulate adder, "+
		"registers for the weight, activation and %d-bit partial sum with valid and last bits", widest, widest)
	for _, a := range c.Array.Accumulators {
		if extra, what := overflowLogic(a, widest); extra > 0 {
			pe += extra
			how += fmt.Sprintf("; %s: %s", a, what)
		}
	}
	column := Adder(32)
	colHow := "32-bit adder into the accumulator scratchpad"
	if saturating {
		column += Comparator(32) + Logic(32)
		colHow += ", saturating (compare and select)"
	}
	if c.Array.WeightZeroPoint {
		column += Adder(9)
		colHow += "; 9-bit weight zero-point subtractor"
	}
	return []Part{
		{Unit: "array", Name: "processing element", Count: c.Array.Rows * c.Array.Cols, UM2: pe, Derivation: how},
		{Unit: "array", Name: "column", Count: c.Array.Cols, UM2: column, Derivation: colHow},
	}
}

// overflowLogic is what an accumulator mode adds to a PE whose adder is
// widest bits wide: nothing for wrapping at full width; a result
// multiplexer (sign extension or the saturated value) for any other mode,
// and a range compare for saturation.
func overflowLogic(a npu.AccumulatorMode, widest int) (float64, string) {
	switch {
	case a.Overflow == npu.Wrap && a.Bits == widest:
		return 0, ""
	case a.Overflow == npu.Wrap:
		return Logic(widest), fmt.Sprintf("%d-bit sign-extension select", widest)
	}
	return Comparator(a.Bits) + Logic(widest), fmt.Sprintf("%d-bit range compare and %d-bit select", a.Bits, widest)
}

// vectorParts are the vector unit's lanes, at 40 nm: an ALU (adder,
// comparator for maxima and activations, logic), an 8x8 multiplier when it
// runs depthwise convolutions, and its pipeline and accumulator registers.
// Its lookup tables are not counted.
func vectorParts(c *npu.Config) []Part {
	v := c.Vector
	lane := Adder(32) + Comparator(32) + Logic(32) + Register(32*(v.PipelineDepth+1))
	how := fmt.Sprintf("32-bit adder, comparator and logic; %d registers of 32 bits (pipeline and accumulator)",
		v.PipelineDepth+1)
	if v.Depthwise {
		lane += Multiplier(8, 8)
		how += "; 8x8 multiplier for depthwise MACs"
	}
	return []Part{{Unit: "vector", Name: "lane", Count: v.Lanes, UM2: lane, Derivation: how}}
}

// dmaParts are the DMA engine, at 40 nm. No published DMA engine area was
// found: this is an assumption of what one is made of, a buffer for the
// bursts in flight (outstanding x burst bytes of flip-flops), an address
// register and a byte counter per outstanding request, and four 32-bit
// adders generating addresses (run, row and plane strides, DRAM address).
func dmaParts(c *npu.Config) []Part {
	d := c.DMA
	return []Part{
		{Unit: "dma", Name: "burst buffer", Count: d.Outstanding, UM2: Register(8 * d.BurstBytes),
			Derivation: fmt.Sprintf("assumption: %d bytes of flip-flops per outstanding request", d.BurstBytes)},
		{Unit: "dma", Name: "request tracker", Count: d.Outstanding, UM2: Register(48) + Counter32UM2,
			Derivation: "assumption: 48-bit address register and a 32-bit byte counter per outstanding request"},
		{Unit: "dma", Name: "address generator", Count: 4, UM2: Adder(32),
			Derivation: "assumption: 32-bit adders for the run, row and plane strides and the DRAM address"},
	}
}

// sramParts are the three scratchpads at the node: bits x bitcell /
// array efficiency x (1 + port overhead x extra ports).
func sramParts(c *npu.Config) []Part {
	a := c.Area
	perKiB := 8192 * a.SRAMBitcellUM2 / a.SRAMArrayEfficiency * (1 + a.SRAMPortOverhead*float64(a.SRAMPorts-1))
	how := fmt.Sprintf("per KiB: 8192 bits x %g um^2 / %g array efficiency x (1 + %.3g x %d extra port)",
		a.SRAMBitcellUM2, a.SRAMArrayEfficiency, a.SRAMPortOverhead, a.SRAMPorts-1)
	return []Part{
		{Unit: "sram", Name: "activation (KiB)", Count: c.SRAM.ActivationKiB, UM2: perKiB, Derivation: how},
		{Unit: "sram", Name: "weight (KiB)", Count: c.SRAM.WeightKiB, UM2: perKiB, Derivation: how},
		{Unit: "sram", Name: "accumulator (KiB)", Count: c.SRAM.AccumulatorKiB, UM2: perKiB, Derivation: how},
	}
}
