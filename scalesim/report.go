package scalesim

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The report files SCALE-Sim writes into its run directory.
const (
	ComputeReportFile        = "COMPUTE_REPORT.csv"
	BandwidthReportFile      = "BANDWIDTH_REPORT.csv"
	DetailedAccessReportFile = "DETAILED_ACCESS_REPORT.csv"
)

// ReportFile is one file of a run directory: its name and how to write it.
type ReportFile struct {
	Name  string
	Write func(w io.Writer) error
}

// ReportFiles lists the three SCALE-Sim reports of the run.
func (r *Run) ReportFiles() []ReportFile {
	return []ReportFile{
		{ComputeReportFile, r.WriteComputeReport},
		{BandwidthReportFile, r.WriteBandwidthReport},
		{DetailedAccessReportFile, r.WriteDetailedAccessReport},
	}
}

// WriteComputeReport writes COMPUTE_REPORT.csv.
func (r *Run) WriteComputeReport(w io.Writer) error {
	const header = "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %"
	return r.writeReport(w, header, func(l *LayerReport) []string {
		return []string{integer(l.TotalCycles), integer(l.StallCycles),
			PyFloat(l.OverallUtil), PyFloat(l.MappingEfficiency), PyFloat(l.ComputeUtil)}
	})
}

// WriteBandwidthReport writes BANDWIDTH_REPORT.csv.
func (r *Run) WriteBandwidthReport(w io.Writer) error {
	const header = "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, " +
		"Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW"
	return r.writeReport(w, header, func(l *LayerReport) []string {
		si, sf, so := l.SRAMBandwidth()
		di, df, do := l.DRAMBandwidth()
		return []string{PyFloat(si), PyFloat(sf), PyFloat(so), PyFloat(di), PyFloat(df), PyFloat(do)}
	})
}

// WriteDetailedAccessReport writes DETAILED_ACCESS_REPORT.csv. Cycles are
// printed as floats ("33.0"), as SCALE-Sim takes them from its float trace
// matrices.
func (r *Run) WriteDetailedAccessReport(w io.Writer) error {
	header := "LayerID"
	for _, mem := range []string{"SRAM", "DRAM"} {
		for _, op := range []struct{ name, verb string }{{"IFMAP", "Reads"}, {"Filter", "Reads"}, {"OFMAP", "Writes"}} {
			column := mem + " " + op.name
			header += ", " + column + " Start Cycle, " + column + " Stop Cycle, " + column + " " + op.verb
		}
	}
	return r.writeReport(w, header, func(l *LayerReport) []string {
		var cells []string
		for _, a := range []Access{l.SRAMIfmap, l.SRAMFilter, l.SRAMOfmap, l.DRAMIfmap, l.DRAMFilter, l.DRAMOfmap} {
			cells = append(cells, PyFloat(float64(a.Start)), PyFloat(float64(a.Stop)), integer(a.Words))
		}
		return cells
	})
}

// writeReport writes a header and one line per layer, SCALE-Sim's way:
// cells joined by ", ", each line ending with ",". A bufio.Writer keeps its
// first write error and Flush returns it.
func (r *Run) writeReport(w io.Writer, header string, cells func(*LayerReport) []string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprint(bw, header+",\n")
	for i := range r.Layers {
		fmt.Fprint(bw, strconv.Itoa(i)+", "+strings.Join(cells(&r.Layers[i]), ", ")+",\n")
	}
	return bw.Flush()
}

func integer(n int64) string { return strconv.FormatInt(n, 10) }

// PyFloat formats a float64 as Python's str() and repr() do: the shortest
// digits that read back to the same value, in positional notation with at
// least one decimal ("33.0", "94.53125") when the decimal exponent is from
// -4 to 15, in scientific notation otherwise ("1e-05", "1.5e+16").
func PyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	// d.ddddde±XX: the shortest digits and the decimal exponent
	e := strconv.FormatFloat(f, 'e', -1, 64)
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mantissa, expText, _ := strings.Cut(e, "e")
	exp, err := strconv.Atoi(expText)
	if err != nil { // cannot happen: strconv's 'e' format ends in a whole exponent
		panic(fmt.Sprintf("PyFloat(%v): exponent %q: %v", f, expText, err))
	}
	digits := strings.Replace(mantissa, ".", "", 1)
	if exp < -4 || exp >= 16 {
		s := digits[:1]
		if len(digits) > 1 {
			s += "." + digits[1:]
		}
		es := strconv.Itoa(max(exp, -exp))
		if len(es) < 2 {
			es = "0" + es
		}
		if exp < 0 {
			return sign + s + "e-" + es
		}
		return sign + s + "e+" + es
	}
	if exp < 0 {
		return sign + "0." + strings.Repeat("0", -exp-1) + digits
	}
	if len(digits) <= exp+1 {
		return sign + digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	}
	return sign + digits[:exp+1] + "." + digits[exp+1:]
}
