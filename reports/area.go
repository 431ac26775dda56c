package reports

import (
	"strconv"

	"github.com/npusim/npusim/npu/area"
	"github.com/npusim/npusim/sim/experiment"
)

// areaText is the modelled area of a result's hardware in mm^2, or "-".
func areaText(r *experiment.Result) string {
	if r.Hardware == nil {
		return "-"
	}
	return strconv.FormatFloat(r.Hardware.TotalMM2, 'f', 4, 64)
}

// exactAreaText is the share of that area spent on bit-exact arithmetic
// only, or "-".
func exactAreaText(r *experiment.Result) string {
	if r.Hardware == nil {
		return "-"
	}
	return share(r.Hardware.ExactShare)
}

// hardwareField is a number of a result's hardware summary, or an empty
// field without one.
func hardwareField(r *experiment.Result, f func(*area.Summary) float64) string {
	if r.Hardware == nil {
		return ""
	}
	return number(f(r.Hardware))
}
