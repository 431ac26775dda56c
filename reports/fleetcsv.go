package reports

import (
	"strconv"

	"github.com/npusim/npusim/sim/campaign"
)

// fleetCSVDevice are the columns of fleet.csv that name a device and its
// state; they show even for a device that cannot run.
var fleetCSVDevice = []column[campaign.DeviceResult]{
	{"device", func(d campaign.DeviceResult) string { return strconv.Itoa(d.Device) }},
	{"hw", func(d campaign.DeviceResult) string { return d.HW }},
	{"policy", func(d campaign.DeviceResult) string { return d.Policy }},
	{"seed", func(d campaign.DeviceResult) string { return strconv.FormatUint(d.Seed, 10) }},
	{"run", func(d campaign.DeviceResult) string { return strconv.Itoa(d.State.Run) }},
	{"temperature_c", func(d campaign.DeviceResult) string { return number(d.State.TemperatureC) }},
	{"clock_factor", func(d campaign.DeviceResult) string { return number(d.State.ClockFactor) }},
	{"sram_held", func(d campaign.DeviceResult) string { return number(d.State.SRAMHeld) }},
	{"load", func(d campaign.DeviceResult) string { return number(d.State.Load) }},
}

// fleetCSVOutcome are the columns of fleet.csv about a device's run, empty
// for a device that cannot run (and top1_flips or divergence_step where
// they do not apply).
var fleetCSVOutcome = []column[campaign.DeviceResult]{
	{"identical", func(d campaign.DeviceResult) string { return strconv.FormatBool(d.Identical) }},
	{"digest", func(d campaign.DeviceResult) string { return d.Digest }},
	{"max_lsb", func(d campaign.DeviceResult) string { return strconv.FormatInt(d.MaxLSB, 10) }},
	{"changed", func(d campaign.DeviceResult) string { return number(d.Changed) }},
	{"top1_flips", func(d campaign.DeviceResult) string { return optionalInt(d.Top1Flips) }},
	{"divergence_step", func(d campaign.DeviceResult) string { return optionalInt(d.DivergenceStep) }},
	{"nnapi_pass", func(d campaign.DeviceResult) string { return strconv.FormatBool(d.NNAPIPass) }},
	{"latency_ms", func(d campaign.DeviceResult) string { return number(d.LatencyMs) }},
	{"energy_uj", func(d campaign.DeviceResult) string { return number(d.EnergyUJ) }},
}

// WriteFleetCSV writes fleet.csv: a header row and one row per device, in
// the given order, with every figure of campaign.DeviceResult unrounded: the
// device, its hardware, policy and seed, its state (run, temperature in
// degrees C, DVFS clock factor, share of SRAM held by other clients, share
// of DRAM bandwidth they use), whether its outputs are bit-identical to the
// reference, their digest, the largest error in LSB, the share of changed
// values, top-1 flips or the first diverging step (0 for none), the NNAPI
// verdict, latency in ms and energy in uJ per inference, and the error of a
// device that cannot run (whose outcome fields are empty). The file is
// replaced atomically.
func WriteFleetCSV(path string, devices []campaign.DeviceResult) error {
	header := append(headers(fleetCSVDevice), headers(fleetCSVOutcome)...)
	records := [][]string{append(header, "error")}
	for _, d := range devices {
		var rec []string
		for _, col := range fleetCSVDevice {
			rec = append(rec, col.show(d))
		}
		for _, col := range fleetCSVOutcome {
			v := ""
			if d.Error == "" {
				v = col.show(d)
			}
			rec = append(rec, v)
		}
		records = append(records, append(rec, d.Error))
	}
	return writeCSV(path, records)
}
