package classroom

import (
	"reflect"
	"strconv"
	"testing"

	"github.com/npusim/npusim/sim/demo"
)

func TestMulViewFormatsAsDemo(t *testing.T) {
	v, err := Mul(demo.DefaultMulInputs())
	if err != nil {
		t.Fatal(err)
	}
	if v.QX != 8 || v.QW != 127 || v.Acc != 1016 || v.Multiplier != "0.094488188624" || v.Exact != "95.9999996424" || v.Product != "6" || v.Target != 96 {
		t.Errorf("steps %+v", v)
	}
	want := map[string][4]string{ // multiplier, shift, code, right
		"double-rounding": {"1623294720", "-3", "96", "true"},
		"fp32":            {"0.0944881886", "-", "96", "true"},
		"mult16":          {"24770", "-3", "96", "true"},
		"truncate":        {"1623294720", "-3", "95", "false"},
	}
	for _, r := range v.Variants {
		w, ok := want[r.Variant]
		if !ok {
			continue
		}
		got := [4]string{r.MultiplierText, r.ShiftText, strconv.Itoa(int(r.Code)), strconv.FormatBool(r.Right)}
		if got != w {
			t.Errorf("%s: %v, want %v", r.Variant, got, w)
		}
	}
}

// TestSweepOutScale holds the slider's codes to the demo's at every point
// and its range to x x w from code 127 to code 4.
func TestSweepOutScale(t *testing.T) {
	in := demo.DefaultMulInputs()
	s, err := SweepOutScale(in, 61)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Scales) != 61 || s.Scales[0] != FormatScale(float32(6.0/127)) || s.Scales[60] != "1.5" {
		t.Errorf("%d scales from %s to %s, want 61 from 6/127 to 1.5", len(s.Scales), s.Scales[0], s.Scales[len(s.Scales)-1])
	}
	if s.Codes[0][0] != 127 || s.Codes[0][60] != 4 {
		t.Errorf("reference codes %d at the low end and %d at the high end, want 127 and 4", s.Codes[0][0], s.Codes[0][60])
	}
	disagreeing := 0
	for i, text := range s.Scales {
		scale, err := strconv.ParseFloat(text, 32)
		if err != nil {
			t.Fatal(err)
		}
		in.OutParams.Scale = float32(scale)
		d, err := demo.NewMulOf(in)
		if err != nil {
			t.Fatal(err)
		}
		differ := 0
		for k, r := range d.Rows {
			if s.Codes[k][i] != r.Code {
				t.Errorf("scale %s, %v: sweep code %d, demo code %d", text, r.Variant, s.Codes[k][i], r.Code)
			}
			if r.Code != d.Rows[0].Code {
				differ++
			}
		}
		if s.Disagree[i] != differ {
			t.Errorf("scale %s: %d disagree, the demo's codes say %d", text, s.Disagree[i], differ)
		}
		if differ > 0 {
			disagreeing++
		}
	}
	// Truncation gives one code less whenever the exact product is not a
	// whole number, so most scales have a disagreement; some do not.
	if disagreeing == 0 || disagreeing == 61 {
		t.Errorf("%d of 61 scales disagree: the slider shows nothing", disagreeing)
	}
	if _, err := SweepOutScale(in, 1); err == nil {
		t.Error("a sweep of 1 point: no error")
	}
}

func TestMulFormInputs(t *testing.T) {
	f := NewMulForm(demo.DefaultMulInputs())
	if f.WScale != "0.023622047" || f.X != "2" {
		t.Errorf("form %+v", f)
	}
	in, err := f.Inputs()
	if err != nil || !reflect.DeepEqual(in, demo.DefaultMulInputs()) {
		t.Errorf("the default form reads back as %+v, %v", in, err)
	}
	for _, c := range []struct {
		edit func(*MulForm)
		want string
	}{
		{func(f *MulForm) { f.X = "two" }, `x: "two" is not a number`},
		{func(f *MulForm) { f.OutZeroPoint = "1.5" }, `out-zero-point: "1.5" is not a whole number`},
		{func(f *MulForm) { f.WScale = "-1" }, "w-scale: must be a finite number > 0, got -1"},
	} {
		g := f
		c.edit(&g)
		if _, err := g.Inputs(); err == nil || err.Error() != c.want {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
