package reports

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/npusim/npusim/npu"
)

// tableRows parses a rendered table into its rows of trimmed cells, header
// first.
func tableRows(out string) [][]string {
	var rows [][]string
	for line := range strings.SplitSeq(out, "\n") {
		if !strings.HasPrefix(line, "│") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "│"), "│")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestSweepTable(t *testing.T) {
	var buf bytes.Buffer
	if err := SweepTable(&buf, sweepResults()); err != nil {
		t.Fatal(err)
	}
	rows := tableRows(buf.String())
	header := []string{"workload", "policy", "hw", "latency ms", "cycles", "energy uJ", "speed vs ref", "energy vs ref", "max LSB", "changed", "quality", "NNAPI", "digest", "area mm2", "exact area"}
	if !slices.Equal(rows[0], header) {
		t.Fatalf("header = %q, want %q", rows[0], header)
	}
	want := [][]string{
		{"digits-cnn", "reference", "mobile-npu", "0.01", "10000", "5", "1.00x", "1.00x", "0", "0%", "top-1 100.0%", "PASS (<=1)", "00002710", "-", "-"},
		{"digits-cnn", "mult16", "mobile-npu", "0.008", "8000", "4", "1.25x", "0.80x", "1", "5.0%", "top-1 99.0%", "PASS (<=1)", "00001f40", "-", "-"},
		{"digits-cnn", "truncate", "mobile-npu", "0.009", "9000", "4.5", "1.11x", "0.90x", "2", "10.5%", "top-1 97.0%", "FAIL (>1)", "00002328", "-", "-"},
		{"digits-cnn", "vendor-b", "mobile-npu", "0.0125", "12500", "6", "0.80x", "1.20x", "0", "0%", "top-1 100.0%", "PASS (<=1)", "000030d4", "-", "-"},
		{"digits-cnn", "acc24", "mobile-npu", "error [1]", "", "", "", "", "", "", "", "", "", "", ""},
		{"rnn-unrolled", "reference", "mobile-npu", "0.004", "4000", "2", "1.00x", "1.00x", "0", "0%", "no divergence", "PASS (<=1)", "00000fa0", "-", "-"},
		{"rnn-unrolled", "mult16", "mobile-npu", "0.0032", "3200", "1.6", "1.25x", "0.80x", "3", "0.1%", "diverges at step 3", "FAIL (>1)", "00000c80", "-", "-"},
		{"mac2x3", "mult16", "tiny", "0.0001", "100", "0.01", "-", "-", "1", "100.0%", "-", "PASS (<=1)", "00000064", "0.0379", "2.5%"},
	}
	if len(rows)-1 != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows)-1, len(want), buf.String())
	}
	for i, w := range want {
		if !slices.Equal(rows[i+1], w) {
			t.Errorf("row %d = %q\n         want %q", i+1, rows[i+1], w)
		}
	}
	note := "[1] digits-cnn under acc24 on mobile-npu: policy acc24 asks for 24-bit wrap accumulators, which mobile-npu does not implement\n"
	if !strings.HasSuffix(buf.String(), note) {
		t.Errorf("the table does not end with the error note %q:\n%s", note, buf.String())
	}
}

func TestSignificant(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{0, "0"}, {0.01, "0.01"}, {0.012345, "0.01235"}, {1.5, "1.5"}, {1234.4, "1234"}, {9999.4, "9999"}, {9999.6, "10000"}, {12345.6, "12346"},
	} {
		if got := significant(tc.x); got != tc.want {
			t.Errorf("significant(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
}

func TestShortError(t *testing.T) {
	for _, tc := range []struct {
		name, msg string
		n         int
		want      string
	}{
		{"short", "no such mode", 20, "no such mode"},
		{"first line", "line one\nline two", 20, "line one"},
		{"cut", "abcdefghijklmnopqrstuvwxyz", 10, "abcdefg..."},
	} {
		if got := shortError(tc.msg, tc.n); got != tc.want {
			t.Errorf("%s: shortError = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.csv")
	results := sweepResults()
	if err := WriteCSV(path, results); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"workload", "policy", "hw", "samples", "latency_ms", "cycles", "energy_uj",
		"speed_vs_reference", "energy_vs_reference", "max_lsb", "changed", "mean_error_lsb", "snr_db",
		"top1_agreement", "accuracy", "reference_accuracy", "divergence_step", "nnapi_limit_lsb", "nnapi_pass",
		"mac_utilization", "dram_bytes", "digest", "reference_digest", "caveat", "area_mm2", "exact_area_mm2", "exact_area_share",
		"energy_pj_array", "energy_pj_requant", "energy_pj_vector", "energy_pj_sram_activation",
		"energy_pj_sram_weight", "energy_pj_sram_accumulator", "energy_pj_dram", "energy_pj_static", "energy_pj_host", "error"}
	if !slices.Equal(records[0], header) {
		t.Fatalf("header = %q\n      want %q", records[0], header)
	}
	if len(records) != len(results)+1 {
		t.Fatalf("%d rows, want %d", len(records)-1, len(results))
	}
	col := func(row []string, name string) string { return row[slices.Index(header, name)] }
	for _, tc := range []struct {
		row    int
		fields map[string]string
	}{
		{0, map[string]string{"policy": "reference", "speed_vs_reference": "1", "energy_vs_reference": "1", "snr_db": "inf", "changed": "0", "top1_agreement": "1", "nnapi_pass": "true"}},
		{1, map[string]string{"policy": "mult16", "samples": "2", "latency_ms": "0.008", "cycles": "8000", "energy_uj": "4",
			"speed_vs_reference": "1.25", "energy_vs_reference": "0.8", "max_lsb": "1", "changed": "0.05", "mean_error_lsb": "0.01",
			"snr_db": "30", "top1_agreement": "0.99", "accuracy": "", "divergence_step": "", "nnapi_limit_lsb": "1",
			"digest": "00001f40" + strings.Repeat("0", 56), "reference_digest": strings.Repeat("0", 64), "error": ""}},
		{3, map[string]string{"policy": "vendor-b", "speed_vs_reference": "0.8", "energy_vs_reference": "1.2"}},
		{4, map[string]string{"policy": "acc24", "samples": "", "cycles": "", "nnapi_pass": "", "energy_pj_array": "", "digest": "",
			"error": "policy acc24 asks for 24-bit wrap accumulators, which mobile-npu does not implement"}},
		{6, map[string]string{"policy": "mult16", "divergence_step": "3", "top1_agreement": "", "nnapi_pass": "false", "max_lsb": "3"}},
		{7, map[string]string{"workload": "mac2x3", "speed_vs_reference": "", "energy_vs_reference": "", "area_mm2": "0.0379", "exact_area_mm2": "0.00095", "exact_area_share": "0.025"}},
	} {
		row := records[tc.row+1]
		for name, want := range tc.fields {
			if got := col(row, name); got != want {
				t.Errorf("row %d (%s) %s = %q, want %q", tc.row, col(row, "policy"), name, got, want)
			}
		}
	}
	// the breakdown adds up to the total
	for i, r := range results {
		if r.Error != "" {
			continue
		}
		var sum float64
		for c := range npu.NumComponents {
			v, err := strconv.ParseFloat(col(records[i+1], energyColumn(c)), 64)
			if err != nil {
				t.Fatalf("row %d %s: %v", i, energyColumn(c), err)
			}
			sum += v
		}
		if math.Abs(sum/1e6-r.EnergyUJ) > 1e-9*r.EnergyUJ {
			t.Errorf("row %d: components sum to %v pJ, want %v uJ", i, sum, r.EnergyUJ)
		}
	}
}
