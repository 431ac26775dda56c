package classroom

import (
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/sim/demo"
)

// SweepPoints is the number of output scales panel 1's slider covers.
const SweepPoints = 241

// DefaultsView is what the page starts from: each panel's form and the
// choices its menus offer.
type DefaultsView struct {
	Mul    MulForm       `json:"mul"`
	Array  ArrayRequest  `json:"array"`
	Phones PhonesRequest `json:"phones"`
	// ArrayVariants are the requantization modes of the tiny array.
	ArrayVariants []string `json:"arrayVariants"`
	MaxArrayDim   int      `json:"maxArrayDim"`
	Workloads     []string `json:"workloads"`
	HW            []string `json:"hw"`
	SweepPoints   int      `json:"sweepPoints"`
}

// Defaults returns the page's starting point: npusim demo's 2 x 3, a small
// product on the tiny array, and a test digit that divides the phones.
func Defaults() *DefaultsView {
	d := &DefaultsView{
		Mul:         NewMulForm(demo.DefaultMulInputs()),
		Array:       DefaultArrayRequest(),
		Phones:      PhonesRequest{Workload: PhoneWorkloads[0], HW: PhoneHW[0], Test: DefaultTestImage},
		MaxArrayDim: MaxArrayDim, Workloads: PhoneWorkloads, HW: PhoneHW, SweepPoints: SweepPoints,
	}
	if cfg, err := npu.LoadConfig(ArrayHW); err == nil {
		for _, v := range cfg.RequantVariants() {
			d.ArrayVariants = append(d.ArrayVariants, v.String())
		}
	}
	return d
}
