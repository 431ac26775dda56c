package area

import (
	"math"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

func load(t *testing.T, name string) *npu.Config {
	t.Helper()
	c, err := npu.LoadConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func near(got, want float64) bool { return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want)) }

func TestScaleFollowsTheTable(t *testing.T) {
	for _, c := range []struct {
		from, to, want float64
	}{
		{45, 7, 0.059},                       // a table entry
		{130, 7, 0.0092},                     // a table entry
		{7, 45, 17},                          // a table entry, the other way
		{40, 7, 0.059 + 5.0/13*(0.13-0.059)}, // 5/13 of the way from 45 to 32 nm
		{40, 5, (0.059 + 5.0/13*(0.13-0.059)) * 5 / 7}, // below the table: in proportion to the node
		{7, 7, 1},
	} {
		if got := Scale(c.from, c.to); !near(got, c.want) {
			t.Errorf("Scale(%g, %g) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

// TestWidthRules pins the operand-width rules: a multiplier scales with each
// operand's width (the quadratic rule for both), adders and shifters with
// theirs.
func TestWidthRules(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"32x24 / 32x32 multiplier", Multiplier(32, 24) / Multiplier(32, 32), 0.75},
		{"32x16 / 32x32 multiplier", Multiplier(32, 16) / Multiplier(32, 32), 0.5},
		{"16x16 / 32x32 multiplier", Multiplier(16, 16) / Multiplier(32, 32), 0.25},
		{"8x8 multiplier, um^2", Multiplier(8, 8), 6351.338 / 16},
		{"64-bit adder, um^2", Adder(64), 2 * 277.9792},
		{"48-bit shifter, um^2", Shifter(48), 1.5 * 249.6461},
		{"32x32 multiplier / 32-bit adder", Multiplier32UM2 / Adder32UM2, 6351.338 / 277.9792},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestRequantizerModeDeltas pins the difference in lane area between modes
// to the parts that differ, each from the library's figures at 40 nm.
func TestRequantizerModeDeltas(t *testing.T) {
	const depth = 6
	lane := func(v quant.Variant) float64 { return LaneUM2(v, depth) }
	roundingDivide := 2*Logic32UM2 + 2*Adder32UM2 + Comparator32UM2 + Shifter32UM2
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		// The INT32_MIN saturation is two 32-bit compares.
		{"double-rounding - double-rounding-nosat", lane(quant.VariantDoubleRounding) - lane(quant.VariantDoubleRoundingNoSat), 2 * Comparator32UM2},
		// A 32x16 multiplier is half a 32x32 one; its product register,
		// rounding adder and shifter are 48 bits instead of 64.
		{"single-rounding - mult16", lane(quant.VariantSingleRounding) - lane(quant.VariantMult16),
			Multiplier32UM2/2 + 16*RegisterBitUM2 + Adder32UM2/2 + Shifter32UM2/2},
		{"single-rounding - mult24", lane(quant.VariantSingleRounding) - lane(quant.VariantMult24),
			Multiplier32UM2/4 + 8*RegisterBitUM2 + Adder32UM2/4 + Shifter32UM2/4},
		// Truncation has no rounding adder.
		{"single-rounding - truncate", lane(quant.VariantSingleRounding) - lane(quant.VariantTruncate), 2 * Adder32UM2},
		{"round-half-away - single-rounding", lane(quant.VariantRoundHalfAway) - lane(quant.VariantSingleRounding), Logic32UM2},
		// Double rounding keeps the high half of the product (no product
		// shift) but shifts the accumulator left, saturates and divides.
		{"double-rounding - single-rounding", lane(quant.VariantDoubleRounding) - lane(quant.VariantSingleRounding),
			Shifter32UM2 + 2*Comparator32UM2 + roundingDivide - 2*Shifter32UM2},
		// fp32: DesignWare's multiplier and the conversions instead of the
		// integer path.
		{"fp32 - truncate", lane(quant.VariantFP32) - lane(quant.VariantTruncate),
			FloatMultiplierUM2 + Logic32UM2 + 2*Shifter32UM2 + Adder32UM2/4 + Adder32UM2 - Multiplier32UM2 - 64*RegisterBitUM2 - 2*Shifter32UM2},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %.3f um^2, want %.3f", c.name, c.got, c.want)
		}
	}
	// The ratio the energy table's lanes rest on: the double-rounding lane
	// is 1.71x the 16-bit one (the shared output stage narrows the
	// multipliers' 2x).
	if r := lane(quant.VariantDoubleRounding) / lane(quant.VariantMult16); math.Abs(r-1.7056) > 5e-4 {
		t.Errorf("double-rounding / mult16 lane = %.4f, want 1.7056", r)
	}
}

// TestPresetTotals recomputes each preset's area from the library's figures,
// written out part by part, and holds Of to it.
func TestPresetTotals(t *testing.T) {
	const (
		m, a, r, l, s, c = Multiplier32UM2, Adder32UM2, RegisterBitUM2, Logic32UM2, Shifter32UM2, Comparator32UM2
	)
	scale := Scale(40, 7)
	sramKiB := 8192 * 0.027 / 0.70 * (1 + 1.0/3) // two ports
	// A PE with every accumulator mode of mobile-npu: 8x8 multiplier, 32-bit
	// adder, 8+8+32+3 register bits; 32-bit saturate, 24-bit saturate and
	// wrap, 16-bit saturate and wrap add their selects and compares.
	peAll := m/16 + a + 51*r + (c + l) + (0.75*c + l) + l + (0.5*c + l) + l
	columnSatZero := a + c + l + 9*a/32
	vectorLane := func(depthwise bool) float64 {
		v := a + c + l + 4*32*r
		if depthwise {
			v += m / 16
		}
		return v
	}
	dma := func(outstanding, burst int) float64 {
		return float64(outstanding)*(float64(8*burst)*r+48*r+Counter32UM2) + 4*a
	}
	output := 2*a + 4*c + 6*32*r
	roundingDivide := 2*l + 2*a + c + s
	fp := FloatMultiplierUM2 + l + 2*s + a/4 + a
	// Every mode, the 32-bit ones in L lanes and mult16 in 2L: the 16-bit
	// multipliers, rounding adder and shifter of 2L lanes are the widest.
	allModes := func(L float64) float64 {
		return 2*L*(m/2+48*r) + L*fp + L*s + 2*L*(1.5*a) + 2*L*(1.5*s) + L*2*c + L*roundingDivide + L*l + 2*L*output
	}
	for _, p := range []struct {
		name string
		want float64 // mm^2
	}{
		{"mobile-npu", (scale*(1024*peAll+32*columnSatZero+allModes(32)+32*vectorLane(true)+dma(16, 64)) + 832*sramKiB) / 1e6},
		{"tiny", (scale*(64*peAll+8*columnSatZero+allModes(8)+8*vectorLane(false)+dma(4, 32)) + 28*sramKiB) / 1e6},
		// One wrapping 32-bit mode, symmetric weights; fp32 in 64 lanes.
		{"edge-tpu-like", (scale*(4096*(m/16+a+51*r)+64*a+64*(fp+output)+64*vectorLane(false)+dma(16, 64)) + 8192*sramKiB) / 1e6},
		// One saturating 24-bit mode; mult16 in 32 lanes.
		{"low-cost", (scale*(256*(m/16+0.75*a+43*r+0.75*c+0.75*l)+16*(a+c+l)+32*(m/2+48*r+1.5*a+1.5*s+output)+16*vectorLane(true)+dma(8, 64)) + 176*sramKiB) / 1e6},
	} {
		b := Of(load(t, p.name))
		if got := b.TotalMM2(); !near(got, p.want) {
			t.Errorf("%s: area %.6f mm^2, want %.6f", p.name, got, p.want)
		}
		var sum float64
		for _, u := range Units {
			sum += b.UnitMM2(u)
		}
		if !near(sum, b.TotalMM2()) {
			t.Errorf("%s: units sum to %.6f mm^2, total %.6f", p.name, sum, b.TotalMM2())
		}
	}
	// The figure docs/area.md quotes.
	if got := Of(load(t, "mobile-npu")).TotalMM2(); math.Abs(got-0.5502) > 5e-5 {
		t.Errorf("mobile-npu: %.4f mm^2, want 0.5502", got)
	}
}

// TestExact pins the area spent on exact arithmetic only.
func TestExact(t *testing.T) {
	const (
		m, a, r, s, c = Multiplier32UM2, Adder32UM2, RegisterBitUM2, Shifter32UM2, Comparator32UM2
	)
	scale := Scale(40, 7)
	roundingDivide := 2*Logic32UM2 + 2*a + c + s
	withModes := func(modes ...npu.RequantMode) *npu.Config {
		cfg := *load(t, "mobile-npu")
		cfg.Requant.Modes = modes
		return &cfg
	}
	mode := func(v quant.Variant, lanes int) npu.RequantMode { return npu.RequantMode{Variant: v, Lanes: lanes} }
	for _, e := range []struct {
		name string
		cfg  *npu.Config
		want float64 // um^2 at 40 nm
	}{
		// Every other mode keeps the 32x32 multipliers and 64-bit adder:
		// only the left shift, INT32_MIN compares and rounding divide of the
		// 32 double-rounding lanes serve exactness alone.
		{"mobile-npu", load(t, "mobile-npu"), 32 * (s + 2*c + roundingDivide)},
		{"low-cost", load(t, "low-cost"), 0},
		{"edge-tpu-like", load(t, "edge-tpu-like"), 0},
		// Beside mult16 in as many lanes, double rounding needs the other
		// half of each 32x32 multiplier, 16 more product-register bits and
		// adder bits, and its own stages.
		{"mult16 + double-rounding, 32 lanes each", withModes(mode(quant.VariantMult16, 32), mode(quant.VariantDoubleRounding, 32)),
			32 * (m/2 + 16*r + a/2 + s + 2*c + roundingDivide)},
		// Alone, double rounding is measured against mult16 in its lanes.
		{"double-rounding alone", withModes(mode(quant.VariantDoubleRounding, 32)),
			32 * (m/2 + 16*r + a/2 + s + 2*c + roundingDivide - 1.5*s)},
	} {
		if got, want := Exact(e.cfg), scale*e.want/1e6; !near(got, want) {
			t.Errorf("%s: exact area %.6f mm^2, want %.6f", e.name, got, want)
		}
	}
	sum := Summarize(load(t, "mobile-npu"))
	if math.Abs(sum.ExactShare-0.00687) > 5e-5 || sum.NodeNM != 7 {
		t.Errorf("mobile-npu summary %+v, want 0.687%% of the area on exact arithmetic at 7 nm", sum)
	}
}

// TestWholeChipCheck models a design like Samsung's 5 nm NPU (ISSCC 2021:
// three cores of 2048 int8 MACs, 1 MB of TCM each, 5.46 mm^2) and holds
// the gap docs/area.md states: the model, which counts datapaths and SRAM
// but not control, wiring or placement density, accounts for 27% of the
// published die.
func TestWholeChipCheck(t *testing.T) {
	c := load(t, "mobile-npu{array=64x96, array.accumulators=[acc32-wrap], requant=[double-rounding:96], vector.lanes=96, "+
		"sram.activation_kib=2048, sram.weight_kib=960, sram.accumulator_kib=64, area.node_nm=5, area.sram_bitcell_um2=0.021}")
	const published = 5.46
	got := Of(c).TotalMM2()
	if math.Abs(got-1.4560) > 5e-4 || got/published > 0.27 || got/published < 0.26 {
		t.Errorf("modelled %.4f mm^2, %.1f%% of the published %.2f mm^2; want 1.4560 (26.7%%)", got, 100*got/published, published)
	}
	if s := Scale(40, 5); math.Abs(s-0.0616) > 5e-5 {
		t.Errorf("40 to 5 nm logic scale %.5f, want 0.0616 (0.0863 x 5/7)", s)
	}
}
