package reports

import (
	"fmt"

	"github.com/npusim/npusim/sim/campaign"
)

// ranDevice fabricates a device that ran: bit-identical exactly when its
// largest error is 0 LSB, within NNAPI's limit (1 LSB) when it is at most
// 1, at a nominal clock with all its SRAM and no DRAM load.
func ranDevice(id int, hw, policy string, temperatureC float64, maxLSB int64, latencyMs, energyUJ float64) campaign.DeviceResult {
	return campaign.DeviceResult{
		Device: id, HW: hw, Policy: policy, Seed: 1_000_003 + uint64(id),
		State:     campaign.DeviceState{Run: id % 7, TemperatureC: temperatureC, ClockFactor: 1},
		Identical: maxLSB == 0,
		Digest:    fmt.Sprintf("%064x", maxLSB),
		MaxLSB:    maxLSB,
		Changed:   0.01 * float64(maxLSB),
		NNAPIPass: maxLSB <= 1,
		LatencyMs: latencyMs,
		EnergyUJ:  energyUJ,
	}
}

func flips(d campaign.DeviceResult, n int) campaign.DeviceResult {
	d.Top1Flips = &n
	return d
}

func diverges(d campaign.DeviceResult, step int) campaign.DeviceResult {
	d.DivergenceStep = &step
	return d
}

// failedDevice fabricates a device that cannot run, with its state.
func failedDevice(id int, hw, policy, err string) campaign.DeviceResult {
	return campaign.DeviceResult{
		Device: id, HW: hw, Policy: policy, Seed: 1_000_003 + uint64(id),
		State: campaign.DeviceState{Run: 3, TemperatureC: 52.5, ClockFactor: 1, SRAMHeld: 0.5, Load: 0.25},
		Error: err,
	}
}

const sramError = "tiny with 50% of its SRAM held by another client: sram.accumulator_kib: must be > 0, got 0"

// classifierFleet is a fleet of 12 devices of a classifier, device i on
// hardware i mod 2 under policy (i / 2) mod 3, as campaign.FleetSpec assigns
// them:
//
//	mobile-npu, reference:      0 (36 C, 0 LSB), 6 (70 C, 0 LSB)
//	mobile-npu, vendor-a@1.1:   2 (1 LSB), 8 (1 LSB, 1 flip)
//	mobile-npu, vendor-dynamic: 4 (40 C, 0 LSB), 10 (80 C, 3 LSB, 2 flips)
//	tiny, reference:            1 (0 LSB), 7 cannot run
//	tiny, vendor-a@1.1:         3 (1 LSB), 9 (2 LSB, 3 flips)
//	tiny, vendor-dynamic:       5 and 11 cannot run
//
// Nine devices ran: four bit-identical (0, 1, 4, 6), three within NNAPI's
// limit but changed (2, 3, 8), two beyond it (9, 10).
func classifierFleet() (campaign.FleetSpec, []campaign.DeviceResult) {
	spec := campaign.FleetSpec{
		Workload: "digits-cnn", Devices: 12, Seed: 1, Samples: 8,
		HW:       []string{"mobile-npu", "tiny"},
		Policies: []string{"reference", "vendor-a@1.1", "vendor-dynamic"},
	}
	const ref, va, dyn = "reference", "vendor-a@1.1", "vendor-dynamic"
	return spec, []campaign.DeviceResult{
		flips(ranDevice(0, "mobile-npu", ref, 36, 0, 1.0, 10), 0),
		flips(ranDevice(1, "tiny", ref, 41, 0, 4, 20), 0),
		flips(ranDevice(2, "mobile-npu", va, 50, 1, 0.8, 8), 0),
		flips(ranDevice(3, "tiny", va, 45, 1, 3, 16), 0),
		flips(ranDevice(4, "mobile-npu", dyn, 40, 0, 1.0, 10), 0),
		failedDevice(5, "tiny", dyn, sramError),
		flips(ranDevice(6, "mobile-npu", ref, 70, 0, 1.2, 12), 0),
		failedDevice(7, "tiny", ref, "tiny: the job does not fit"),
		flips(ranDevice(8, "mobile-npu", va, 62, 1, 0.8, 8), 1),
		flips(ranDevice(9, "tiny", va, 80, 2, 3, 16), 3),
		flips(ranDevice(10, "mobile-npu", dyn, 80, 3, 0.9, 9), 2),
		failedDevice(11, "tiny", dyn, sramError),
	}
}

// recurrentFleet is a fleet of 6 devices of a recurrent workload on one
// hardware: the reference's (0, 2, 4) never diverge; vendor-dynamic's
// diverge at steps 5 (1) and 3 (3), and 5 does not.
func recurrentFleet() (campaign.FleetSpec, []campaign.DeviceResult) {
	spec := campaign.FleetSpec{
		Workload: "rnn-unrolled", Devices: 6, Seed: 2,
		HW:       []string{"mobile-npu"},
		Policies: []string{"reference", "vendor-dynamic"},
	}
	return spec, []campaign.DeviceResult{
		diverges(ranDevice(0, "mobile-npu", "reference", 38, 0, 2, 5), 0),
		diverges(ranDevice(1, "mobile-npu", "vendor-dynamic", 77, 4, 1.5, 4), 5),
		diverges(ranDevice(2, "mobile-npu", "reference", 66, 0, 2, 5), 0),
		diverges(ranDevice(3, "mobile-npu", "vendor-dynamic", 88, 2, 1.5, 4), 3),
		diverges(ranDevice(4, "mobile-npu", "reference", 35, 0, 2, 5), 0),
		diverges(ranDevice(5, "mobile-npu", "vendor-dynamic", 45, 0, 2, 5), 0),
	}
}
