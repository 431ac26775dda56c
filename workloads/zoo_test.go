package workloads

import (
	"math"
	"strings"
	"testing"

	"github.com/npusim/npusim/quant"
)

func TestLoadSpecs(t *testing.T) {
	w, err := Load("rnn-unrolled:steps=5")
	if err != nil {
		t.Fatal(err)
	}
	if w.Name != "rnn-unrolled:steps=5" || len(w.Model.Outputs) != 5 || w.Task != Recurrent {
		t.Errorf("got %s with %d outputs", w.Name, len(w.Model.Outputs))
	}
	same, _ := Load("rnn-unrolled:steps=5")
	if same != w {
		t.Error("a second Load built the workload again")
	}
	for spec, want := range map[string]string{
		"resnet-50":             "no such workload",
		"rnn-unrolled:depth=3":  `has no option "depth"`,
		"rnn-unrolled:steps=0":  "must be an integer from 1 to",
		"rnn-unrolled:steps=xx": "must be an integer from 1 to",
	} {
		if _, err := Load(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", spec, err, want)
		}
	}
}

// TestRNNSharesStateQuantization checks that every unrolled step stores its
// state on the same grid and reuses the same weights.
func TestRNNSharesStateQuantization(t *testing.T) {
	w, err := Load("rnn-unrolled")
	if err != nil {
		t.Fatal(err)
	}
	m := w.Model
	first := m.Tensors[m.Inputs[0]].Params
	for _, op := range m.Ops {
		if p := m.Tensors[op.Output].Params; p.Scale != first.Scale || p.ZeroPoint != first.ZeroPoint {
			t.Fatalf("%s stores its state with %+v, the input with %+v", op.Name, p, first)
		}
		if op.Inputs[1] != m.Ops[0].Inputs[1] || op.Inputs[2] != m.Ops[0].Inputs[2] {
			t.Fatalf("%s does not share the cell's weights", op.Name)
		}
	}
	if s := m.Summarize(); s.MACs != 24*32*32 || s.Params != 32*32+32 {
		t.Errorf("summary: %d MACs, %d params; want 24 steps x 1024 MACs and 1056 shared params", s.MACs, s.Params)
	}
}

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
