package campaign

import (
	"fmt"
	"math"
	"slices"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/area"
)

// What an iso-area alternative spends the exact arithmetic's area on.
const (
	// SpendMACs adds columns to the array: more output channels per
	// weight fold.
	SpendMACs = "macs"
	// SpendSRAM adds KiB to the activation scratchpad.
	SpendSRAM = "sram"
)

// IsoPair is an iso-area alternative of a design: the same hardware
// without the modes that exist only to be bit-exact (area.WithoutExact),
// spending the area they took, and whatever else the budget allows, on
// MACs or SRAM instead.
type IsoPair struct {
	// Design and Alternative name the two design points; Alternative is
	// empty when the budget buys nothing (Added says why).
	Design      string `json:"design"`
	Alternative string `json:"alternative,omitempty"`
	Spend       string `json:"spend"`
	// ExactMM2 is what the design spends on exact arithmetic, BudgetMM2
	// the area the alternative may take and AreaMM2 what it takes.
	ExactMM2  float64 `json:"exactMM2"`
	BudgetMM2 float64 `json:"budgetMM2"`
	AreaMM2   float64 `json:"areaMM2,omitempty"`
	// Added says what the alternative gained: "+3 columns (32x35, +96
	// MACs)", "+31 KiB of activation SRAM (543 KiB)".
	Added string `json:"added"`
}

// IsoAlternatives builds the iso-area alternatives of one design point,
// one per thing to spend on; none when the design has no exact-only mode.
func IsoAlternatives(s npu.HWSpec, cfg *npu.Config, opt IsoAreaOption) ([]IsoPair, error) {
	exact := area.Exact(cfg)
	if exact == 0 {
		return nil, nil
	}
	design, _, err := resolve(s)
	if err != nil {
		return nil, err
	}
	budget := opt.BudgetMM2
	if budget == 0 {
		budget = area.Of(cfg).TotalMM2()
	}
	plain := area.WithoutExact(cfg)
	var pairs []IsoPair
	for _, spend := range opt.Spend {
		p := IsoPair{Design: design, Spend: spend, ExactMM2: exact, BudgetMM2: budget}
		if err := p.grow(s, plain, budget); err != nil {
			return nil, err
		}
		pairs = append(pairs, p)
	}
	return pairs, nil
}

// grow finds the largest alternative of its kind within the budget: as
// many more columns, or KiB, as fit, one fewer while the hardware rejects
// the result (a weight tile no longer fits its scratchpad).
func (p *IsoPair) grow(s npu.HWSpec, plain *npu.Config, budget float64) error {
	base := area.Of(plain).TotalMM2()
	if base > budget {
		p.Added = fmt.Sprintf("nothing: without its exact modes the design takes %.4g mm^2, over the %.4g mm^2 budget",
			base, budget)
		return nil
	}
	one := plain.Clone()
	step, unit := p.setSize(one, 1)
	extra := int(math.Floor((budget - base) / (area.Of(one).TotalMM2() - base)))
	extra = min(extra, p.room(plain))
	for ; extra > 0; extra-- {
		c := plain.Clone()
		p.setSize(c, extra)
		if area.Of(c).TotalMM2() > budget {
			continue
		}
		kept := withoutKeys(s.Overrides, "requant", "requant.modes", "requant.lanes", step)
		overrides := append(kept, requantOverride(plain), sizeOverride(step, c))
		name, cfg, err := resolve(npu.HWSpec{Base: s.Base, Overrides: overrides})
		if err != nil {
			continue
		}
		p.Alternative, p.AreaMM2 = name, area.Of(cfg).TotalMM2()
		p.Added = fmt.Sprintf("+%d %s (%s)", extra, unit, sizeText(step, cfg, extra))
		return nil
	}
	p.Added = fmt.Sprintf("nothing: the %.4g mm^2 left buys no %s", budget-base, unit)
	return nil
}

// setSize adds n columns or KiB to c and returns the key it changes and
// what one is called.
func (p *IsoPair) setSize(c *npu.Config, n int) (key, unit string) {
	if p.Spend == SpendMACs {
		c.Array.Cols += n
		return "array", "columns"
	}
	c.SRAM.ActivationKiB += n
	return "sram.activation_kib", "KiB"
}

// room is how much the configuration's limits let the size grow.
func (p *IsoPair) room(c *npu.Config) int {
	if p.Spend == SpendMACs {
		return 1024 - c.Array.Cols
	}
	return 1<<20 - c.SRAM.ActivationKiB
}

// sizeOverride writes the grown size as an override.
func sizeOverride(key string, c *npu.Config) npu.HWOverride {
	if key == "array" {
		return npu.HWOverride{Key: key, Value: fmt.Sprintf("%dx%d", c.Array.Rows, c.Array.Cols)}
	}
	return npu.HWOverride{Key: key, Value: fmt.Sprint(c.SRAM.ActivationKiB)}
}

// sizeText says what the grown hardware has.
func sizeText(key string, c *npu.Config, extra int) string {
	if key == "array" {
		return fmt.Sprintf("%dx%d, +%d MACs", c.Array.Rows, c.Array.Cols, extra*c.Array.Rows)
	}
	return fmt.Sprintf("%d KiB of activation SRAM", c.SRAM.ActivationKiB)
}

// requantOverride lists a configuration's requantization modes with their
// lanes.
func requantOverride(c *npu.Config) npu.HWOverride {
	o := npu.HWOverride{Key: "requant", IsList: true}
	for _, m := range c.Requant.Modes {
		o.List = append(o.List, fmt.Sprintf("%s:%d", m.Variant, m.Lanes))
	}
	o.Value = o.String()[len(o.Key)+1:]
	return o
}

// withoutKeys drops the overrides of the given keys (and, for "array",
// of its rows and columns).
func withoutKeys(overrides []npu.HWOverride, keys ...string) []npu.HWOverride {
	if slices.Contains(keys, "array") {
		keys = append(keys, "array.rows", "array.cols")
	}
	var out []npu.HWOverride
	for _, o := range overrides {
		if !slices.Contains(keys, o.Key) {
			out = append(out, o)
		}
	}
	return out
}
