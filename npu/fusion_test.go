package npu

import (
	"strings"
	"testing"
)

// TestFusedCommandsNeedTheirDatapaths: the commands of vendor fusions are
// refused by hardware without the datapath they use, by name, and a
// datapath's counters are never priced at zero on hardware without it.
func TestFusedCommandsNeedTheirDatapaths(t *testing.T) {
	load := func(name string) *Config {
		cfg, err := LoadConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	win := Im2col{RowStride: 2, PixelStride: 2, TileH: 1, TileW: 1, ImageH: 1, ImageW: 1, OutW: 1,
		FilterH: 1, FilterW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Channels: 1}
	cases := []struct {
		hw   string
		op   Operation
		want string
	}{
		{"edge-tpu-like", &RequantAdd{M: 1, N: 1}, "has no residual path"},
		{"tiny", &DepthwiseWide{Depthwise{In: win, Pixels: 1, Multiplier: 1, Mode: Accumulation{Bits: 32, Overflow: Wrap}}}, "has no 16-bit depthwise path"},
		{"low-cost", &RequantWide{Requant{M: 1, N: 1}}, "has no 16-bit intermediate path"},
	}
	for _, c := range cases {
		if err := c.op.Check(load(c.hw), 0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s on %s: error %v, want %q", c.op.Name(), c.hw, err, c.want)
		}
	}
	cfg := load("edge-tpu-like")
	if _, err := cfg.price(&RequantAdd{}, &Counters{ResidualOutputs: 1}); err == nil {
		t.Error("residual outputs priced on hardware without the path")
	}
	mobile := load("mobile-npu")
	e, err := mobile.price(&DepthwiseWide{}, &Counters{WideMACs: 10})
	if err != nil || e[CompVector] != 10*mobile.Fusion.WideDepthwise.MACpJ {
		t.Errorf("10 wide MACs priced %v pJ (%v), want 10 x %v", e[CompVector], err, mobile.Fusion.WideDepthwise.MACpJ)
	}
	bad := *mobile
	bad.Vector.Depthwise = false
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "fusion.wide_depthwise: needs the vector unit's depthwise path") {
		t.Errorf("validate: %v", err)
	}
}
