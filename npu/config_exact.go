package npu

import (
	"fmt"
	"math"
)

// This file holds the hardware features that decide how a driver can keep a
// policy's arithmetic exact where the NPU lacks it: the scope of the
// requantization unit's multipliers, the vector unit's integer datapath
// (on which the missing arithmetic is emulated) and the host CPU (to which
// a layer can fall back).

// MultiplierScope is how many multipliers a requantization command applies.
type MultiplierScope string

// The multiplier scopes.
const (
	// PerChannel applies record n's multiplier to output column n.
	PerChannel MultiplierScope = "per-channel"
	// PerTensor applies the multiplier of the command's first record to
	// every column (one multiplier register per command), as fixed-function
	// requantizers built for per-tensor quantization do; each column still
	// adds its own bias.
	PerTensor MultiplierScope = "per-tensor"
)

// PerChannelRequant reports whether the requantization unit applies a
// multiplier per output column (the default when the YAML says nothing).
func (c *Config) PerChannelRequant() bool { return c.Requant.Multipliers != PerTensor }

// VectorIntConfig is the vector unit's integer datapath: lanes of int32
// elements with adders, shifters, logic, comparators and multipliers of the
// given width. A 16-bit datapath multiplies 16-bit halves of its lanes into
// 32-bit products; a 32-bit one also multiplies whole lanes into 64-bit
// products.
type VectorIntConfig struct {
	MultiplierBits int `yaml:"multiplier_bits"`
	Lanes          int `yaml:"lanes"`
	// OpPJ is the energy of one lane operation other than a multiply;
	// Mul16PJ of one 16x16 multiply, Mul32PJ of one 32x32 multiply (0 on
	// a 16-bit datapath).
	OpPJ    float64 `yaml:"op_pj"`
	Mul16PJ float64 `yaml:"mul16_pj"`
	Mul32PJ float64 `yaml:"mul32_pj"`
}

// HostConfig is the host CPU that runs layers the driver gives back to it,
// as NNAPI runs on the CPU the operations a driver does not support: one
// core at ClockMHz running int8 kernels at the rates of its two classes of
// layer, reading its operands from and writing its results to the DRAM the
// NPU shares, and paying a fixed hand-off for every contiguous partition of
// the graph it takes over.
type HostConfig struct {
	ClockMHz float64 `yaml:"clock_mhz"`
	// GEMM is the rate of GEMM-shaped layers (convolutions lowered to
	// matrix products, fully connected layers), Depthwise of depthwise
	// convolutions and element-wise multiplications.
	GEMM      HostRate `yaml:"gemm"`
	Depthwise HostRate `yaml:"depthwise"`
	// HandoffUs and HandoffUJ are the time and energy of one hand-off.
	HandoffUs float64 `yaml:"handoff_us"`
	HandoffUJ float64 `yaml:"handoff_uj"`
}

// HostRate is how fast and at what energy a host kernel class runs.
type HostRate struct {
	MACsPerCycle float64 `yaml:"macs_per_cycle"`
	MACpJ        float64 `yaml:"mac_pj"`
}

// checkExactFeatures checks the multiplier scope, the vector integer
// datapath and the host CPU.
func (c *Config) checkExactFeatures() error {
	switch c.Requant.Multipliers {
	case "", PerChannel, PerTensor:
	default:
		return fmt.Errorf("requant.multipliers: must be per-channel or per-tensor, got %q", c.Requant.Multipliers)
	}
	if v := c.Vector.Integer; v != nil {
		if err := v.check(); err != nil {
			return fmt.Errorf("vector.integer.%w", err)
		}
	}
	if h := c.Host; h != nil {
		if err := h.check(); err != nil {
			return fmt.Errorf("host.%w", err)
		}
	}
	return nil
}

func (v *VectorIntConfig) check() error {
	switch {
	case v.MultiplierBits != 16 && v.MultiplierBits != 32:
		return fmt.Errorf("multiplier_bits: must be 16 or 32, got %d", v.MultiplierBits)
	case v.Lanes < 1 || v.Lanes > 4096:
		return fmt.Errorf("lanes: must be from 1 to 4096, got %d", v.Lanes)
	case !energyOK(v.OpPJ):
		return fmt.Errorf("op_pj: must be %s, got %v", energyRange, v.OpPJ)
	case !energyOK(v.Mul16PJ):
		return fmt.Errorf("mul16_pj: must be %s, got %v", energyRange, v.Mul16PJ)
	case !energyOK(v.Mul32PJ):
		return fmt.Errorf("mul32_pj: must be %s, got %v", energyRange, v.Mul32PJ)
	case v.MultiplierBits == 16 && v.Mul32PJ != 0:
		return fmt.Errorf("mul32_pj: a 16-bit datapath has no 32x32 multiplier, got %v", v.Mul32PJ)
	}
	return nil
}

func (h *HostConfig) check() error {
	checks := []struct {
		field string
		ok    bool
		got   float64
		want  string
	}{
		{"clock_mhz", h.ClockMHz >= 1 && h.ClockMHz <= 10000, h.ClockMHz, "from 1 to 10000"},
		{"gemm.macs_per_cycle", rateOK(h.GEMM.MACsPerCycle), h.GEMM.MACsPerCycle, "from 0.001 to 4096"},
		{"gemm.mac_pj", energyOK(h.GEMM.MACpJ), h.GEMM.MACpJ, energyRange},
		{"depthwise.macs_per_cycle", rateOK(h.Depthwise.MACsPerCycle), h.Depthwise.MACsPerCycle, "from 0.001 to 4096"},
		{"depthwise.mac_pj", energyOK(h.Depthwise.MACpJ), h.Depthwise.MACpJ, energyRange},
		{"handoff_us", energyOK(h.HandoffUs) && h.HandoffUs <= 1e6, h.HandoffUs, "from 0 to 1000000"},
		{"handoff_uj", energyOK(h.HandoffUJ), h.HandoffUJ, energyRange},
	}
	for _, ch := range checks {
		if !ch.ok {
			return fmt.Errorf("%s: must be %s, got %v", ch.field, ch.want, ch.got)
		}
	}
	return nil
}

// rateOK bounds a host rate away from zero, as the DRAM bandwidth is: a
// rate of 1e-300 MACs per cycle would make a layer's cycles overflow.
func rateOK(f float64) bool { return finite(f) && f >= 0.001 && f <= 4096 }

// HostCycles converts a time on the host, in microseconds, into NPU cycles
// (rounded up): the timeline of a run is kept in NPU cycles.
func (c *Config) HostCycles(us float64) int {
	return int(math.Ceil(us * c.ClockMHz))
}
