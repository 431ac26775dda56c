package drivers

import (
	"strings"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// spillNet is a residual block too large for tiny's 16 KiB activation
// scratchpad: s (12x12x32, 4,608 bytes) is read again by the ADD three
// layers later, while e (12x12x96, 13,824 bytes) cannot share the
// scratchpad with it.
func spillNet(b *workloads.Builder) []int {
	x := b.Input("x", 1, 12, 12, 8)
	s := b.Conv("s", x, 32, 3, 3, 1, workloads.Same, quant.ActRelu)
	e := b.Conv("e", s, 96, 1, 1, 1, workloads.Same, quant.ActRelu)
	p := b.Conv("p", e, 32, 1, 1, 1, workloads.Same, quant.ActNone)
	return []int{b.Add("add", s, p, quant.ActNone)}
}

// TestSpillPolicyPicksTheShortcut: when e and the shortcut s do not fit
// together, the policy spills s (one store and one read back, 9,216 bytes,
// where not keeping e would cost 27,648) with a store at the start of e and
// keeps e; p, which cannot share the scratchpad with e either, goes to DRAM
// (9,216 bytes, where spilling e would cost 27,648).
func TestSpillPolicyPicksTheShortcut(t *testing.T) {
	m := quantizedModel(t, spillNet)
	mp := planFor(t, m, "reference", "tiny")
	var spills []*spillPlan
	for _, p := range mp.layerPlans(t, "e") {
		if s, ok := p.(*spillPlan); ok {
			spills = append(spills, s)
		}
	}
	if len(spills) != 1 || spills[0].bytes != 12*12*32 {
		t.Fatalf("spills at e: %+v, want one store of s's 4608 bytes", spills)
	}
	want := "activations: 2 tensors kept in the activation scratchpad, 1 of them spilled to DRAM to make room"
	if notes := strings.Join(mp.notes, "; "); !strings.Contains(notes, want) {
		t.Errorf("notes %q, want %q", notes, want)
	}
}
