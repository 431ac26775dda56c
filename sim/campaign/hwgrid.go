package campaign

import (
	"fmt"
	"path/filepath"
	"slices"

	"github.com/npusim/npusim/internal/limits"
	"github.com/npusim/npusim/internal/yamlfile"
	"github.com/npusim/npusim/npu"

	"go.yaml.in/yaml/v3"
)

// HWGrid is a design space of hardware: a base configuration (a preset or
// a YAML file) and overrides of it (npu.HWSpec), as the cross product of
// axes, as listed points, or both. A sweep runs every design point under
// every workload and policy. Its YAML form:
//
//	base: mobile-npu
//	axes:                              # the cross product, first axis outermost
//	  array: [16x16, 32x32]
//	  requant: [[mult16], [mult16, double-rounding]]
//	points:                            # and/or listed points
//	  - {array: 64x64, requant: [fp32]}
//	iso_area:                          # and the same area spent otherwise
//	  spend: [macs, sram]
//
// Each design point is named by its npu.HWSpec with the digest of its
// resolved configuration (mobile-npu{array=16x16, requant=[mult16]}#1a2b3c4d),
// so that a name identifies the hardware's exact contents: a sweep resumed
// or merged after its base changed refuses to mix the two.
type HWGrid struct {
	Base    string
	Axes    []HWAxis
	Points  [][]npu.HWOverride
	IsoArea *IsoAreaOption
}

// HWAxis is one axis of a hardware grid: a key and the values it takes.
type HWAxis struct {
	Key    string
	Values []npu.HWOverride
}

// IsoAreaOption asks for the iso-area alternatives of every design that
// spends area on exact arithmetic (see IsoAlternatives).
type IsoAreaOption struct {
	// Spend lists what the area goes to: "macs" (more array columns),
	// "sram" (a larger activation scratchpad).
	Spend []string `yaml:"spend" json:"spend"`
	// BudgetMM2 is the area an alternative may take; 0 means the design's
	// own area.
	BudgetMM2 float64 `yaml:"budget_mm2" json:"budgetMM2,omitempty"`
}

// MaxDesignPoints bounds the design points of a grid.
const MaxDesignPoints = 10000

// hwGridFile is the YAML form of an HWGrid; axes and points keep the
// order of their keys.
type hwGridFile struct {
	Base    string         `yaml:"base"`
	Axes    yaml.Node      `yaml:"axes"`
	Points  []yaml.Node    `yaml:"points"`
	IsoArea *IsoAreaOption `yaml:"iso_area"`
}

// ReadHWGrid reads a hardware grid file; errors name the file and the
// field.
func ReadHWGrid(path string) (*HWGrid, error) {
	name := filepath.Base(path)
	data, err := limits.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hw grid %s: %w", path, err)
	}
	var f hwGridFile
	if err := yamlfile.Decode(data, &f); err != nil {
		return nil, fmt.Errorf("hw grid %s: %w", name, err)
	}
	g, err := f.grid()
	if err != nil {
		return nil, fmt.Errorf("hw grid %s: %w", name, err)
	}
	return g, nil
}

// grid checks the file's fields and turns its nodes into overrides.
func (f *hwGridFile) grid() (*HWGrid, error) {
	g := &HWGrid{Base: f.Base, IsoArea: f.IsoArea}
	if g.Base == "" {
		return nil, fmt.Errorf("base: missing (a hardware preset or file)")
	}
	axes, err := mapping(&f.Axes, "axes")
	if err != nil {
		return nil, err
	}
	for _, a := range axes {
		if a.value.Kind != yaml.SequenceNode || len(a.value.Content) == 0 {
			return nil, fmt.Errorf("axes.%s: want a list of values", a.key)
		}
		axis := HWAxis{Key: a.key}
		for i, v := range a.value.Content {
			o, err := overrideOf(a.key, v, fmt.Sprintf("axes.%s[%d]", a.key, i))
			if err != nil {
				return nil, err
			}
			axis.Values = append(axis.Values, o)
		}
		g.Axes = append(g.Axes, axis)
	}
	for i := range f.Points {
		point, err := pointOf(&f.Points[i], fmt.Sprintf("points[%d]", i))
		if err != nil {
			return nil, err
		}
		g.Points = append(g.Points, point)
	}
	if len(g.Axes) == 0 && len(g.Points) == 0 {
		return nil, fmt.Errorf("axes, points: the grid has no design point")
	}
	return g, g.IsoArea.check()
}

// keyValue is one key of a YAML mapping with its value.
type keyValue struct {
	key   string
	value *yaml.Node
}

// mapping lists a mapping node's pairs in order (none for an absent node).
func mapping(n *yaml.Node, field string) ([]keyValue, error) {
	if n.Kind == 0 {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: want a mapping of keys to values", field)
	}
	var pairs []keyValue
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return nil, fmt.Errorf("%s: line %d: want a key", field, k.Line)
		}
		if slices.ContainsFunc(pairs, func(p keyValue) bool { return p.key == k.Value }) {
			return nil, fmt.Errorf("%s.%s: given twice", field, k.Value)
		}
		pairs = append(pairs, keyValue{k.Value, n.Content[i+1]})
	}
	return pairs, nil
}

// pointOf reads one listed point: a mapping of keys to values.
func pointOf(n *yaml.Node, field string) ([]npu.HWOverride, error) {
	pairs, err := mapping(n, field)
	if err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%s: want a mapping of keys to values", field)
	}
	var point []npu.HWOverride
	for _, p := range pairs {
		o, err := overrideOf(p.key, p.value, field+"."+p.key)
		if err != nil {
			return nil, err
		}
		point = append(point, o)
	}
	return point, nil
}

// overrideOf reads a value, a scalar or a list of scalars, as an override
// of key.
func overrideOf(key string, v *yaml.Node, field string) (npu.HWOverride, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Value == "" {
			return npu.HWOverride{}, fmt.Errorf("%s: no value", field)
		}
		return npu.HWOverride{Key: key, Value: v.Value}, nil
	case yaml.SequenceNode:
		o := npu.HWOverride{Key: key, IsList: true, List: []string{}}
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return npu.HWOverride{}, fmt.Errorf("%s: a list of single values, lists do not nest", field)
			}
			o.List = append(o.List, item.Value)
		}
		o.Value = o.String()[len(key)+1:]
		return o, nil
	}
	return npu.HWOverride{}, fmt.Errorf("%s: want a value or a list of values", field)
}

// check checks the iso-area option (nil is no option).
func (o *IsoAreaOption) check() error {
	if o == nil {
		return nil
	}
	if len(o.Spend) == 0 {
		return fmt.Errorf("iso_area.spend: want a list of macs, sram")
	}
	for i, s := range o.Spend {
		if s != SpendMACs && s != SpendSRAM || slices.Index(o.Spend, s) != i {
			return fmt.Errorf("iso_area.spend[%d]: want macs or sram, each once, got %q", i, s)
		}
	}
	if !(o.BudgetMM2 >= 0 && o.BudgetMM2 < 1e6) {
		return fmt.Errorf("iso_area.budget_mm2: must be >= 0 (0: each design's own area), got %v", o.BudgetMM2)
	}
	return nil
}
