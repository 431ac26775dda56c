package demo

import (
	"testing"

	"github.com/npusim/npusim/quant"
)

func TestMulDemo(t *testing.T) {
	d := NewMul()
	if d.QX != 8 || d.QW != 127 || d.Acc != 1016 {
		t.Fatalf("codes %d x %d = %d, want 8 x 127 = 1016", d.QX, d.QW, d.Acc)
	}
	want := map[quant.Variant]int32{
		quant.VariantDoubleRounding: 96, quant.VariantSingleRounding: 96, quant.VariantFP32: 96,
		quant.VariantMult24: 96, quant.VariantMult16: 96, quant.VariantRoundHalfAway: 96,
		quant.VariantTruncate: 95, quant.VariantDoubleRoundingNoSat: 96,
	}
	if len(d.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(d.Rows), len(want))
	}
	for _, r := range d.Rows {
		if r.Code != want[r.Variant] || r.Six != (r.Code == 96) {
			t.Errorf("%v: code %d (six=%v), want %d", r.Variant, r.Code, r.Six, want[r.Variant])
		}
		if r.Why == "" {
			t.Errorf("%v: no explanation", r.Variant)
		}
	}
	if d.Exact >= 96 || d.Exact < 95.9999 {
		t.Errorf("exact product %v, want just below 96 (the float32 weight scale is below 3/127)", d.Exact)
	}
}
