package experiment

import (
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/area"
)

// summarize is the summary of the hardware a result carries.
func summarize(hw *npu.Config) *area.Summary {
	s := area.Summarize(hw)
	return &s
}

// Failed is the result of a cell that could not run: the error, and the
// summary of its hardware when the hardware loads (the area of a design
// does not depend on what runs on it).
func Failed(c Cell, err error) *Result {
	r := &Result{Cell: c, Error: err.Error()}
	if hw, herr := npu.LoadConfig(c.HW); herr == nil {
		r.Hardware = summarize(hw)
	}
	return r
}
