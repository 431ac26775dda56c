package experiment

import (
	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads/cases"
)

// CaseResult is the outcome of one op test case.
type CaseResult struct {
	Name     string  `json:"name"`
	File     string  `json:"file"`
	Op       string  `json:"op"`
	Elements int     `json:"elements"`
	MaxDiff  int64   `json:"maxAbsDiffLSB"`
	Pass     bool    `json:"pass"`
	Actual   []int32 `json:"actual,omitempty"`
}

// CheckCase runs a case on the reference interpreter with variant v and
// compares its output with the expected one: it passes when no element
// differs by more than tolerance LSBs.
func CheckCase(file string, c *cases.Case, v quant.Variant, tolerance int64) (CaseResult, error) {
	values, err := RunReference(c.Model, c.Inputs, v)
	if err != nil {
		return CaseResult{}, err
	}
	actual := values[c.Model.Outputs[0]]
	return compareCase(file, c, actual.Data, tolerance), nil
}

// CheckCaseOnNPU compiles a case under a driver policy for the hardware,
// runs it on the simulated NPU and compares its output with the expected
// one.
func CheckCaseOnNPU(file string, c *cases.Case, p *drivers.Policy, hw *npu.Config,
	tolerance int64) (CaseResult, error) {
	compiled, err := drivers.Compile(c.Model, p, hw)
	if err != nil {
		return CaseResult{}, err
	}
	run, err := RunCompiled(compiled, c.Inputs)
	if err != nil {
		return CaseResult{}, err
	}
	return compareCase(file, c, run.Outputs[0].Data, tolerance), nil
}

func compareCase(file string, c *cases.Case, actual []int32, tolerance int64) CaseResult {
	r := CaseResult{Name: c.Name, File: file, Op: string(c.Model.Ops[0].Kind), Elements: len(actual), Actual: actual}
	r.MaxDiff = MaxAbsDiff(actual, c.Expected.Data)
	r.Pass = r.MaxDiff <= tolerance
	return r
}

// MaxAbsDiff is the largest absolute element difference of two equally long
// value slices, in LSBs.
func MaxAbsDiff(a, b []int32) int64 {
	var m int64
	for i := range a {
		d := int64(a[i]) - int64(b[i])
		m = max(m, d, -d)
	}
	return m
}
