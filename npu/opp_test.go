package npu

import (
	"strings"
	"testing"
)

// TestVoltageFollowsTheOperatingPoints: the rail runs at the voltage of the
// slowest operating point that reaches the clock (mobile-npu carries the
// RK3588 NPU's table: 700 mV up to 700 MHz, then 750, 800, 850 mV).
func TestVoltageFollowsTheOperatingPoints(t *testing.T) {
	cfg, err := LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ mhz, mv float64 }{{1000, 850}, {950, 850}, {900, 800}, {800, 750}, {600, 700}, {250, 700}} {
		cfg.ClockMHz = c.mhz
		if got := cfg.VoltageMV(); got != c.mv {
			t.Errorf("%v MHz: %v mV, want %v", c.mhz, got, c.mv)
		}
		if got, want := cfg.DynamicScale(), (c.mv/850)*(c.mv/850); got != want {
			t.Errorf("%v MHz: dynamic energy x%v, want x%v", c.mhz, got, want)
		}
		if got, want := cfg.LeakageScale(), c.mv/850; got != want {
			t.Errorf("%v MHz: leakage x%v, want x%v", c.mhz, got, want)
		}
	}
}

// TestOperatingPointErrors: a bad table is an error naming the field.
func TestOperatingPointErrors(t *testing.T) {
	cases := []struct {
		name, yaml, want string
	}{
		{"voltage falls", "operating_points: [{mhz: 500, mv: 800}, {mhz: 1000, mv: 700}]\n", "operating_points[1].mv: voltages must not fall"},
		{"clocks repeat", "operating_points: [{mhz: 1000, mv: 800}, {mhz: 1000, mv: 850}]\n", "operating_points[1].mhz: clocks must rise"},
		{"clock above the table", "operating_points: [{mhz: 500, mv: 700}]\n", "clock_mhz: 1000 is above the highest operating point, 500 MHz"},
		{"no voltage for the energy table", "operating_points: [{mhz: 1000, mv: 850}]\n", "energy.at_mv: must be > 0"},
	}
	base, err := presetFiles.ReadFile("presets/mobile-npu.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(base)
	text = text[:strings.Index(text, "operating_points:")]
	for _, c := range cases {
		yaml := text + c.yaml
		if c.name == "no voltage for the energy table" {
			yaml = strings.Replace(yaml, "at_mv: 850", "at_mv: 0", 1)
		}
		_, err := ParseConfig("x.yaml", []byte(yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
