package classroom

import (
	"math"
	"strings"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

// TestAnimateDefault checks the default product against a plain matrix
// product, the fold formula and the register contents of its first cycles.
func TestAnimateDefault(t *testing.T) {
	v, err := Animate(DefaultArrayRequest())
	if err != nil {
		t.Fatal(err)
	}
	// One fold: r = K = 4 rows, c = N = 3 columns, M = 5 rows streamed.
	if v.MatMulCycles != 14 || v.FastCycles != 14 || len(v.Folds) != 1 || v.Folds[0].Cycles != 14 || v.Folds[0].Formula != "2×4 + 3 + 5 − 2 = 14" {
		t.Errorf("array %d cycles (fast model %d), folds %+v; want one fold of 2*4 + 3 + 5 - 2 = 14", v.MatMulCycles, v.FastCycles, v.Folds)
	}
	// 15 outputs on 8 lanes: ceil(15/8) + 6 = 8 cycles.
	if v.RequantCycles != 8 || v.RequantFormula != "ceil(15 / 8) + 6 = 8" {
		t.Errorf("requantization %d cycles, formula %q", v.RequantCycles, v.RequantFormula)
	}
	if len(v.Frames) != 14+8+1 {
		t.Errorf("%d frames, want 23 (every cycle and the final state)", len(v.Frames))
	}
	checkProduct(t, v, quant.VariantDoubleRounding, 0.3)
	// In cycle 0 the top row takes the last reduction row's weights; after
	// the edge (frame 1) PE (0, c) holds B[3][c].
	f1 := v.Frames[1]
	for c := range 3 {
		if w := f1.PEs[0][c].Weight; w == nil || *w != v.B[3][c] {
			t.Errorf("frame 1: PE (0, %d) weight %v, want B[3][%d] = %d", c, w, c, v.B[3][c])
		}
	}
	if f1.Unit != "array" || f1.Phase != "load" || v.Frames[4].Phase != "stream" || v.Frames[14].Unit != "requant" || v.Frames[22].Unit != "done" {
		t.Errorf("units and phases: %s %s, %s, %s, %s", f1.Unit, f1.Phase, v.Frames[4].Phase, v.Frames[14].Unit, v.Frames[22].Unit)
	}
}

// checkProduct holds the last frame's accumulators and outputs to A x B
// computed here and requantized by the variant.
func checkProduct(t *testing.T, v *ArrayView, variant quant.Variant, multiplier float64) {
	t.Helper()
	m := variant.MultiplierFromReal(multiplier)
	last := v.Frames[len(v.Frames)-1]
	for i := range v.M {
		for j := range v.N {
			var sum int32
			for k := range v.K {
				sum += v.A[i][k] * v.B[k][j]
			}
			out := variant.Requantize(sum, m, 0, math.MinInt8, math.MaxInt8)
			if v.Acc[i][j] != sum || last.Acc[i][j] == nil || *last.Acc[i][j] != sum {
				t.Errorf("acc[%d][%d] = %d (last frame %v), want %d", i, j, v.Acc[i][j], last.Acc[i][j], sum)
			}
			if v.Out[i][j] != out || last.Out[i][j] == nil || *last.Out[i][j] != out {
				t.Errorf("out[%d][%d] = %d (last frame %v), want %d", i, j, v.Out[i][j], last.Out[i][j], out)
			}
		}
	}
}

// TestAnimateFolds runs a product of four folds in a 16-lane mode.
func TestAnimateFolds(t *testing.T) {
	req := ArrayRequest{M: 16, K: 12, N: 10, Seed: 7, Variant: "mult16", Multiplier: 0.05}
	v, err := Animate(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Folds) != 4 {
		t.Fatalf("%d folds, want ceil(12/8) x ceil(10/8) = 4", len(v.Folds))
	}
	sum, start := 0, 0
	for _, f := range v.Folds {
		if f.Cycles != npu.FoldCycles(f.Rows, f.Cols, 16) || f.Start != start {
			t.Errorf("fold %d: %d cycles from %d, formula %s", f.Index, f.Cycles, f.Start, f.Formula)
		}
		sum += f.Cycles
		start += f.Cycles
	}
	if sum != v.MatMulCycles || v.MatMulCycles != v.FastCycles || v.Lanes != 16 {
		t.Errorf("folds sum to %d, array %d, fast model %d, %d lanes", sum, v.MatMulCycles, v.FastCycles, v.Lanes)
	}
	checkProduct(t, v, quant.VariantMult16, 0.05)
}

func TestAnimateRejects(t *testing.T) {
	for _, c := range []struct {
		edit func(*ArrayRequest)
		want string
	}{
		{func(r *ArrayRequest) { r.M = 0 }, "m: must be from 1 to 16, got 0"},
		{func(r *ArrayRequest) { r.N = 17 }, "n: must be from 1 to 16, got 17"},
		{func(r *ArrayRequest) { r.Multiplier = 1 }, "multiplier: must be above 0 and below 1, got 1"},
		{func(r *ArrayRequest) { r.Variant = "round-to-odd" }, `variant: unknown requantization variant "round-to-odd"`},
		{func(r *ArrayRequest) { r.Variant = "truncate/20" }, "variant: tiny has no truncate/20 mode"},
	} {
		r := DefaultArrayRequest()
		c.edit(&r)
		if _, err := Animate(r); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
