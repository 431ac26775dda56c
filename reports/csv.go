package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/area"
	"github.com/npusim/npusim/sim/experiment"
)

// csvColumns are the columns of results.csv before the energy breakdown
// (energy_pj_<component>, one per npu.Component) and the error. Each shows
// an empty field where it does not apply; for a cell that could not run,
// every field but its names and the error is empty.
var csvColumns = []column[cell]{
	{"samples", func(c cell) string { return strconv.Itoa(c.Samples) }},
	{"latency_ms", func(c cell) string { return number(c.LatencyMs) }},
	{"cycles", func(c cell) string { return strconv.FormatUint(c.Cycles, 10) }},
	{"energy_uj", func(c cell) string { return number(c.EnergyUJ) }},
	{"speed_vs_reference", func(c cell) string { return optional(c.speedup()) }},
	{"energy_vs_reference", func(c cell) string { return optional(c.energyRatio()) }},
	{"max_lsb", func(c cell) string { return strconv.FormatInt(c.Output.MaxLSB, 10) }},
	{"changed", func(c cell) string { return number(c.Output.Changed) }},
	{"mean_error_lsb", func(c cell) string { return number(c.Output.MeanError) }},
	{"snr_db", func(c cell) string { return snrField(&c.Output) }},
	{"top1_agreement", func(c cell) string { return optionalPtr(c.Top1Agreement) }},
	{"accuracy", func(c cell) string { return optionalPtr(c.Accuracy) }},
	{"reference_accuracy", func(c cell) string { return optionalPtr(c.ReferenceAccuracy) }},
	{"divergence_step", func(c cell) string { return optionalInt(c.DivergenceStep) }},
	{"nnapi_limit_lsb", func(c cell) string { return strconv.FormatInt(c.NNAPILimit, 10) }},
	{"nnapi_pass", func(c cell) string { return strconv.FormatBool(c.NNAPIPass) }},
	{"mac_utilization", func(c cell) string { return number(c.MACUtilization) }},
	{"dram_bytes", func(c cell) string { return strconv.FormatUint(c.DRAMBytes, 10) }},
	{"digest", func(c cell) string { return c.Digest }},
	{"reference_digest", func(c cell) string { return c.RefDigest }},
	{"caveat", func(c cell) string { return c.Caveat }},
	{"area_mm2", func(c cell) string {
		return hardwareField(c.Result, func(h *area.Summary) float64 { return h.TotalMM2 })
	}},
	{"exact_area_mm2", func(c cell) string {
		return hardwareField(c.Result, func(h *area.Summary) float64 { return h.ExactMM2 })
	}},
	{"exact_area_share", func(c cell) string {
		return hardwareField(c.Result, func(h *area.Summary) float64 { return h.ExactShare })
	}},
}

// number formats a float in the shortest form that reads back exactly,
// without an exponent.
func number(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// optional is a number, or an empty field when it does not apply.
func optional(x float64, ok bool) string {
	if !ok {
		return ""
	}
	return number(x)
}

// optionalPtr is a number, or an empty field when absent.
func optionalPtr(x *float64) string {
	if x == nil {
		return ""
	}
	return number(*x)
}

// optionalInt is a whole number, or an empty field when absent.
func optionalInt(x *int) string {
	if x == nil {
		return ""
	}
	return strconv.Itoa(*x)
}

// snrField is the SNR in dB: "inf" when the values equal the reference's,
// "-inf" when the reference's signal is zero but the values differ.
func snrField(d *experiment.Deviation) string {
	if d.SNRdB != nil {
		return number(*d.SNRdB)
	}
	if d.MaxLSB == 0 {
		return "inf"
	}
	return "-inf"
}

// energyColumn names a component's column: energy_pj_sram_weight.
func energyColumn(c npu.Component) string {
	return "energy_pj_" + strings.ReplaceAll(c.String(), ".", "_")
}

// csvHeader is the header row of results.csv.
func csvHeader() []string {
	h := []string{"workload", "policy", "hw"}
	for _, col := range csvColumns {
		h = append(h, col.header)
	}
	for c := range npu.NumComponents {
		h = append(h, energyColumn(c))
	}
	return append(h, "error")
}

// csvRecord is one cell's row of results.csv.
func csvRecord(c cell) []string {
	rec := []string{c.Workload, c.Policy, c.HW}
	failed := c.Error != ""
	for _, col := range csvColumns {
		v := ""
		if !failed {
			v = col.show(c)
		}
		rec = append(rec, v)
	}
	for comp := range npu.NumComponents {
		v := ""
		if !failed {
			v = number(c.EnergyPJ[comp])
		}
		rec = append(rec, v)
	}
	return append(rec, c.Error)
}

// WriteCSV writes results.csv: a header row and one row per cell, in the
// given order, with the numbers of the sweep table unformatted (latency in
// ms, energy per inference in uJ, ratios to the reference policy, shares as
// fractions, SNR in dB with "inf" for exact outputs), the full digests and
// the energy breakdown per component in pJ. Fields that do not apply are
// empty. The file is replaced atomically.
func WriteCSV(path string, results []*experiment.Result) error {
	records := [][]string{csvHeader()}
	for _, c := range withReferences(results) {
		records = append(records, csvRecord(c))
	}
	return writeCSV(path, records)
}

// writeCSV writes records to a CSV file, replaced atomically.
func writeCSV(path string, records [][]string) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(records); err != nil {
			return err
		}
		return cw.Error()
	})
}
