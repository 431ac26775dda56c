package reports

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/npusim/npusim/internal/atomicfile"
	"github.com/npusim/npusim/sim/campaign"
)

// allDevices names the last row of the fleet table, the whole fleet.
const allDevices = "all devices"

// fleetGroup is the devices of one hardware under one policy (or of the
// whole fleet) and the figures the fleet table shows about them. Devices
// that could not run count in failed and nowhere else.
type fleetGroup struct {
	hw, policy string
	devices    int
	failed     int
	// ran is the number of devices that ran; every other figure is about
	// them.
	ran               int
	identical         int
	nnapiPass         int
	validButDifferent int
	medianLSB         float64
	maxLSB            int64
	// flipped counts the devices with a top-1 flip count, flips their sum.
	flipped, flips, maxFlips int
	// diverging counts the devices whose outputs diverge; earliest and
	// medianDivergence are about them.
	diverging        int
	medianDivergence float64
	earliest         int
	meanLatencyMs    float64
	meanEnergyUJ     float64
}

// newFleetGroup gathers the figures of a group of devices.
func newFleetGroup(hw, policy string, devices []campaign.DeviceResult) *fleetGroup {
	g := &fleetGroup{hw: hw, policy: policy, devices: len(devices)}
	var lsb, steps []float64
	for _, d := range devices {
		if d.Error != "" {
			g.failed++
			continue
		}
		g.ran++
		if d.Identical {
			g.identical++
		}
		if d.NNAPIPass {
			g.nnapiPass++
			if !d.Identical {
				g.validButDifferent++
			}
		}
		lsb = append(lsb, float64(d.MaxLSB))
		g.maxLSB = max(g.maxLSB, d.MaxLSB)
		if d.Top1Flips != nil {
			g.flipped++
			g.flips += *d.Top1Flips
			g.maxFlips = max(g.maxFlips, *d.Top1Flips)
		}
		if d.DivergenceStep != nil && *d.DivergenceStep > 0 {
			if g.diverging == 0 || *d.DivergenceStep < g.earliest {
				g.earliest = *d.DivergenceStep
			}
			g.diverging++
			steps = append(steps, float64(*d.DivergenceStep))
		}
		g.meanLatencyMs += d.LatencyMs
		g.meanEnergyUJ += d.EnergyUJ
	}
	if g.ran > 0 {
		g.meanLatencyMs /= float64(g.ran)
		g.meanEnergyUJ /= float64(g.ran)
	}
	g.medianLSB, g.medianDivergence = median(lsb), median(steps)
	return g
}

// median is the middle value, or the mean of the two middle values; 0 for
// no values.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// fleetPair is a hardware and a policy.
type fleetPair struct{ hw, policy string }

// fleetGroups groups the devices by hardware and policy, hardware first, in
// the order of spec.HW and spec.Policies (pairs the spec does not name
// follow, in the order the devices show them), leaving out groups without
// devices; the last group is the whole fleet.
func fleetGroups(spec campaign.FleetSpec, devices []campaign.DeviceResult) []*fleetGroup {
	var order []fleetPair
	members := map[fleetPair][]campaign.DeviceResult{}
	add := func(p fleetPair) {
		if _, ok := members[p]; !ok {
			members[p] = nil
			order = append(order, p)
		}
	}
	for _, hw := range spec.HW {
		for _, policy := range spec.Policies {
			add(fleetPair{hw, policy})
		}
	}
	for _, d := range devices {
		p := fleetPair{d.HW, d.Policy}
		add(p)
		members[p] = append(members[p], d)
	}
	var groups []*fleetGroup
	for _, p := range order {
		if m := members[p]; len(m) > 0 {
			groups = append(groups, newFleetGroup(p.hw, p.policy, m))
		}
	}
	return append(groups, newFleetGroup(allDevices, "", devices))
}

// fleetPolicies lists the policies of the devices that ran, in the order
// of spec.Policies, then those the spec does not name in the order the
// devices show them. The fleet's plots colour policy i alike.
func fleetPolicies(spec campaign.FleetSpec, devices []campaign.DeviceResult) []string {
	ran := map[string]bool{}
	var extra []string
	for _, d := range devices {
		if d.Error != "" || ran[d.Policy] {
			continue
		}
		ran[d.Policy] = true
		if !slices.Contains(spec.Policies, d.Policy) {
			extra = append(extra, d.Policy)
		}
	}
	var names []string
	for _, p := range spec.Policies {
		if ran[p] && !slices.Contains(names, p) {
			names = append(names, p)
		}
	}
	return append(names, extra...)
}

// fleetQuality is the task-specific figure a fleet's devices report.
type fleetQuality int

const (
	// noQuality: the workload is neither a classifier nor recurrent.
	noQuality fleetQuality = iota
	// flipsQuality: top-1 flips per device (classifiers).
	flipsQuality
	// divergenceQuality: the first diverging step (recurrent workloads).
	divergenceQuality
)

// qualityOf tells what the devices report from the first device with a
// task-specific figure.
func qualityOf(devices []campaign.DeviceResult) fleetQuality {
	for _, d := range devices {
		switch {
		case d.Top1Flips != nil:
			return flipsQuality
		case d.DivergenceStep != nil:
			return divergenceQuality
		}
	}
	return noQuality
}

// fleetNameColumns name a group; fleetCountColumns (the names, the number
// of devices and of those that cannot run) show even when no device of the
// group ran.
const (
	fleetNameColumns  = 2
	fleetCountColumns = 4
)

// fleetColumns are the columns of the fleet table: the top-1 flips for
// classifiers, the first divergence for recurrent workloads.
func fleetColumns(q fleetQuality) []column[*fleetGroup] {
	ran := func(g *fleetGroup, n int) string { return share(float64(n) / float64(g.ran)) }
	cols := []column[*fleetGroup]{
		{"hw", func(g *fleetGroup) string { return g.hw }},
		{"policy", func(g *fleetGroup) string { return g.policy }},
		{"devices", func(g *fleetGroup) string { return strconv.Itoa(g.devices) }},
		{"cannot run", func(g *fleetGroup) string { return strconv.Itoa(g.failed) }},
		{"bit-identical", func(g *fleetGroup) string { return ran(g, g.identical) }},
		{"median LSB", func(g *fleetGroup) string { return significant(g.medianLSB) }},
		{"max LSB", func(g *fleetGroup) string { return strconv.FormatInt(g.maxLSB, 10) }},
	}
	switch q {
	case flipsQuality:
		cols = append(cols,
			column[*fleetGroup]{"mean flips", func(g *fleetGroup) string {
				if g.flipped == 0 {
					return "-"
				}
				return significant(float64(g.flips) / float64(g.flipped))
			}},
			column[*fleetGroup]{"max flips", func(g *fleetGroup) string {
				if g.flipped == 0 {
					return "-"
				}
				return strconv.Itoa(g.maxFlips)
			}})
	case divergenceQuality:
		cols = append(cols,
			column[*fleetGroup]{"median divergence", func(g *fleetGroup) string {
				if g.diverging == 0 {
					return "none"
				}
				return significant(g.medianDivergence)
			}},
			column[*fleetGroup]{"first divergence", func(g *fleetGroup) string {
				if g.diverging == 0 {
					return "none"
				}
				return strconv.Itoa(g.earliest)
			}})
	}
	return append(cols,
		column[*fleetGroup]{"NNAPI pass", func(g *fleetGroup) string { return ran(g, g.nnapiPass) }},
		column[*fleetGroup]{"valid but different", func(g *fleetGroup) string { return strconv.Itoa(g.validButDifferent) }},
		column[*fleetGroup]{"latency ms", func(g *fleetGroup) string { return significant(g.meanLatencyMs) }},
		column[*fleetGroup]{"energy uJ", func(g *fleetGroup) string { return significant(g.meanEnergyUJ) }})
}

// fleetRow is a group's row of the fleet table: "-" for every figure of a
// group of which no device ran.
func fleetRow(cols []column[*fleetGroup], g *fleetGroup) []string {
	row := make([]string, len(cols))
	for i, col := range cols {
		row[i] = "-"
		if g.ran > 0 || i < fleetCountColumns {
			row[i] = col.show(g)
		}
	}
	return row
}

// fleetSummary is one line about the whole fleet: the share of the devices
// that ran that are bit-identical to the reference, how many pass NNAPI's
// limit while changing outputs, how many cannot run.
func fleetSummary(all *fleetGroup) string {
	devices := count(all.devices, "device", "devices")
	if all.ran == 0 {
		return devices + ": none could run"
	}
	valid := fmt.Sprintf("%d devices pass NNAPI's limit but change outputs", all.validButDifferent)
	if all.validButDifferent == 1 {
		valid = "1 device passes NNAPI's limit but changes outputs"
	}
	return fmt.Sprintf("%s: %s bit-identical to the reference; %s; %d cannot run",
		devices, share(float64(all.identical)/float64(all.ran)), valid, all.failed)
}

// fleetError is one reason devices cannot run and the devices it stopped.
type fleetError struct {
	Message string
	Devices []int
}

// fleetErrors gathers the devices that cannot run by error message, in the
// order of their first device.
func fleetErrors(devices []campaign.DeviceResult) []fleetError {
	var errs []fleetError
	for _, d := range devices {
		if d.Error == "" {
			continue
		}
		i := slices.IndexFunc(errs, func(e fleetError) bool { return e.Message == d.Error })
		if i < 0 {
			errs = append(errs, fleetError{Message: d.Error})
			i = len(errs) - 1
		}
		errs[i].Devices = append(errs[i].Devices, d.Device)
	}
	return errs
}

// Stopped says which devices cannot run: "device 7 cannot run", "2 devices
// cannot run (devices 5, 11)".
func (e fleetError) Stopped() string {
	if len(e.Devices) == 1 {
		return e.Which() + " cannot run"
	}
	return fmt.Sprintf("%d devices cannot run (%s)", len(e.Devices), e.Which())
}

// Which names the devices an error stopped: "device 7", "devices 5, 11",
// "devices 1, 2, 3 and 4 more".
func (e fleetError) Which() string {
	if len(e.Devices) == 1 {
		return fmt.Sprintf("device %d", e.Devices[0])
	}
	ids := make([]string, 0, 3)
	for _, d := range e.Devices[:min(3, len(e.Devices))] {
		ids = append(ids, strconv.Itoa(d))
	}
	s := "devices " + strings.Join(ids, ", ")
	if more := len(e.Devices) - len(ids); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// FleetTable prints a fleet: a line about the whole fleet ("N devices: X%
// bit-identical to the reference; Y devices pass NNAPI's limit but change
// outputs; Z cannot run"), then a table with a row per hardware and policy
// (hardware first, in the order of the spec) and a last row for all
// devices: how many devices, how many cannot run, and about those that
// ran: the share bit-identical to the reference, the median and largest of
// their max LSB errors, the mean and largest number of top-1 flips per
// device (classifiers) or the median and earliest first diverging step of
// those that diverge (recurrent workloads, "none" when none does), the
// share within NNAPI's limit, how many are within it but still change
// outputs (valid but different), and the mean latency and energy per
// inference. Devices that cannot run count in no other figure; why they
// cannot run follows the table, a line per error message.
func FleetTable(w io.Writer, spec campaign.FleetSpec, devices []campaign.DeviceResult) error {
	groups := fleetGroups(spec, devices)
	if _, err := fmt.Fprintln(w, fleetSummary(groups[len(groups)-1])); err != nil {
		return err
	}
	cols := fleetColumns(qualityOf(devices))
	t := newNamedTable(w, fleetNameColumns, headers(cols)...)
	for _, g := range groups {
		if err := t.Append(fleetRow(cols, g)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, e := range fleetErrors(devices) {
		if _, err := fmt.Fprintf(w, "%s: %s\n", e.Stopped(), shortError(e.Message, 160)); err != nil {
			return err
		}
	}
	return nil
}

// GenerateFleet writes the whole report of a fleet into dir: fleet.csv,
// the plots in plots/ (SVG and PNG) and report.html. The same fleet gives
// the same bytes in every file.
func GenerateFleet(dir string, spec campaign.FleetSpec, devices []campaign.DeviceResult) error {
	if err := atomicfile.MkdirAll(dir); err != nil {
		return err
	}
	if err := checkTargets(dir, "fleet.csv", "report.html"); err != nil {
		return err
	}
	if err := WriteFleetCSV(filepath.Join(dir, "fleet.csv"), devices); err != nil {
		return err
	}
	plots, err := WriteFleetPlots(filepath.Join(dir, "plots"), spec, devices)
	if err != nil {
		return err
	}
	return WriteFleetHTML(filepath.Join(dir, "report.html"), spec, devices, plots)
}
