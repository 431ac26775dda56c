package npu

import "fmt"

// FusionConfig lists the datapaths that layers fused by a vendor driver
// use. A preset without them cannot run those fusions: a policy asking for
// one is an error naming both.
type FusionConfig struct {
	// Residual is a second multiplier in each requantization lane that
	// rescales an 8-bit skip operand and adds it before the one rounding
	// (RequantAdd): a residual ADD folds into the convolution producing one
	// of its operands.
	Residual *ResidualPath `yaml:"residual"`
	// WideDepthwise lets the requantization unit write 16-bit outputs and
	// the vector unit's depthwise path read them (RequantWide,
	// DepthwiseWide): a 16-bit intermediate between an expansion
	// convolution and the depthwise layer fused with it.
	WideDepthwise *WidePath `yaml:"wide_depthwise"`
}

// ResidualPath is the requantization unit's residual datapath.
type ResidualPath struct {
	Lanes       int     `yaml:"lanes"`
	PJPerOutput float64 `yaml:"pj_per_output"`
}

// WidePath is the 16-bit activation path into the depthwise unit: a 16x8
// multiply takes two of the vector unit's lanes.
type WidePath struct {
	MACpJ float64 `yaml:"mac_pj"`
}

// checkFusion checks the fused datapaths.
func (c *Config) checkFusion() error {
	if r := c.Fusion.Residual; r != nil {
		switch {
		case r.Lanes < 1 || r.Lanes > 4096:
			return fmt.Errorf("fusion.residual.lanes: must be from 1 to 4096, got %d", r.Lanes)
		case !energyOK(r.PJPerOutput):
			return fmt.Errorf("fusion.residual.pj_per_output: must be >= 0, got %v", r.PJPerOutput)
		}
	}
	if w := c.Fusion.WideDepthwise; w != nil {
		switch {
		case !c.Vector.Depthwise:
			return fmt.Errorf("fusion.wide_depthwise: needs the vector unit's depthwise path (vector.depthwise)")
		case !energyOK(w.MACpJ):
			return fmt.Errorf("fusion.wide_depthwise.mac_pj: must be >= 0, got %v", w.MACpJ)
		}
	}
	return nil
}
