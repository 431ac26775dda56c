package npu

import "fmt"

// AreaConfig holds what the area model (package npu/area) needs beyond the
// hardware's structure: the process node its logic is built in and the
// figures of its SRAM macros. Each preset cites its values; a field left
// out of a YAML file takes the default of DefaultArea.
type AreaConfig struct {
	// NodeNM is the process node, in nanometres, at which the logic's area
	// is given (npu/area scales its 40 nm figures to it).
	NodeNM float64 `yaml:"node_nm"`
	// SRAMBitcellUM2 is the area of one SRAM bitcell at that node, in
	// square micrometres, and SRAMArrayEfficiency the share of a macro's
	// area that its bitcells fill (the rest: decoders, sense amplifiers,
	// write drivers and assist circuits).
	SRAMBitcellUM2      float64 `yaml:"sram_bitcell_um2"`
	SRAMArrayEfficiency float64 `yaml:"sram_array_efficiency"`
	// SRAMPorts is the number of ports of each scratchpad, and
	// SRAMPortOverhead the area each port beyond the first adds, as a
	// share of the single-port macro.
	SRAMPorts        int     `yaml:"sram_ports"`
	SRAMPortOverhead float64 `yaml:"sram_port_overhead"`
}

// DefaultArea is the area configuration a hardware file gets for the fields
// it leaves out: the values of the presets, whose YAML cites them (7 nm
// logic; TSMC N7's 0.027 um^2 high-density bitcell at 70% array efficiency;
// two-port scratchpads, a port adding a third of the macro).
var DefaultArea = AreaConfig{
	NodeNM: 7, SRAMBitcellUM2: 0.027, SRAMArrayEfficiency: 0.70, SRAMPorts: 2, SRAMPortOverhead: 1.0 / 3,
}

// withDefaults fills the fields left at zero from DefaultArea.
func (a AreaConfig) withDefaults() AreaConfig {
	d := DefaultArea
	if a.NodeNM == 0 {
		a.NodeNM = d.NodeNM
	}
	if a.SRAMBitcellUM2 == 0 {
		a.SRAMBitcellUM2 = d.SRAMBitcellUM2
	}
	if a.SRAMArrayEfficiency == 0 {
		a.SRAMArrayEfficiency = d.SRAMArrayEfficiency
	}
	if a.SRAMPorts == 0 {
		a.SRAMPorts = d.SRAMPorts
	}
	if a.SRAMPortOverhead == 0 {
		a.SRAMPortOverhead = d.SRAMPortOverhead
	}
	return a
}

// checkArea range-checks the area fields: the node must lie where the
// scaling rule of npu/area reaches (3 to 180 nm).
func (c *Config) checkArea() error {
	a := c.Area
	checks := []struct {
		field string
		ok    bool
		got   any
		want  string
	}{
		{"area.node_nm", finite(a.NodeNM) && a.NodeNM >= 3 && a.NodeNM <= 180, a.NodeNM, "from 3 to 180"},
		{"area.sram_bitcell_um2", positiveUpTo(a.SRAMBitcellUM2, 10), a.SRAMBitcellUM2, "> 0 and <= 10"},
		{"area.sram_array_efficiency", positiveUpTo(a.SRAMArrayEfficiency, 1), a.SRAMArrayEfficiency, "> 0 and <= 1"},
		{"area.sram_ports", a.SRAMPorts >= 1 && a.SRAMPorts <= 8, a.SRAMPorts, "from 1 to 8"},
		{"area.sram_port_overhead", positiveUpTo(a.SRAMPortOverhead, 4), a.SRAMPortOverhead, "> 0 and <= 4"},
	}
	for _, ch := range checks {
		if !ch.ok {
			return fmt.Errorf("%s: must be %s, got %v", ch.field, ch.want, ch.got)
		}
	}
	return nil
}

// positiveUpTo reports whether x is a finite number in (0, hi].
func positiveUpTo(x, hi float64) bool { return finite(x) && x > 0 && x <= hi }
