package drivers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// TestResolvePolicy: the resolve stage gives each op the policy's base
// arithmetic with the dynamic rules that hold for it under the device state.
func TestResolvePolicy(t *testing.T) {
	m := quantizedModel(t, func(b *workloads.Builder) []int {
		x := b.Input("x", 1, 8, 8, 4)
		x = b.Conv("conv", x, 8, 1, 1, 1, workloads.Same, quant.ActRelu)
		return []int{b.Depthwise("dw", x, 3, 1, workloads.Same, quant.ActNone)}
	})
	cases := []struct {
		state Conditions
		want  []string // per op: requantization, accumulation, partial sums, depthwise kernel, rules
	}{
		{Idle, []string{"conv double-rounding 32/wrap int32  []", "dw double-rounding 32/wrap int32 vector []"}},
		{Conditions{TemperatureC: 70, FreeSRAM: 1}, []string{
			"conv mult16 32/wrap int32  [rule 0 (hotter than 60 C)]",
			"dw mult16 32/wrap int32 vector [rule 0 (hotter than 60 C)]"}},
		{Conditions{TemperatureC: 35, FreeSRAM: 0.5, Load: 0.7}, []string{
			"conv double-rounding 32/wrap int16  [rule 1 (less than 0.9 of the SRAM free)]",
			"dw double-rounding 32/wrap int16 array [rule 1 (less than 0.9 of the SRAM free) rule 2 (DRAM load above 0.6, on [DEPTHWISE_CONV_2D])]"}},
	}
	for _, c := range cases {
		res, err := resolvePolicy(loadPolicy(t, "vendor-dynamic"), loadHW(t, "mobile-npu"), m, c.state)
		if err != nil {
			t.Fatal(err)
		}
		for k, ch := range res.choices {
			got := fmt.Sprintf("%s %v %d/%s %s %s %v", ch.Layer, ch.Requant, ch.Accumulate.Bits, ch.Accumulate.Overflow, ch.PartialSums, ch.Depthwise, ch.Rules)
			if got != c.want[k] {
				t.Errorf("%+v: %s, want %s", c.state, got, c.want[k])
			}
			if a := res.layers[k]; a.variant != ch.Requant || ch.Depthwise != "" && a.vectorDW != (ch.Depthwise == "vector") {
				t.Errorf("%+v: op %d's arithmetic %+v does not match its choice %+v", c.state, k, a, ch)
			}
		}
	}
	if _, err := resolvePolicy(loadPolicy(t, "mult16"), loadHW(t, "edge-tpu-like"), m, Idle); err == nil || !strings.Contains(err.Error(), "does not implement") {
		t.Errorf("mult16 on edge-tpu-like: %v", err)
	}
}

// TestPassesRewriteACopy: the passes stage rewrites a copy of the model and
// says what it did; the reference policy rewrites nothing.
func TestPassesRewriteACopy(t *testing.T) {
	m := quantizedModel(t, func(b *workloads.Builder) []int {
		return []int{b.Conv("conv", b.Input("x", 1, 4, 4, 3), 4, 1, 1, 1, workloads.Same, quant.ActNone)}
	})
	filter := m.Ops[0].Inputs[1]
	before := append([]float32(nil), m.Tensors[filter].Params.Scales...)
	cases := []struct {
		policy, hw string
		notes      string
	}{
		{"reference", "mobile-npu", ""},
		{"per-tensor", "mobile-npu", "weights per-tensor: 1 weight tensors requantized, biases re-derived"},
	}
	for _, c := range cases {
		tm, notes, err := applyPasses(m, loadPolicy(t, c.policy), loadHW(t, c.hw))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(notes, "; "); got != c.notes {
			t.Errorf("%s: notes %q, want %q", c.policy, got, c.notes)
		}
		scales := tm.Tensors[filter].Params.Scales
		largest := before[0]
		for _, s := range before {
			largest = max(largest, s)
		}
		for ch, s := range scales {
			if want := map[string]float32{"reference": before[ch], "per-tensor": largest}[c.policy]; s != want {
				t.Errorf("%s: channel %d's weight scale %g, want %g", c.policy, ch, s, want)
			}
		}
	}
	for ch, s := range m.Tensors[filter].Params.Scales {
		if s != before[ch] {
			t.Errorf("the passes changed the original model's weight scale %d", ch)
		}
	}
}
