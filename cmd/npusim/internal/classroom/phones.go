package classroom

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/sim/experiment"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// The networks and hardware panel 3 offers.
var (
	PhoneWorkloads = []string{"digits-cnn", "digits-mlp"}
	PhoneHW        = []string{"mobile-npu", "tiny", "low-cost", "edge-tpu-like"}
)

// DigitPixels is the number of pixels of a digit: 8 x 8, each 0..16 (the
// count of set pixels in a 4 x 4 block of a 32 x 32 bitmap).
const DigitPixels = 64

// DefaultTestImage is the test image panel 3 opens with: a 2 on which the
// digits CNN on mobile-npu ties its codes for 1 and 2 under the reference
// arithmetic (so the phone reports the first, 1), while two drivers'
// shortcuts (per-tensor, vendor-b) break the tie and report 2.
const DefaultTestImage = 179

// PhonesRequest is panel 3's input: a network, a hardware configuration and
// either a test image (Test >= 0) or a drawn one (Pixels, Test < 0).
type PhonesRequest struct {
	Workload string `json:"workload"`
	HW       string `json:"hw"`
	Test     int    `json:"test"`
	Pixels   []int  `json:"pixels,omitempty"`
}

// PhonesView is panel 3: the image and, for the reference interpreter and
// every driver policy's phone, the output codes and the class reported.
type PhonesView struct {
	Workload string `json:"workload"`
	HW       string `json:"hw"`
	// Pixels are the image as the network sees it (0..16 each); Label its
	// true class for a test image.
	Pixels    []int   `json:"pixels"`
	Label     *int    `json:"label"`
	Tests     int     `json:"tests"`
	Reference Phone   `json:"reference"`
	Phones    []Phone `json:"phones"`
	// Tally counts the phones reporting each class, most phones first.
	Tally []ClassCount `json:"tally"`
}

// ClassCount is how many phones report a class.
type ClassCount struct {
	Class  int `json:"class"`
	Phones int `json:"phones"`
}

// Phone is one driver policy's answer: the network's output codes (one per
// class), the class it reports (the first largest code) and whether it
// differs from the reference; Error says why the policy cannot run on the
// hardware.
type Phone struct {
	Policy      string  `json:"policy"`
	Description string  `json:"description"`
	Codes       []int32 `json:"codes"`
	Class       int     `json:"class"`
	SameCodes   bool    `json:"sameCodes"`
	SameClass   bool    `json:"sameClass"`
	Cycles      uint64  `json:"cycles"`
	EnergyUJ    float64 `json:"energyUJ"`
	Error       string  `json:"error,omitempty"`
}

// programs caches loaded workloads and compiled programs: loading a digits
// network quantizes it, and the page asks for the same ones again and again.
var programs struct {
	sync.Mutex
	workloads map[string]*workloads.Workload
	compiled  map[string]compiled
}

type compiled struct {
	c   *drivers.Compiled
	err error
}

func loadDigits(name string) (*workloads.Workload, error) {
	if !slices.Contains(PhoneWorkloads, name) {
		return nil, fmt.Errorf("workload: want one of %v, got %q", PhoneWorkloads, name)
	}
	programs.Lock()
	defer programs.Unlock()
	if w := programs.workloads[name]; w != nil {
		return w, nil
	}
	w, err := zoo.Load(name)
	if err != nil {
		return nil, err
	}
	if programs.workloads == nil {
		programs.workloads = map[string]*workloads.Workload{}
	}
	programs.workloads[name] = w
	return w, nil
}

func compile(w *workloads.Workload, policy string, hw *npu.Config) (*drivers.Compiled, error) {
	key := w.Name + "|" + policy + "|" + hw.Name
	programs.Lock()
	defer programs.Unlock()
	if c, ok := programs.compiled[key]; ok {
		return c.c, c.err
	}
	p, err := drivers.LoadPolicy(policy)
	var c *drivers.Compiled
	if err == nil {
		c, err = drivers.Compile(w.Model, p, hw)
	}
	if programs.compiled == nil {
		programs.compiled = map[string]compiled{}
	}
	programs.compiled[key] = compiled{c, err}
	return c, err
}

// Phones classifies the request's image with the reference interpreter and
// under every driver preset on the hardware.
func Phones(req PhonesRequest) (*PhonesView, error) {
	w, err := loadDigits(req.Workload)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(PhoneHW, req.HW) {
		return nil, fmt.Errorf("hw: want one of %v, got %q", PhoneHW, req.HW)
	}
	hw, err := npu.LoadConfig(req.HW)
	if err != nil {
		return nil, err
	}
	input, v, err := image(w, req)
	if err != nil {
		return nil, err
	}
	ref, err := experiment.RunReference(w.Model, []*quant.Tensor{input}, quant.VariantDoubleRounding)
	if err != nil {
		return nil, err
	}
	refCodes := ref[w.Model.Outputs[0]].Data
	v.Reference = Phone{Policy: "reference interpreter", Codes: refCodes, Class: firstLargest(refCodes),
		SameCodes: true, SameClass: true,
		Description: "the bit-exact CPU interpreter: what every phone should answer"}
	for _, name := range drivers.Presets() {
		v.Phones = append(v.Phones, v.phone(w, name, hw, input))
	}
	v.Tally = tally(v.Phones)
	return v, nil
}

// tally counts the phones that ran by the class they report.
func tally(phones []Phone) []ClassCount {
	var counts []ClassCount
	for _, p := range phones {
		if p.Error != "" {
			continue
		}
		i := slices.IndexFunc(counts, func(c ClassCount) bool { return c.Class == p.Class })
		if i < 0 {
			counts = append(counts, ClassCount{Class: p.Class})
			i = len(counts) - 1
		}
		counts[i].Phones++
	}
	slices.SortStableFunc(counts, func(a, b ClassCount) int {
		if a.Phones != b.Phones {
			return b.Phones - a.Phones
		}
		return a.Class - b.Class
	})
	return counts
}

// phone runs the image on the NPU under one policy.
func (v *PhonesView) phone(w *workloads.Workload, policy string, hw *npu.Config, input *quant.Tensor) Phone {
	p := Phone{Policy: policy}
	if pol, err := drivers.LoadPolicy(policy); err == nil {
		p.Description = pol.Description
	}
	c, err := compile(w, policy, hw)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	run, err := experiment.RunCompiled(c, []*quant.Tensor{input})
	if err != nil {
		p.Error = err.Error()
		return p
	}
	p.Codes = run.Outputs[0].Data
	p.Class = firstLargest(p.Codes)
	p.SameCodes = slices.Equal(p.Codes, v.Reference.Codes)
	p.SameClass = p.Class == v.Reference.Class
	p.Cycles, p.EnergyUJ = run.Stats.Cycles, run.Stats.Energy.Total()/1e6
	return p
}

// image returns the request's input tensor and a view holding its pixels:
// a test image as shipped with the workload, or drawn pixels quantized as
// the workload quantizes its images (pixel / 16).
func image(w *workloads.Workload, req PhonesRequest) (*quant.Tensor, *PhonesView, error) {
	v := &PhonesView{Workload: req.Workload, HW: req.HW, Tests: len(w.Inputs)}
	in := w.Model.Tensors[w.Model.Inputs[0]]
	if req.Test >= 0 {
		if req.Test >= len(w.Inputs) {
			return nil, nil, fmt.Errorf("test: want an image from 0 to %d, got %d", len(w.Inputs)-1, req.Test)
		}
		t := w.Inputs[req.Test][0]
		for _, q := range t.Data {
			v.Pixels = append(v.Pixels, int(math.Round(t.Params.Dequantize(q)*16)))
		}
		label := w.Labels[req.Test]
		v.Label = &label
		return t, v, nil
	}
	if len(req.Pixels) != DigitPixels {
		return nil, nil, fmt.Errorf("pixels: want %d values, got %d", DigitPixels, len(req.Pixels))
	}
	x := make([]float32, DigitPixels)
	for i, p := range req.Pixels {
		if p < 0 || p > 16 {
			return nil, nil, fmt.Errorf("pixels[%d]: want 0..16, got %d", i, p)
		}
		x[i] = float32(p) / 16
	}
	v.Pixels = req.Pixels
	return workloads.QuantizeInput(in, x), v, nil
}

// firstLargest is the class a classifier reports: the index of the largest
// output code, the first one on a tie (as sim's top-1 agreement counts it).
func firstLargest(codes []int32) int {
	best := 0
	for i, c := range codes {
		if c > codes[best] {
			best = i
		}
	}
	return best
}

// DownsampleDrawing turns a 32 x 32 drawing (row-major, true where the pen
// went) into the 8 x 8 image the digits networks read, as the UCI data set
// was made: the drawing's bounding box is scaled to fill the 32 x 32 box
// (keeping its aspect ratio, centred), then each pixel counts the set
// pixels of its 4 x 4 block (0..16). An empty drawing gives an empty image.
func DownsampleDrawing(bits []bool) ([]int, error) {
	const side = 32
	if len(bits) != side*side {
		return nil, fmt.Errorf("drawing: want %d pixels, got %d", side*side, len(bits))
	}
	x0, y0, x1, y1 := side, side, -1, -1
	for i, b := range bits {
		if b {
			x, y := i%side, i/side
			x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
		}
	}
	out := make([]int, DigitPixels)
	if x1 < 0 {
		return out, nil
	}
	w, h := x1-x0+1, y1-y0+1
	size := max(w, h)
	// The box of side size, centred on the drawing, maps onto 32 x 32.
	bx, by := x0-(size-w)/2, y0-(size-h)/2
	for y := range side {
		for x := range side {
			sx, sy := bx+x*size/side, by+y*size/side
			if sx >= 0 && sx < side && sy >= 0 && sy < side && bits[sy*side+sx] {
				out[(y/4)*8+x/4]++
			}
		}
	}
	return out, nil
}
