package experiment

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/internal/vectors"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads/cases"
)

// loadNNAPI loads every case of the NNAPI vector directory by name.
func loadNNAPI(t *testing.T) map[string]*cases.Case {
	byName := map[string]*cases.Case{}
	for _, c := range vectors.NNAPICases(t) {
		byName[c.Name] = c
	}
	return byName
}

// TestReferencePassesNNAPIExactly holds the reference interpreter to every
// NNAPI quant8 vector at tolerance 0. SOFTMAX and LOGISTIC expectations were
// rounded from float upstream, yet TFLite's integer algorithms match all of
// them exactly, so no case needs a tolerance or an expected-deviation entry.
func TestReferencePassesNNAPIExactly(t *testing.T) {
	for name, c := range loadNNAPI(t) {
		r, err := CheckCase(name, c, quant.VariantDoubleRounding, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !r.Pass {
			t.Errorf("%s: max difference %d LSB\n got  %v\n want %v", name, r.MaxDiff, r.Actual, c.Expected.Data)
		}
	}
}

// TestVariantDeviations pins exactly which NNAPI cases each variant changes
// at tolerance 0 and that every change stays within NNAPI's tolerance of 1.
func TestVariantDeviations(t *testing.T) {
	byName := loadNNAPI(t)
	want := map[quant.Variant][]string{
		quant.VariantDoubleRounding:      nil,
		quant.VariantDoubleRoundingNoSat: nil,
		// 81 x 0.25 and 261 x 0.25 are not ties, but double rounding makes them round up
		quant.VariantSingleRounding: {"conv_quant8_large"},
		quant.VariantRoundHalfAway:  {"conv_quant8_large"},
		quant.VariantMult16:         {"conv_quant8_large"},
		quant.VariantMult24:         {"conv_quant8_large"},
		// round half to even also turns 202.5 into 202
		quant.VariantFP32: {"conv_quant8_large", "conv_quant8_overflow"},
		// truncation also floors 15.x and 37.5 in conv_quant8_channels
		quant.VariantTruncate: {"conv_quant8_channels", "conv_quant8_large", "conv_quant8_overflow"},
	}
	for v, wantFailing := range want {
		var failing []string
		for name, c := range byName {
			r, err := CheckCase(name, c, v, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Pass {
				failing = append(failing, name)
			}
			if r1, _ := CheckCase(name, c, v, 1); !r1.Pass {
				t.Errorf("%v: %s differs by %d LSB, beyond NNAPI's tolerance of 1", v, name, r1.MaxDiff)
			}
		}
		slices.Sort(failing)
		if !slices.Equal(failing, wantFailing) {
			t.Errorf("%v fails %v at tolerance 0, want %v", v, failing, wantFailing)
		}
	}
}

// TestConvQuant8LargeNeedsDoubleRounding is the check QUANT.md describes:
// single rounding and fp32 must fail conv_quant8_large at tolerance 0 and
// pass it at tolerance 1.
func TestConvQuant8LargeNeedsDoubleRounding(t *testing.T) {
	c := loadNNAPI(t)["conv_quant8_large"]
	for _, v := range []quant.Variant{quant.VariantSingleRounding, quant.VariantFP32} {
		r0, err := CheckCase("conv_quant8_large", c, v, 0)
		if err != nil {
			t.Fatal(err)
		}
		r1, _ := CheckCase("conv_quant8_large", c, v, 1)
		if r0.Pass || r0.MaxDiff != 1 || !r1.Pass {
			t.Errorf("%v: tolerance 0 pass=%v (max diff %d), tolerance 1 pass=%v; want fail, 1, pass", v, r0.Pass, r0.MaxDiff, r1.Pass)
		}
	}
}
