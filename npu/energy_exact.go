package npu

import "fmt"

// VectorIntCounters are the lane operations of the vector unit's integer
// datapath: multiplies by width, everything else as Ops.
type VectorIntCounters struct {
	Ops   uint64 `json:"ops"`
	Mul16 uint64 `json:"mul16"`
	Mul32 uint64 `json:"mul32"`
}

func (c *VectorIntCounters) add(o VectorIntCounters) {
	c.Ops += o.Ops
	c.Mul16 += o.Mul16
	c.Mul32 += o.Mul32
}

// HostCounters are the host CPU's MACs by kernel class and its hand-offs.
type HostCounters struct {
	GEMMMACs      uint64 `json:"gemmMacs"`
	DepthwiseMACs uint64 `json:"depthwiseMacs"`
	Handoffs      uint64 `json:"handoffs"`
}

func (c *HostCounters) add(o HostCounters) {
	c.GEMMMACs += o.GEMMMACs
	c.DepthwiseMACs += o.DepthwiseMACs
	c.Handoffs += o.Handoffs
}

// priceVectorInt is the energy of integer lane operations; counting any on
// hardware without the datapath (or a 32x32 multiply on a 16-bit one) is an
// error, never zero energy.
func (cfg *Config) priceVectorInt(c VectorIntCounters) (float64, error) {
	if c == (VectorIntCounters{}) {
		return 0, nil
	}
	v := cfg.Vector.Integer
	if v == nil {
		return 0, fmt.Errorf("pricing vector integer operations: the vector unit of %s has no integer datapath", cfg.Name)
	}
	if c.Mul32 > 0 && v.MultiplierBits < 32 {
		return 0, fmt.Errorf("pricing vector integer operations: the vector unit of %s has %d-bit multipliers, not 32x32",
			cfg.Name, v.MultiplierBits)
	}
	return float64(c.Ops)*v.OpPJ + float64(c.Mul16)*v.Mul16PJ + float64(c.Mul32)*v.Mul32PJ, nil
}

// priceHost is the energy of the host CPU's MACs and hand-offs.
func (cfg *Config) priceHost(c HostCounters) (float64, error) {
	if c == (HostCounters{}) {
		return 0, nil
	}
	h := cfg.Host
	if h == nil {
		return 0, fmt.Errorf("pricing host work: %s has no host CPU", cfg.Name)
	}
	macs := float64(c.GEMMMACs)*h.GEMM.MACpJ + float64(c.DepthwiseMACs)*h.Depthwise.MACpJ
	return macs + float64(c.Handoffs)*h.HandoffUJ*1e6, nil
}
