package npu

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/npusim/npusim/quant"
)

func TestParseHWSpec(t *testing.T) {
	for _, c := range []struct {
		in, canonical, digest string
		keys                  []string
	}{
		{"mobile-npu", "mobile-npu", "", nil},
		{"mobile-npu{}", "mobile-npu{}", "", nil},
		{"mobile-npu{array=16x16, requant=[mult16,fp32], sram.activation_kib=256}",
			"mobile-npu{array=16x16, requant=[mult16, fp32], sram.activation_kib=256}", "", []string{"array", "requant", "sram.activation_kib"}},
		{"  tiny{ clock_mhz = 400 }#0a1b2c3d ", "tiny{clock_mhz=400}", "0a1b2c3d", []string{"clock_mhz"}},
		{"hw/my npu.yaml{requant=[ ]}", "hw/my npu.yaml{requant=[]}", "", []string{"requant"}},
		{"low-cost#0123456789abcdef", "low-cost", "0123456789abcdef", nil},
	} {
		s, err := ParseHWSpec(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		var keys []string
		for _, o := range s.Overrides {
			keys = append(keys, o.Key)
		}
		if s.String() != c.canonical || s.Digest != c.digest || !reflect.DeepEqual(keys, c.keys) {
			t.Errorf("%q: %q digest %q keys %v, want %q digest %q keys %v", c.in, s, s.Digest, keys, c.canonical, c.digest, c.keys)
		}
	}
}

// TestHWSpecErrors lists every error of the override syntax and of the
// values: each names the key (or what is malformed) in one line.
func TestHWSpecErrors(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{"{array=8x8}", "no preset or file before the overrides"},
		{"mobile-npu{array=8x8", "one pair of braces at the end"},
		{"mobile-npu{array=8x8}{clock_mhz=1}", "one pair of braces at the end"},
		{"mobile-npu{array}", `want key=value, got "array"`},
		{"mobile-npu{=3}", `want key=value, got "=3"`},
		{"mobile-npu{clock_mhz=}", "clock_mhz: no value"},
		{"mobile-npu{clock_mhz=1, clock_mhz=2}", "clock_mhz: given twice"},
		{"mobile-npu{requant=[mult16}", "unbalanced [ in"},
		{"mobile-npu{requant=mult16]}", "unbalanced ] in"},
		{"mobile-npu{requant=[[mult16]]}", "lists do not nest"},
		{"mobile-npu{requant=[mult16]x}", "requant: a list is written [a, b]"},
		{"mobile-npu{array=16}", `array: want ROWSxCOLS such as 16x16, got "16"`},
		{"mobile-npu{array=[16, 16]}", "array: want ROWSxCOLS"},
		{"mobile-npu{array=0x16}", "array.rows: must be from 1 to 1024, got 0"},
		{"mobile-npu{array=4096x16}", "array.rows: must be from 1 to 1024, got 4096"},
		{"mobile-npu{foo=3}", `unknown key "foo" (keys here: area.*, array, array.*, clock_mhz, dma.*, dram.*, energy.*, fusion.*, host.*, operating_points, requant, requant.*, sram.*, vector.*)`},
		{"mobile-npu{name=x}", `unknown key "name"`},
		{"mobile-npu{sram.act=3}", `unknown key "sram.act" (keys here: sram.accumulator_kib, sram.activation_kib, sram.weight_kib)`},
		{"mobile-npu{clock_mhz.x=3}", `unknown key "clock_mhz.x": clock_mhz is a single value`},
		{"mobile-npu{sram=3}", "sram: not a single value (a struct)"},
		{"mobile-npu{clock_mhz=fast}", `clock_mhz: want a number, got "fast"`},
		{"mobile-npu{sram.weight_kib=1.5}", `sram.weight_kib: want a whole number, got "1.5"`},
		{"mobile-npu{vector.depthwise=maybe}", `vector.depthwise: want true or false, got "maybe"`},
		{"mobile-npu{clock_mhz=[1, 2]}", "clock_mhz: takes one value, got the list [1, 2]"},
		{"mobile-npu{sram.activation_kib=0}", "sram.activation_kib: must be > 0 and <= 1048576, got 0"},
		{"mobile-npu{array.dataflow=diagonal}", "array.dataflow: must be ws or os, got diagonal"},
		{"mobile-npu{dram.bandwidth_gbps=-1}", "dram.bandwidth_gbps: must be from 0.001 to 10000, got -1"},
		{"mobile-npu{area.node_nm=2}", "area.node_nm: must be from 3 to 180, got 2"},
		{"mobile-npu{area.sram_ports=0}", "area.sram_ports: must be from 1 to 8, got 0"},
		{"mobile-npu{requant=[]}", "requant: want a list of modes"},
		{"mobile-npu{requant=mult16}", "requant: want a list of modes"},
		{"mobile-npu{requant=[mult17]}", `requant: unknown requantization variant "mult17"`},
		{"mobile-npu{requant=[mult16:0]}", `requant: mult16: lanes must be a whole number from 1 to 4096, got "0"`},
		{"mobile-npu{requant=[mult16, mult16]}", "requant.modes[1].variant: mult16 is listed twice"},
		{"mobile-npu{requant=[truncate/20]}", "requant: truncate/20 has no energy figure in mobile-npu or mobile-npu"},
		{"mobile-npu{requant.lanes=0}", "requant.lanes: must be a whole number from 1 to 4096"},
		{"mobile-npu{array.accumulators=[acc24]}", `array.accumulators: want accBITS-OVERFLOW such as acc24-saturate, got "acc24"`},
		{"mobile-npu{array.accumulators=[acc20-wrap]}", "array.accumulators: acc20-wrap: no such mode"},
		{"mobile-npu{array.accumulators=[acc24-clip]}", "array.accumulators: acc24-clip: no such mode"},
		{"mobile-npu{array.accumulators=[acc24-]}", "array.accumulators: want accBITS-OVERFLOW"},
		{"mobile-npu{array.accumulators=acc32-wrap}", "array.accumulators: want a list of modes"},
		{"mobile-npu{array.accumulators=[acc32-wrap, acc24-saturate, acc32-wrap]}", "array.accumulators[2]: 32-bit wrap is listed twice"},
		{"mobile-npu{array=512x512}", "sram.weight_kib: 262144 bytes cannot hold one weight tile"}, // fits no longer: the tile check names the scratchpad
		{"nosuch{array=8x8}", "hw nosuch: no such preset"},
		{"mobile-npu{array=8x8}#deadbeef", "the configuration's digest is e0643ccc, not deadbeef"},
	} {
		_, err := LoadConfig(c.spec)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", c.spec, err, c.want)
		}
	}
}

// TestOverridesApply checks what each kind of override sets.
func TestOverridesApply(t *testing.T) {
	c, err := LoadConfig("low-cost{array=8x12, requant=[mult16, double-rounding:16], array.accumulators=[acc32-wrap, acc24-saturate], dram.bandwidth_gbps=12.8, array.dataflow=os, clock_mhz=600}")
	if err != nil {
		t.Fatal(err)
	}
	mobile, err := LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	dr, _ := mobile.RequantMode(quant.VariantDoubleRounding)
	acc32, _ := mobile.AccumulatorMode(32, Wrap)
	want := []RequantMode{{Variant: quant.VariantMult16, Lanes: 32, PJPerOutput: 0.07}, {Variant: quant.VariantDoubleRounding, Lanes: 16, PJPerOutput: dr.PJPerOutput}}
	switch {
	case c.Array.Rows != 8 || c.Array.Cols != 12 || c.Array.Dataflow != OutputStationary || c.ClockMHz != 600 || c.DRAM.BandwidthGBps != 12.8:
		t.Errorf("array %dx%d %s, clock %v, DRAM %v GB/s", c.Array.Rows, c.Array.Cols, c.Array.Dataflow, c.ClockMHz, c.DRAM.BandwidthGBps)
	case !reflect.DeepEqual(c.Requant.Modes, want):
		t.Errorf("requant modes %+v, want %+v (low-cost's own mult16, mobile-npu's double rounding)", c.Requant.Modes, want)
	case !reflect.DeepEqual(c.Array.Accumulators, []AccumulatorMode{acc32, {Bits: 24, Overflow: Saturate, MACpJ: 0.046}}):
		t.Errorf("accumulators %+v", c.Array.Accumulators)
	case c.Name != "low-cost{array=8x12, requant=[mult16, double-rounding:16], array.accumulators=[acc32-wrap, acc24-saturate], dram.bandwidth_gbps=12.8, array.dataflow=os, clock_mhz=600}":
		t.Errorf("name %q", c.Name)
	}
	// requant.lanes keeps the ratio between modes: mobile-npu's 32-lane
	// modes get 16, mult16 (64) gets 32.
	half, err := LoadConfig("mobile-npu{requant.lanes=16}")
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range half.Requant.Modes {
		if m.Lanes*2 != mobile.Requant.Modes[i].Lanes {
			t.Errorf("requant.lanes=16: %v has %d lanes, mobile-npu %d", m.Variant, m.Lanes, mobile.Requant.Modes[i].Lanes)
		}
	}
}

// TestOverrideEqualToPresetIsThePreset: an override that changes nothing
// gives the preset's contents and digest; a digest suffix checks them.
func TestOverrideEqualToPresetIsThePreset(t *testing.T) {
	preset, err := LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	same, err := LoadConfig("mobile-npu{array=32x32, sram.activation_kib=512, requant.lanes=32}#" + preset.Digest()[:8])
	if err != nil {
		t.Fatal(err)
	}
	a, b := *preset, *same
	a.Name, a.Source, b.Name, b.Source = "", nil, "", nil
	if !reflect.DeepEqual(a, b) || same.Digest() != preset.Digest() {
		t.Errorf("an override equal to the preset changed it: %+v", b)
	}
	src, err := same.canonicalYAML()
	if err != nil || !bytes.Equal(src, same.Source) {
		t.Errorf("source of an overridden config is not its canonical YAML (%v)", err)
	}
	if other, _ := LoadConfig("mobile-npu{clock_mhz=999}"); other.Digest() == preset.Digest() {
		t.Error("different contents share a digest")
	}
}

// TestOverrideOnFile: a YAML file is a base like a preset, and the base
// file is never changed.
func TestOverrideOnFile(t *testing.T) {
	data, err := presetFiles.ReadFile("presets/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "my-npu.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path + "{array=4x4}")
	if err != nil || c.Array.Rows != 4 {
		t.Fatalf("override on a file: %v", err)
	}
	base, err := LoadConfig(path)
	if err != nil || base.Array.Rows != 8 {
		t.Fatalf("the base file changed: %v", err)
	}
}
