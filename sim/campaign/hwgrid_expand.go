package campaign

import (
	"fmt"
	"slices"

	"github.com/npusim/npusim/npu"
)

// specs lists the grid's design points, unresolved: the cross product of
// the axes (first axis outermost), then the listed points.
func (g *HWGrid) specs() ([]npu.HWSpec, error) {
	n := 0
	if len(g.Axes) > 0 {
		n = 1
		for _, a := range g.Axes {
			n *= len(a.Values)
			if n > MaxDesignPoints {
				break
			}
		}
	}
	if n += len(g.Points); n > MaxDesignPoints {
		return nil, fmt.Errorf("the grid has more than %d design points", MaxDesignPoints)
	}
	var combos [][]npu.HWOverride
	if len(g.Axes) > 0 {
		combos = [][]npu.HWOverride{{}}
		for _, a := range g.Axes {
			var next [][]npu.HWOverride
			for _, c := range combos {
				for _, v := range a.Values {
					next = append(next, append(slices.Clone(c), v))
				}
			}
			combos = next
		}
	}
	specs := make([]npu.HWSpec, 0, n)
	for _, overrides := range append(combos, g.Points...) {
		specs = append(specs, npu.HWSpec{Base: g.Base, Overrides: overrides})
	}
	return specs, nil
}

// Expand resolves the grid's design points, names each by its
// specification and digest, and adds the iso-area alternatives when the
// grid asks for them. Two points with the same contents are an error.
func (g *HWGrid) Expand() (hw []string, iso []IsoPair, err error) {
	specs, err := g.specs()
	if err != nil {
		return nil, nil, err
	}
	byDigest := map[string]string{}
	var configs []*npu.Config
	for i, s := range specs {
		name, cfg, err := resolve(s)
		if err != nil {
			return nil, nil, fmt.Errorf("design point %d: %w", i+1, err)
		}
		if other, dup := byDigest[cfg.Digest()]; dup {
			return nil, nil, fmt.Errorf("design points %s and %s are the same hardware", other, name)
		}
		byDigest[cfg.Digest()] = name
		hw, configs = append(hw, name), append(configs, cfg)
	}
	if g.IsoArea == nil {
		return hw, nil, nil
	}
	for i, s := range specs {
		pairs, err := IsoAlternatives(s, configs[i], *g.IsoArea)
		if err != nil {
			return nil, nil, fmt.Errorf("design point %s: iso-area: %w", hw[i], err)
		}
		for _, p := range pairs {
			if p.Alternative != "" && !slices.Contains(hw, p.Alternative) {
				hw = append(hw, p.Alternative)
			}
		}
		iso = append(iso, pairs...)
	}
	return hw, iso, nil
}

// resolve loads a specification and returns its name with the digest of
// what it resolved to.
func resolve(s npu.HWSpec) (string, *npu.Config, error) {
	cfg, err := s.Load()
	if err != nil {
		return "", nil, err
	}
	s.Digest = cfg.Digest()[:8]
	return s.Name(), cfg, nil
}

// UseHWGrid makes the sweep's hardware the hardware grid's design points,
// followed by their iso-area alternatives.
func (g *Grid) UseHWGrid(h *HWGrid) error {
	hw, iso, err := h.Expand()
	if err != nil {
		return err
	}
	g.HW, g.IsoArea = hw, iso
	return nil
}
