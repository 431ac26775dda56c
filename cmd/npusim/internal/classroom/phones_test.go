package classroom

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/drivers"
)

// TestPhonesDefaultImage classifies the page's opening image: test image
// 179, a 2 on which the digits CNN on mobile-npu ties the codes of 1 and 2
// (0 and 0) under the reference arithmetic, and per-tensor and vendor-b
// move them to -17 and 17.
func TestPhonesDefaultImage(t *testing.T) {
	v, err := Phones(Defaults().Phones)
	if err != nil {
		t.Fatal(err)
	}
	if v.Label == nil || *v.Label != 2 || v.Reference.Class != 1 || len(v.Pixels) != DigitPixels || v.Tests != 539 {
		t.Fatalf("label %v, reference class %d, %d pixels, %d tests", v.Label, v.Reference.Class, len(v.Pixels), v.Tests)
	}
	if len(v.Phones) != len(drivers.Presets()) {
		t.Fatalf("%d phones, want one per preset (%d)", len(v.Phones), len(drivers.Presets()))
	}
	if !slices.Equal(v.Reference.Codes, []int32{-128, 0, 0, -128, -128, -128, -128, -128, -128, -128}) {
		t.Errorf("reference codes %v, want 0 for classes 1 and 2, -128 elsewhere", v.Reference.Codes)
	}
	for _, p := range v.Phones {
		if p.Error != "" {
			t.Errorf("%s: %s", p.Policy, p.Error)
		}
		if p.Policy == "reference" && (!p.SameCodes || !slices.Equal(p.Codes, v.Reference.Codes)) {
			t.Errorf("the reference policy's codes %v differ from the interpreter's %v", p.Codes, v.Reference.Codes)
		}
		if want := p.Policy == "per-tensor" || p.Policy == "vendor-b"; (p.Class == 2) != want {
			t.Errorf("%s reports %d (codes %v)", p.Policy, p.Class, p.Codes)
		}
	}
	if want := []ClassCount{{1, 14}, {2, 2}}; !slices.Equal(v.Tally, want) {
		t.Errorf("tally %+v, want %+v", v.Tally, want)
	}
}

// TestPhonesLowCost runs on hardware that has only a 16-bit requantizer:
// the shortcut policies that ask for another mode, or (vendor-c) for a
// fused datapath it lacks, cannot run; the exact reference policy runs
// through emulation and CPU fallback.
func TestPhonesLowCost(t *testing.T) {
	v, err := Phones(PhonesRequest{Workload: "digits-mlp", HW: "low-cost", Test: 0})
	if err != nil {
		t.Fatal(err)
	}
	cannot := 0
	for _, p := range v.Phones {
		if p.Error != "" {
			cannot++
		}
	}
	if cannot != 6 {
		t.Errorf("%d policies cannot run on low-cost, want 6 (fp32, single-rounding, truncate, vendor-b, vendor-c, vendor-dynamic)", cannot)
	}
}

func TestPhonesDrawn(t *testing.T) {
	pixels := make([]int, DigitPixels)
	for y := range 8 {
		pixels[y*8+3], pixels[y*8+4] = 16, 8 // a vertical stroke: a 1
	}
	v, err := Phones(PhonesRequest{Workload: "digits-cnn", HW: "mobile-npu", Test: -1, Pixels: pixels})
	if err != nil {
		t.Fatal(err)
	}
	if v.Label != nil || v.Reference.Class != 1 {
		t.Errorf("label %v, reference class %d; want no label and class 1", v.Label, v.Reference.Class)
	}
	for _, c := range []PhonesRequest{
		{Workload: "digits-cnn", HW: "mobile-npu", Test: -1, Pixels: pixels[:10]},
		{Workload: "digits-cnn", HW: "mobile-npu", Test: -1, Pixels: append(slices.Clone(pixels[:63]), 17)},
		{Workload: "digits-cnn", HW: "mobile-npu", Test: 539},
		{Workload: "mobilenet-v2", HW: "mobile-npu", Test: 0},
		{Workload: "digits-cnn", HW: "phone.yaml", Test: 0},
	} {
		if _, err := Phones(c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}

func TestDownsampleDrawing(t *testing.T) {
	const side = 32
	draw := func(x0, y0, x1, y1 int) []bool {
		bits := make([]bool, side*side)
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				bits[y*side+x] = true
			}
		}
		return bits
	}
	row := func(v []int, y int) []int { return v[y*8 : y*8+8] }
	// A small square anywhere fills the whole box.
	full, err := DownsampleDrawing(draw(20, 3, 27, 10))
	if err != nil || slices.ContainsFunc(full, func(p int) bool { return p != 16 }) {
		t.Errorf("an 8 x 8 square: %v, %v; want every pixel 16", full, err)
	}
	// A 4 wide, 8 tall bar scales to 16 x 32, centred: columns 8..23, which
	// are the image's columns 2..5.
	bar, err := DownsampleDrawing(draw(0, 0, 3, 7))
	if err != nil {
		t.Fatal(err)
	}
	for y := range 8 {
		if !slices.Equal(row(bar, y), []int{0, 0, 16, 16, 16, 16, 0, 0}) {
			t.Errorf("bar row %d: %v", y, row(bar, y))
		}
	}
	empty, err := DownsampleDrawing(make([]bool, side*side))
	if err != nil || slices.ContainsFunc(empty, func(p int) bool { return p != 0 }) {
		t.Errorf("an empty drawing: %v, %v", empty, err)
	}
	if _, err := DownsampleDrawing(make([]bool, 10)); err == nil {
		t.Error("10 pixels: no error")
	}
}
