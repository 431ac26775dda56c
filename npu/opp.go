package npu

import "fmt"

// OperatingPoint is one point of an NPU's DVFS table: a clock and the
// supply voltage its rail needs to run at it.
type OperatingPoint struct {
	MHz        float64 `yaml:"mhz" json:"mhz"`
	MilliVolts float64 `yaml:"mv" json:"mv"`
}

// Voltage scaling. A preset's energy table (array, requantization, vector
// and SRAM energies, static power) holds at one supply voltage, at_mv: the
// voltage of its nominal clock. When the clock changes (a device state's
// DVFS level), the rail runs at the voltage of the slowest operating point
// that reaches the clock, and
//
//	dynamic energy per action  x (V / at_mv)^2   (E = C V^2 per switched capacitance)
//	static (leakage) power     x  V / at_mv      (P = V I_leak, I_leak held constant)
//
// DRAM energy does not scale: LPDDR has its own rails. The first-order
// leakage model underestimates what a lower voltage saves (subthreshold
// leakage itself falls with V through DIBL); Accelergy's scaling keeps leak
// power constant in V instead. docs/calibration.md gives the sources.

// VoltageMV is the supply voltage at the current clock: that of the first
// operating point whose clock is at least ClockMHz, or at_mv without a
// table.
func (c *Config) VoltageMV() float64 {
	for _, p := range c.OperatingPoints {
		if p.MHz >= c.ClockMHz {
			return p.MilliVolts
		}
	}
	return c.Energy.AtMilliVolts
}

// DynamicScale is the factor on every on-chip dynamic energy at the current
// clock's voltage: (V / at_mv)^2, 1 without a table.
func (c *Config) DynamicScale() float64 {
	if len(c.OperatingPoints) == 0 {
		return 1
	}
	r := c.VoltageMV() / c.Energy.AtMilliVolts
	return r * r
}

// LeakageScale is the factor on static power at the current clock's
// voltage: V / at_mv, 1 without a table.
func (c *Config) LeakageScale() float64 {
	if len(c.OperatingPoints) == 0 {
		return 1
	}
	return c.VoltageMV() / c.Energy.AtMilliVolts
}

// checkOperatingPoints checks the DVFS table: clocks rising, voltages not
// falling, the clock within the table, and the voltage the energy table
// holds at.
func (c *Config) checkOperatingPoints() error {
	if len(c.OperatingPoints) == 0 {
		if c.Energy.AtMilliVolts != 0 {
			return fmt.Errorf("energy.at_mv: set without operating_points")
		}
		return nil
	}
	for i, p := range c.OperatingPoints {
		field := fmt.Sprintf("operating_points[%d]", i)
		switch {
		case !finite(p.MHz) || p.MHz < 1 || p.MHz > 10000:
			return fmt.Errorf("%s.mhz: must be from 1 to 10000, got %v", field, p.MHz)
		case !finite(p.MilliVolts) || p.MilliVolts <= 0 || p.MilliVolts > 5000:
			return fmt.Errorf("%s.mv: must be > 0 and <= 5000, got %v", field, p.MilliVolts)
		case i > 0 && p.MHz <= c.OperatingPoints[i-1].MHz:
			return fmt.Errorf("%s.mhz: clocks must rise, got %v after %v", field, p.MHz, c.OperatingPoints[i-1].MHz)
		case i > 0 && p.MilliVolts < c.OperatingPoints[i-1].MilliVolts:
			return fmt.Errorf("%s.mv: voltages must not fall as clocks rise, got %v after %v",
				field, p.MilliVolts, c.OperatingPoints[i-1].MilliVolts)
		}
	}
	if top := c.OperatingPoints[len(c.OperatingPoints)-1].MHz; c.ClockMHz > top {
		return fmt.Errorf("clock_mhz: %v is above the highest operating point, %v MHz", c.ClockMHz, top)
	}
	if !finite(c.Energy.AtMilliVolts) || c.Energy.AtMilliVolts <= 0 || c.Energy.AtMilliVolts > 5000 {
		return fmt.Errorf("energy.at_mv: must be > 0 and <= 5000 with operating_points, got %v", c.Energy.AtMilliVolts)
	}
	return nil
}
