package npu

import "fmt"

// HostClass is the kind of kernel a host CPU command runs, which sets its
// rate and energy per MAC (HostConfig).
type HostClass string

// The host kernel classes.
const (
	// HostGEMM is a GEMM-shaped layer: a convolution or a fully connected
	// layer, run as a matrix product (im2col + int8 dot products).
	HostGEMM HostClass = "gemm"
	// HostDepthwise is a depthwise convolution or an element-wise
	// multiplication: widening multiply-accumulates, no dot products.
	HostDepthwise HostClass = "depthwise"
)

// HostKernel computes a layer on the host CPU: from the bytes of its input
// tensors, in the order of Host.Inputs, the bytes of its output. The
// platform takes a table of them, indexed by Host.Kernel; npu itself knows
// no kernel (a simulator supplies the reference interpreter's).
type HostKernel func(inputs [][]byte) ([]byte, error)

// Host runs one layer on the host CPU, as NNAPI runs on the CPU an
// operation the NPU's driver gives back: the CPU reads the layer's input
// tensors and its constants (ConstBytes of weights and biases) from DRAM,
// runs kernel Kernel of the platform's table, and writes the output tensor
// to DRAM. The command with Handoff set starts a partition of the graph on
// the CPU and pays the hand-off (HostConfig.HandoffUs, HandoffUJ). It
// touches no scratchpad: a driver orders it with the NPU's commands as a
// barrier.
type Host struct {
	Kernel     int       `json:"kernel"`
	Class      HostClass `json:"class"`
	MACs       uint64    `json:"macs"`
	Inputs     []Region  `json:"inputs"`
	Output     Region    `json:"output"`
	ConstBytes int       `json:"constBytes"`
	Handoff    bool      `json:"handoff,omitempty"`
}

// Unit implements Operation.
func (h *Host) Unit() Unit { return UnitHost }

// Name implements Operation.
func (h *Host) Name() string { return "host." + string(h.Class) }

func (h *Host) key() string { return "host" }

// AppendFootprint implements Operation: none, the CPU works in DRAM.
func (h *Host) AppendFootprint(s []Span) []Span { return s }

// Check implements Operation.
func (h *Host) Check(cfg *Config, dramBytes uint64) error {
	if cfg.Host == nil {
		return fmt.Errorf("%s has no host CPU", cfg.Name)
	}
	if h.Class != HostGEMM && h.Class != HostDepthwise {
		return fmt.Errorf("unknown host kernel class %q", h.Class)
	}
	if h.Kernel < 0 || h.ConstBytes < 0 {
		return fmt.Errorf("bad kernel %d or constant bytes %d", h.Kernel, h.ConstBytes)
	}
	for _, r := range append([]Region{h.Output}, h.Inputs...) {
		if r.Bytes < 0 || r.Addr+uint64(r.Bytes) > dramBytes {
			return fmt.Errorf("tensor %s: DRAM [%d, %d) outside the program's %d bytes",
				r.Name, r.Addr, r.Addr+uint64(r.Bytes), dramBytes)
		}
	}
	return nil
}

// rate is the host's rate and energy for the command's class.
func (h *Host) rate(cfg *Config) HostRate {
	if h.Class == HostDepthwise {
		return cfg.Host.Depthwise
	}
	return cfg.Host.GEMM
}

// TrafficBytes is what the command reads from and writes to DRAM.
func (h *Host) TrafficBytes() (read, write uint64) {
	read = uint64(h.ConstBytes)
	for _, r := range h.Inputs {
		read += uint64(r.Bytes)
	}
	return read, uint64(h.Output.Bytes)
}

// Micros is the command's time on the host in microseconds: the hand-off,
// the MACs at the class's rate, and the DRAM traffic at the DRAM's
// bandwidth (the CPU shares it with the NPU; docs/exact.md).
func (h *Host) Micros(cfg *Config) float64 {
	read, write := h.TrafficBytes()
	us := float64(h.MACs) / (h.rate(cfg).MACsPerCycle * cfg.Host.ClockMHz)
	us += float64(read+write) / (cfg.DRAM.BandwidthGBps * 1e3)
	if h.Handoff {
		us += cfg.Host.HandoffUs
	}
	return us
}

// Cycles is the command's time in NPU cycles (rounded up), at least one.
func (h *Host) Cycles(cfg *Config) int { return max(cfg.HostCycles(h.Micros(cfg)), 1) }

// Counters are the command's actions: its MACs by class, its hand-off and
// its DRAM traffic.
func (h *Host) Counters(*Config) Counters {
	var k Counters
	k.DRAMRead, k.DRAMWrite = h.TrafficBytes()
	if h.Class == HostDepthwise {
		k.Host.DepthwiseMACs = h.MACs
	} else {
		k.Host.GEMMMACs = h.MACs
	}
	if h.Handoff {
		k.Host.Handoffs = 1
	}
	return k
}
