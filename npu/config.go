package npu

import (
	"cmp"
	"embed"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/npusim/npusim/internal/yamlfile"
	"github.com/npusim/npusim/quant"
)

// Dataflow is how the systolic array maps a matrix product.
type Dataflow string

// The dataflows of the matrix unit.
const (
	// WeightStationary preloads a weight tile into the PEs and streams the
	// activation rows through them (TPU, most mobile NPUs).
	WeightStationary Dataflow = "ws"
	// OutputStationary keeps each output in a PE and streams both operands
	// along the reduction (Gemmini's and ShiDianNao's choice).
	OutputStationary Dataflow = "os"
)

// Overflow is what an accumulator does when a sum leaves its range. It
// reads and writes as its name ("saturate", "wrap") in YAML and JSON; the
// zero value, no behaviour given, as the empty text. It is an integer, not
// a string, so that a matrix command holds no pointer: a program of a small
// accelerator holds hundreds of thousands of them, which the garbage
// collector then never scans.
type Overflow uint8

// The overflow behaviours of accumulators.
const (
	Saturate Overflow = iota + 1
	Wrap
)

var overflowNames = [...]string{Saturate: "saturate", Wrap: "wrap"}

// String returns the behaviour's name, "" for the zero value.
func (o Overflow) String() string {
	if int(o) < len(overflowNames) {
		return overflowNames[o]
	}
	return fmt.Sprintf("Overflow(%d)", uint8(o))
}

// MarshalText implements encoding.TextMarshaler.
func (o Overflow) MarshalText() ([]byte, error) {
	if int(o) >= len(overflowNames) {
		return nil, fmt.Errorf("no accumulator overflow behaviour %d", uint8(o))
	}
	return []byte(overflowNames[o]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler: "saturate", "wrap",
// or the empty text for the zero value.
func (o *Overflow) UnmarshalText(b []byte) error {
	i := slices.Index(overflowNames[:], string(b))
	if i < 0 {
		return fmt.Errorf("must be saturate or wrap, got %q", b)
	}
	*o = Overflow(i)
	return nil
}

// Config describes one NPU: its array, memories, DMA, units and energy table.
// The YAML keys are the snake_case names given in the field tags.
type Config struct {
	Name     string        `yaml:"name"`
	ClockMHz float64       `yaml:"clock_mhz"`
	Array    ArrayConfig   `yaml:"array"`
	SRAM     SRAMConfig    `yaml:"sram"`
	DMA      DMAConfig     `yaml:"dma"`
	DRAM     DRAMConfig    `yaml:"dram"`
	Requant  RequantConfig `yaml:"requant"`
	Vector   VectorConfig  `yaml:"vector"`
	Energy   EnergyConfig  `yaml:"energy"`
	// Host is the application processor that runs the layers a driver
	// hands back to the CPU (nil: the SoC offers no CPU fallback).
	Host *HostConfig `yaml:"host"`
	Area AreaConfig  `yaml:"area"`
	// OperatingPoints is the DVFS table, clocks rising (opp.go); the
	// energy table holds at Energy.AtMilliVolts.
	OperatingPoints []OperatingPoint `yaml:"operating_points"`
	// Fusion lists the datapaths of vendor-fused layers (fusion.go).
	Fusion FusionConfig `yaml:"fusion"`
	// Source is the YAML the configuration was read from.
	Source []byte `yaml:"-" json:"-"`
}

// ArrayConfig is the systolic matrix unit.
type ArrayConfig struct {
	Rows     int      `yaml:"rows"`
	Cols     int      `yaml:"cols"`
	Dataflow Dataflow `yaml:"dataflow"`
	// Accumulators lists the accumulator modes the array implements, the
	// default (what a program gets unless it asks otherwise) first.
	Accumulators []AccumulatorMode `yaml:"accumulators"`
	// WeightZeroPoint says whether the array subtracts a per-tensor weight
	// zero point (NNAPI 1.0 uint8 weights); without it weights must be
	// symmetric.
	WeightZeroPoint bool `yaml:"weight_zero_point"`
}

// AccumulatorMode is one accumulator width and overflow behaviour, with the
// energy of one MAC in that mode.
type AccumulatorMode struct {
	Bits     int      `yaml:"bits"`
	Overflow Overflow `yaml:"overflow"`
	MACpJ    float64  `yaml:"mac_pj"`
}

// String names the mode ("acc32-wrap").
func (a AccumulatorMode) String() string { return fmt.Sprintf("acc%d-%s", a.Bits, a.Overflow) }

// SRAMConfig is the three scratchpads' capacity.
type SRAMConfig struct {
	ActivationKiB  int `yaml:"activation_kib"`
	WeightKiB      int `yaml:"weight_kib"`
	AccumulatorKiB int `yaml:"accumulator_kib"`
}

// DMAConfig is the DMA engine.
type DMAConfig struct {
	BytesPerCycle int `yaml:"bytes_per_cycle"`
	BurstBytes    int `yaml:"burst_bytes"`
	Outstanding   int `yaml:"outstanding"`
}

// DRAMConfig is the LPDDR memory behind the DMA.
type DRAMConfig struct {
	LatencyNs     float64 `yaml:"latency_ns"`
	BandwidthGBps float64 `yaml:"bandwidth_gbps"`
}

// RequantConfig is the requantization unit.
type RequantConfig struct {
	PipelineDepth int `yaml:"pipeline_depth"`
	// Multipliers says whether a command applies one multiplier per output
	// column (per-channel, the default) or the multiplier of its first
	// record to every column (per-tensor; biases stay per column).
	Multipliers MultiplierScope `yaml:"multipliers"`
	// Modes lists the arithmetic modes the unit implements in hardware.
	Modes []RequantMode `yaml:"modes"`
}

// RequantMode is one arithmetic mode of the requantization unit: its
// variant, how many outputs it produces per cycle, and the energy of one.
type RequantMode struct {
	Variant     quant.Variant `yaml:"variant"`
	Lanes       int           `yaml:"lanes"`
	PJPerOutput float64       `yaml:"pj_per_output"`
}

// VectorConfig is the vector unit: element-wise ops, pools, activation
// lookups, softmax and, when Depthwise is set, depthwise convolutions.
type VectorConfig struct {
	Lanes         int     `yaml:"lanes"`
	PipelineDepth int     `yaml:"pipeline_depth"`
	Depthwise     bool    `yaml:"depthwise"`
	OpPJ          float64 `yaml:"op_pj"`
	MACpJ         float64 `yaml:"mac_pj"`
	// Integer is the integer datapath over int32 lanes that the vector
	// integer commands use (nil: the unit has none).
	Integer *VectorIntConfig `yaml:"integer"`
}

// EnergyConfig holds the energy of the memories and the static power.
type EnergyConfig struct {
	SRAMReadPJPerByte  float64 `yaml:"sram_read_pj_per_byte"`
	SRAMWritePJPerByte float64 `yaml:"sram_write_pj_per_byte"`
	DRAMPJPerBit       float64 `yaml:"dram_pj_per_bit"`
	StaticMW           float64 `yaml:"static_mw"`
	// AtMilliVolts is the supply voltage at which the on-chip figures
	// above hold (with OperatingPoints; opp.go).
	AtMilliVolts float64 `yaml:"at_mv"`
}

//go:embed presets/*.yaml
var presetFiles embed.FS

// Presets lists the names of the built-in hardware configurations.
func Presets() []string { return yamlfile.Presets(presetFiles) }

// DefaultPreset is the hardware used when none is named.
const DefaultPreset = "mobile-npu"

// LoadConfig returns a preset by name or reads a YAML file by path (a name
// without a path separator or .yaml suffix is taken as a preset), with the
// overrides of an HWSpec when the name carries them.
func LoadConfig(nameOrPath string) (*Config, error) {
	if IsHWSpec(nameOrPath) {
		spec, err := ParseHWSpec(nameOrPath)
		if err != nil {
			return nil, err
		}
		return spec.Load()
	}
	kind := yamlfile.Kind{Name: "hw", File: "hw config", Presets: presetFiles, Names: Presets}
	return yamlfile.Load(kind, nameOrPath, ParseConfig)
}

// ParseConfig decodes and validates a YAML hardware config; file names the
// source in errors ("hw config low.yaml: sram.activation_kib: must be > 0,
// got -4").
func ParseConfig(file string, data []byte) (*Config, error) {
	var c Config
	if err := yamlfile.Decode(data, &c); err != nil {
		return nil, fmt.Errorf("hw config %s: %w", file, err)
	}
	if c.Name == "" {
		c.Name = strings.TrimSuffix(file, filepath.Ext(file))
	}
	c.Source = data
	c.Area = c.Area.withDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("hw config %s: %w", file, err)
	}
	return &c, nil
}

// Validate range-checks every field; the error names the field by its YAML
// path.
func (c *Config) Validate() error {
	checks := []func() error{c.checkRanges, c.checkTiles, c.checkAccumulators, c.checkRequantModes,
		c.checkExactFeatures, c.checkArea, c.checkOperatingPoints, c.checkFusion}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// checkRanges checks that every numeric field lies in its range.
func (c *Config) checkRanges() error {
	burst := c.DMA.BurstBytes
	checks := []struct {
		field string
		ok    bool
		got   any
		want  string
	}{
		{"clock_mhz", within(c.ClockMHz, 1, 10000), c.ClockMHz, "from 1 to 10000"},
		{"array.rows", within(c.Array.Rows, 1, 1024), c.Array.Rows, "from 1 to 1024"},
		{"array.cols", within(c.Array.Cols, 1, 1024), c.Array.Cols, "from 1 to 1024"},
		{"array.dataflow", c.Array.Dataflow == WeightStationary || c.Array.Dataflow == OutputStationary,
			c.Array.Dataflow, "ws or os"},
		{"array.accumulators", len(c.Array.Accumulators) > 0, len(c.Array.Accumulators), "at least one mode"},
		{"sram.activation_kib", within(c.SRAM.ActivationKiB, 1, 1<<20), c.SRAM.ActivationKiB, "> 0 and <= 1048576"},
		{"sram.weight_kib", within(c.SRAM.WeightKiB, 1, 1<<20), c.SRAM.WeightKiB, "> 0 and <= 1048576"},
		{"sram.accumulator_kib", within(c.SRAM.AccumulatorKiB, 1, 1<<20), c.SRAM.AccumulatorKiB,
			"> 0 and <= 1048576"},
		{"dma.bytes_per_cycle", within(c.DMA.BytesPerCycle, 1, 4096), c.DMA.BytesPerCycle, "from 1 to 4096"},
		{"dma.burst_bytes", within(burst, 1, 4096) && burst&(burst-1) == 0, burst, "a power of two from 1 to 4096"},
		{"dma.outstanding", within(c.DMA.Outstanding, 1, 1024), c.DMA.Outstanding, "from 1 to 1024"},
		{"dram.latency_ns", finite(c.DRAM.LatencyNs) && within(c.DRAM.LatencyNs, 0, 1e5), c.DRAM.LatencyNs,
			"from 0 to 100000"},
		{"dram.bandwidth_gbps", finite(c.DRAM.BandwidthGBps) && within(c.DRAM.BandwidthGBps, minBandwidthGBps, 1e4),
			c.DRAM.BandwidthGBps, "from 0.001 to 10000"},
		{"requant.pipeline_depth", within(c.Requant.PipelineDepth, 0, 64), c.Requant.PipelineDepth, "from 0 to 64"},
		{"requant.modes", len(c.Requant.Modes) > 0, len(c.Requant.Modes), "at least one mode"},
		{"vector.lanes", within(c.Vector.Lanes, 1, 4096), c.Vector.Lanes, "from 1 to 4096"},
		{"vector.pipeline_depth", within(c.Vector.PipelineDepth, 0, 64), c.Vector.PipelineDepth, "from 0 to 64"},
		{"vector.op_pj", energyOK(c.Vector.OpPJ), c.Vector.OpPJ, energyRange},
		{"vector.mac_pj", energyOK(c.Vector.MACpJ), c.Vector.MACpJ, energyRange},
		{"energy.sram_read_pj_per_byte", energyOK(c.Energy.SRAMReadPJPerByte), c.Energy.SRAMReadPJPerByte, energyRange},
		{"energy.sram_write_pj_per_byte", energyOK(c.Energy.SRAMWritePJPerByte), c.Energy.SRAMWritePJPerByte,
			energyRange},
		{"energy.dram_pj_per_bit", energyOK(c.Energy.DRAMPJPerBit), c.Energy.DRAMPJPerBit, energyRange},
		{"energy.static_mw", energyOK(c.Energy.StaticMW), c.Energy.StaticMW, energyRange},
	}
	for _, ch := range checks {
		if !ch.ok {
			return fmt.Errorf("%s: must be %s, got %v", ch.field, ch.want, ch.got)
		}
	}
	return nil
}

// within reports whether lo <= v <= hi; a NaN is within no range.
func within[T cmp.Ordered](v, lo, hi T) bool { return v >= lo && v <= hi }

// checkTiles checks that each scratchpad holds at least one tile of the
// array's work.
func (c *Config) checkTiles() error {
	tile := []struct {
		field      string
		have, need int
		what       string
	}{
		{"sram.activation_kib", c.Bytes(ActivationSRAM), c.Array.Rows, "one column of operands (array.rows bytes)"},
		{"sram.weight_kib", c.Bytes(WeightSRAM), c.Array.Rows*c.Array.Cols + c.Array.Cols*RecordBytes,
			"one weight tile and its requantization records"},
		{"sram.accumulator_kib", c.Bytes(AccumulatorSRAM), 4 * c.Array.Cols,
			"one row of int32 accumulators (4 x array.cols bytes)"},
	}
	for _, t := range tile {
		if t.have < t.need {
			return fmt.Errorf("%s: %d bytes cannot hold %s: %d bytes", t.field, t.have, t.what, t.need)
		}
	}
	return nil
}

// checkAccumulators checks the array's accumulator modes, each listed once.
func (c *Config) checkAccumulators() error {
	for i, a := range c.Array.Accumulators {
		field := fmt.Sprintf("array.accumulators[%d]", i)
		switch {
		case a.Bits != 16 && a.Bits != 24 && a.Bits != 32:
			return fmt.Errorf("%s.bits: must be 16, 24 or 32, got %d", field, a.Bits)
		case a.Overflow != Saturate && a.Overflow != Wrap:
			return fmt.Errorf("%s.overflow: must be saturate or wrap, got %q", field, a.Overflow)
		case !energyOK(a.MACpJ):
			return fmt.Errorf("%s.mac_pj: must be %s, got %v", field, energyRange, a.MACpJ)
		}
		for _, prev := range c.Array.Accumulators[:i] {
			if prev.Bits == a.Bits && prev.Overflow == a.Overflow {
				return fmt.Errorf("%s: %d-bit %s is listed twice", field, a.Bits, a.Overflow)
			}
		}
	}
	return nil
}

// checkRequantModes checks the requantization unit's modes, each listed once.
func (c *Config) checkRequantModes() error {
	for i, m := range c.Requant.Modes {
		field := fmt.Sprintf("requant.modes[%d]", i)
		switch {
		case m.Variant.Mode == "":
			return fmt.Errorf("%s.variant: missing", field)
		case m.Lanes < 1 || m.Lanes > 4096:
			return fmt.Errorf("%s.lanes: must be from 1 to 4096, got %d", field, m.Lanes)
		case !energyOK(m.PJPerOutput):
			return fmt.Errorf("%s.pj_per_output: must be %s, got %v", field, energyRange, m.PJPerOutput)
		}
		for _, prev := range c.Requant.Modes[:i] {
			if prev.Variant == m.Variant {
				return fmt.Errorf("%s.variant: %v is listed twice", field, m.Variant)
			}
		}
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Bounds that keep every figure a run prints finite. An energy per event
// (pJ) or a static power (mW) above 10^6 is a microjoule per MAC or a
// kilowatt: no NPU, but 10^6 times the work budget's events stays far from
// overflowing a float64. A DRAM slower than 1 MB/s would make the DMA's
// wake-up times overflow and the simulation stall.
const (
	maxEnergy        = 1e6
	energyRange      = "from 0 to 1000000"
	minBandwidthGBps = 0.001
)

func energyOK(f float64) bool { return finite(f) && f >= 0 && f <= maxEnergy }

// RequantMode returns the requantization unit's mode for a variant, if the
// hardware implements it.
func (c *Config) RequantMode(v quant.Variant) (RequantMode, bool) {
	for _, m := range c.Requant.Modes {
		if m.Variant == v {
			return m, true
		}
	}
	return RequantMode{}, false
}

// RequantVariants lists the variants the requantization unit implements.
func (c *Config) RequantVariants() []quant.Variant {
	var vs []quant.Variant
	for _, m := range c.Requant.Modes {
		vs = append(vs, m.Variant)
	}
	return vs
}

// AccumulatorMode returns the array's mode with the given width and
// overflow, if it implements it.
func (c *Config) AccumulatorMode(bits int, overflow Overflow) (AccumulatorMode, bool) {
	matches := func(a AccumulatorMode) bool { return a.Bits == bits && a.Overflow == overflow }
	i := slices.IndexFunc(c.Array.Accumulators, matches)
	if i < 0 {
		return AccumulatorMode{}, false
	}
	return c.Array.Accumulators[i], true
}

// Bytes returns each scratchpad's capacity in bytes.
func (c *Config) Bytes(s SRAM) int {
	switch s {
	case ActivationSRAM:
		return c.SRAM.ActivationKiB << 10
	case WeightSRAM:
		return c.SRAM.WeightKiB << 10
	}
	return c.SRAM.AccumulatorKiB << 10
}

// DRAMLatencyCycles is the DRAM latency in NPU cycles (rounded up).
func (c *Config) DRAMLatencyCycles() int {
	return int(math.Ceil(c.DRAM.LatencyNs * c.ClockMHz / 1000))
}

// TransferBytesPerCycle is the sustained DMA rate: the lesser of the DMA
// engine's width and the DRAM bandwidth at the NPU clock.
func (c *Config) TransferBytesPerCycle() float64 {
	return min(float64(c.DMA.BytesPerCycle), c.DRAM.BandwidthGBps*1000/c.ClockMHz)
}
