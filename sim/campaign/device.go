package campaign

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
)

// DeviceState is what a phone's NPU looks like to its driver at the start
// of one inference: how hot the die is (and so the DVFS clock it runs at),
// how much of the scratchpads another client holds, and how much of the
// DRAM bandwidth other clients use.
type DeviceState struct {
	Run          int     `json:"run"`
	TemperatureC float64 `json:"temperatureC"`
	// ClockFactor is the DVFS level: 1 at nominal clock, less when the
	// device throttles.
	ClockFactor float64 `json:"clockFactor"`
	// SRAMHeld is the share of every scratchpad another client holds.
	SRAMHeld float64 `json:"sramHeld"`
	// Load is the share of DRAM bandwidth other clients use.
	Load float64 `json:"load"`
}

// Device is a simulated phone whose state evolves from run to run, a
// seeded stochastic model of what else the phone does: the ambient heat
// switches between idle (35 C) and a demanding foreground app (78 C) and the
// die temperature follows it with noise; the clock throttles at 75 C and 85
// C; a camera or DSP client sometimes holds a quarter or half of the
// scratchpads; other clients load the DRAM. The state of run r is a pure
// function of (seed, r).
type Device struct {
	Seed  uint64
	rng   *rand.Rand
	state DeviceState
	hot   bool
}

// NewDevice starts a device in its seeded initial state.
func NewDevice(seed uint64) *Device {
	d := &Device{Seed: seed, rng: rand.New(rand.NewPCG(seed, 0x646576696365))}
	d.state = DeviceState{Run: -1, TemperatureC: 30 + 10*d.rng.Float64()}
	return d
}

// Next advances the device to its next run and returns that run's state.
func (d *Device) Next() DeviceState {
	r := d.rng
	if r.Float64() < 0.2 {
		d.hot = !d.hot
	}
	ambient := 35.0
	if d.hot {
		ambient = 78
	}
	s := &d.state
	s.Run++
	s.TemperatureC += 0.35*(ambient-s.TemperatureC) + 3*r.NormFloat64()
	s.ClockFactor = 1
	switch {
	case s.TemperatureC > 85:
		s.ClockFactor = 0.6
	case s.TemperatureC > 75:
		s.ClockFactor = 0.8
	}
	if r.Float64() < 0.3 {
		s.SRAMHeld = []float64{0, 0.25, 0.5}[r.IntN(3)]
	}
	s.Load = math.Round(4*0.8*r.Float64()) / 4 // 0, 0.25, 0.5 or 0.75 (rounded to keep configurations few)
	return *s
}

// StateAt returns the state of run r of a device (r >= 0).
func StateAt(seed uint64, r int) DeviceState {
	d := NewDevice(seed)
	var s DeviceState
	for range r + 1 {
		s = d.Next()
	}
	return s
}

// Conditions is the state as a driver sees it.
func (s DeviceState) Conditions() drivers.Conditions {
	return drivers.Conditions{TemperatureC: s.TemperatureC, FreeSRAM: 1 - s.SRAMHeld, Load: s.Load}
}

// Apply returns the hardware as this job gets it in the state: the clock
// scaled by the DVFS level, each scratchpad reduced by what the other client
// holds, the DRAM bandwidth reduced by the other clients' load.
func (s DeviceState) Apply(hw *npu.Config) (*npu.Config, error) {
	c := *hw
	c.ClockMHz = hw.ClockMHz * s.ClockFactor
	free := 1 - s.SRAMHeld
	c.SRAM.ActivationKiB = max(int(float64(hw.SRAM.ActivationKiB)*free), 1)
	c.SRAM.WeightKiB = max(int(float64(hw.SRAM.WeightKiB)*free), 1)
	c.SRAM.AccumulatorKiB = max(int(float64(hw.SRAM.AccumulatorKiB)*free), 1)
	c.DRAM.BandwidthGBps = hw.DRAM.BandwidthGBps * (1 - s.Load)
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s with %.0f%% of its SRAM held by another client and a DRAM load of %g: %w",
			hw.Name, 100*s.SRAMHeld, s.Load, err)
	}
	return &c, nil
}
