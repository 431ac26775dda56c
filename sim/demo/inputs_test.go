package demo

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/quant"
)

// TestMulDemoWorkloadIsMac2x3 holds the demo's one-layer workload, for the
// default inputs, to the mac2x3 workload the sweeps run.
func TestMulDemoWorkloadIsMac2x3(t *testing.T) {
	got, err := NewMul().workload()
	if err != nil {
		t.Fatal(err)
	}
	want, err := zoo.Load("mac2x3")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Model.Tensors) != len(want.Model.Tensors) {
		t.Fatalf("%d tensors, mac2x3 has %d", len(got.Model.Tensors), len(want.Model.Tensors))
	}
	for i, w := range want.Model.Tensors {
		g := got.Model.Tensors[i]
		if g.Name != w.Name || !reflect.DeepEqual(g.Tensor, w.Tensor) {
			t.Errorf("tensor %d: %+v, mac2x3 has %+v", i, g, w)
		}
	}
	if !reflect.DeepEqual(got.Model.Ops, want.Model.Ops) || !reflect.DeepEqual(got.Inputs, want.Inputs) {
		t.Errorf("ops %+v inputs %+v, mac2x3 has %+v and %+v", got.Model.Ops[0], got.Inputs, want.Model.Ops[0], want.Inputs)
	}
}

// TestMulDemoOf checks other inputs against figures worked by hand.
func TestMulDemoOf(t *testing.T) {
	in := DefaultMulInputs()
	in.X = 2.5
	in.WParams.ZeroPoint = 3
	in.OutParams.Scale = 0.07
	d, err := NewMulOf(in)
	if err != nil {
		t.Fatal(err)
	}
	// 2.5 / 0.25 = code 10; 3.0 / (3/127) + 3 = 130 clamps to 127, which
	// stands for 124 steps (2.929...); (10 - 0) x (127 - 3) = 1240.
	// 7.5 / 0.07 = 107.14: the right code is 107.
	if d.QX != 10 || d.QW != 127 || d.Acc != 1240 || d.Target != 107 {
		t.Errorf("codes %d, %d, accumulator %d, target %d; want 10, 127, 1240, 107", d.QX, d.QW, d.Acc, d.Target)
	}
	// 1240 x 0.25 x 0.023622047 / 0.07 = 104.61: 105 rounding, 104
	// truncating; none is the right 107, because the weight clamped.
	for _, r := range d.Rows {
		want := int32(105)
		if r.Variant == quant.VariantTruncate {
			want = 104
		}
		if r.Code != want || r.Six {
			t.Errorf("%v: code %d (right %v), want %d, not right", r.Variant, r.Code, r.Six, want)
		}
	}
	if math.Abs(d.Exact-104.6119) > 1e-4 {
		t.Errorf("exact product %v, want 104.6119", d.Exact)
	}
}

func TestMulInputsValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*MulInputs)
		want string
	}{
		{"nan x", func(in *MulInputs) { in.X = math.NaN() }, "x: must be a finite number, got NaN"},
		{"infinite w", func(in *MulInputs) { in.W = math.Inf(-1) }, "w: must be a finite number, got -Inf"},
		{"zero scale", func(in *MulInputs) { in.XParams.Scale = 0 }, "x-scale: must be a finite number > 0, got 0"},
		{"zero point", func(in *MulInputs) { in.WParams.ZeroPoint = 200 }, "w-zero-point: 200 outside -128..127"},
		{"output zero point", func(in *MulInputs) { in.OutParams.ZeroPoint = -129 }, "out-zero-point: -129 outside -128..127"},
		{"multiplier 1", func(in *MulInputs) { in.OutParams.Scale = 0.001 }, "out-scale: must be more than x-scale x w-scale = 0.00590551"},
	} {
		in := DefaultMulInputs()
		c.edit(&in)
		_, err := NewMulOf(in)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to start %q", c.name, err, c.want)
		}
	}
	// Huge values clamp instead of overflowing a conversion.
	in := DefaultMulInputs()
	in.X = 1e300
	d, err := NewMulOf(in)
	if err != nil || d.QX != 127 || d.Target != 127 {
		t.Errorf("x = 1e300: %v, code %d, target %d; want codes 127", err, d.QX, d.Target)
	}
}
