package quant

import (
	"slices"
	"strings"
	"testing"
)

func TestActivationRange(t *testing.T) {
	cases := []struct {
		act    Activation
		typ    Type
		scale  float32
		zp     int32
		lo, hi int32
	}{
		{ActNone, Uint8, 0.5, 128, 0, 255},
		{ActNone, Int8, 0.5, 0, -128, 127},
		{ActRelu, Uint8, 1, 128, 128, 255},
		{ActRelu, Int8, 0.1, -20, -20, 127},
		{ActRelu6, Uint8, 0.5, 0, 0, 12},
		{ActRelu6, Int8, 6.0 / 255, -128, -128, 127},
		{ActRelu1, Uint8, 0.5, 0, 0, 2},
		{ActRelu1, Uint8, 1.0 / 64, 128, 64, 192},
		{ActRelu6, Uint8, 0.01, 200, 200, 255}, // 6/0.01 = 600 clips to 255
		{ActRelu1, Int8, 0.004, 0, -128, 127},  // 1/0.004 = 250 clips both ways
		{ActRelu6, Uint8, 0.08, 0, 0, 75},      // 75 exactly in float32
		{ActRelu6, Uint8, 2.4, 0, 0, 3},        // 2.5 rounds half away from zero to 3
	}
	for _, c := range cases {
		lo, hi := c.act.Range(c.typ, c.scale, c.zp)
		if lo != c.lo || hi != c.hi {
			t.Errorf("%v on %v scale %v zp %d: [%d, %d], want [%d, %d]", c.act, c.typ, c.scale, c.zp, lo, hi, c.lo, c.hi)
		}
	}
}

func TestSamePadding(t *testing.T) {
	cases := []struct{ in, filter, stride, dilation, head, tail int }{
		{4, 2, 2, 1, 0, 0},
		{5, 3, 1, 1, 1, 1},
		{224, 3, 2, 1, 0, 1}, // the odd pixel goes to the tail
		{7, 3, 1, 2, 2, 2},
		{2, 4, 1, 1, 1, 2},
	}
	for _, c := range cases {
		h, tl := SamePadding(c.in, c.filter, c.stride, c.dilation)
		if h != c.head || tl != c.tail {
			t.Errorf("SamePadding(%d, %d, %d, %d) = (%d, %d), want (%d, %d)", c.in, c.filter, c.stride, c.dilation, h, tl, c.head, c.tail)
		}
		if out := ConvOutputSize(c.in, c.filter, c.stride, c.dilation, h, tl); out != (c.in+c.stride-1)/c.stride {
			t.Errorf("SAME output of %d with stride %d is %d, want %d", c.in, c.stride, out, (c.in+c.stride-1)/c.stride)
		}
	}
}

func TestBroadcast(t *testing.T) {
	out, err := BroadcastShape([]int{2, 1, 3}, []int{4, 1})
	if err != nil || !slices.Equal(out, []int{2, 4, 3}) {
		t.Fatalf("BroadcastShape = %v, %v; want [2 4 3]", out, err)
	}
	if _, err := BroadcastShape([]int{2, 3}, []int{4}); err == nil {
		t.Error("[2 3] and [4] broadcast, want an error")
	}
	// Element (i, j, k) of [2 4 3] reads a[i, 0, k] and b[j, 0].
	for flat := range 24 {
		i, j, k := flat/12, flat/3%4, flat%3
		if got := BroadcastIndex([]int{2, 1, 3}, out, flat); got != i*3+k {
			t.Errorf("a index of %d = %d, want %d", flat, got, i*3+k)
		}
		if got := BroadcastIndex([]int{4, 1}, out, flat); got != j {
			t.Errorf("b index of %d = %d, want %d", flat, got, j)
		}
	}
}

func TestParamsValidate(t *testing.T) {
	cases := []struct {
		name string
		typ  Type
		p    Params
		want string
	}{
		{"zero scale", Uint8, Params{Scale: 0}, "scale: must be a finite number > 0, got 0"},
		{"zero point", Uint8, Params{Scale: 1, ZeroPoint: 300}, "zeroPoint: 300 outside 0..255 for TENSOR_QUANT8_ASYMM"},
		{"signed zero point", Int8, Params{Scale: 1, ZeroPoint: 128}, "zeroPoint: 128 outside -128..127"},
		{"channel count", Int8PerChannel, Params{Scales: []float32{1, 1}, Axis: 0}, "scales: 2 scales for 3 channels"},
		{"channel axis", Int8PerChannel, Params{Scales: []float32{1, 1, 1}, Axis: 4}, "channelDim: 4 outside"},
		{"channel scale", Int8PerChannel, Params{Scales: []float32{1, -1, 1}, Axis: 0}, "scales[1]: must be a finite number > 0"},
		{"bias zero point", Int32, Params{Scale: 1, ZeroPoint: 1}, "zeroPoint: must be 0"},
	}
	for _, c := range cases {
		err := c.p.Validate(c.typ, []int{3, 1, 1, 2})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}
