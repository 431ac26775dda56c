package workloads

import (
	"math"
	"testing"

	"github.com/npusim/npusim/quant"
)

// TestQuantizeFollowsTFLiteScheme quantizes a small float network and checks
// the scheme and that the int8 model tracks the float one.
func TestQuantizeFollowsTFLiteScheme(t *testing.T) {
	b := NewBuilder("small", 3)
	x := b.Input("x", 1, 8, 8, 3)
	c := b.Conv("conv", x, 8, 3, 3, 1, Same, quant.ActRelu6)
	d := b.Depthwise("dw", c, 3, 2, Same, quant.ActRelu)
	p := b.GlobalAveragePool("pool", d)
	f := b.FC("fc", b.Reshape("flat", p, 1, 8), 4, quant.ActNone)
	fm := b.Build("test", b.Softmax("prob", f, 1))
	var calib [][][]float32
	for i := range 8 {
		in := make([]float32, 8*8*3)
		for k := range in {
			in[k] = float32(math.Sin(float64(k*(i+1)))) * 2
		}
		calib = append(calib, [][]float32{in})
	}
	m, err := Quantize(fm, calib)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Tensor{}
	for _, t := range m.Tensors {
		byName[t.Name] = t
	}
	if w := byName["conv/weights"]; w.Type != quant.Int8PerChannel || w.Params.Axis != 0 || len(w.Params.Scales) != 8 {
		t.Errorf("conv weights %v axis %d with %d scales, want per-channel along 0", w.Type, w.Params.Axis, len(w.Params.Scales))
	}
	if w := byName["dw/weights"]; w.Type != quant.Int8PerChannel || w.Params.Axis != 3 {
		t.Errorf("depthwise weights %v axis %d, want per-channel along 3", w.Type, w.Params.Axis)
	}
	if w := byName["fc/weights"]; w.Type != quant.Int8 || w.Params.ZeroPoint != 0 {
		t.Errorf("fc weights %v zero point %d, want per-tensor symmetric", w.Type, w.Params.ZeroPoint)
	}
	if o := byName["prob"]; o.Params.Scale != 1.0/256 || o.Params.ZeroPoint != -128 {
		t.Errorf("softmax output %+v, want 1/256 and -128", o.Params)
	}
	if o, in := byName["pool"], byName["dw"]; o.Params.Scale != in.Params.Scale || o.Params.ZeroPoint != in.Params.ZeroPoint {
		t.Errorf("pool output %+v differs from its input %+v", o.Params, in.Params)
	}
	r := byName["conv"].Range
	if r == nil || r.Min < 0 || r.Max > 6 || r.Max <= 0 {
		t.Errorf("conv (relu6) observed range %+v, want within [0, 6]", r)
	}
	for _, w := range []string{"conv/weights", "dw/weights", "fc/weights"} {
		for _, q := range byName[w].Data {
			if q < -127 || q > 127 {
				t.Fatalf("%s holds %d outside the symmetric range", w, q)
			}
		}
	}
}

func TestActivationParams(t *testing.T) {
	cases := []struct {
		r     Range
		scale float32
		zp    int32
	}{
		{Range{0, 6}, 6.0 / 255, -128},
		{Range{-1, 1.5}, 2.5 / 255, -26},
		{Range{2, 4}, 4.0 / 255, -128},
		{Range{-3, -1}, 3.0 / 255, 127},
	}
	for _, c := range cases {
		p := ActivationParams(c.r)
		if math.Abs(float64(p.Scale-c.scale)) > 1e-7 || p.ZeroPoint != c.zp {
			t.Errorf("%+v: %+v, want scale %v zero point %d", c.r, p, c.scale, c.zp)
		}
	}
}
