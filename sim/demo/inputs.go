package demo

import (
	"fmt"
	"math"
	"strings"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
	"github.com/npusim/npusim/workloads/zoo"
)

// MulInputs are what the "2 x 3" walkthrough multiplies: a real activation X
// and a real weight W, and the int8 quantization parameters of the
// activation, the weight and the output.
type MulInputs struct {
	X         float64      `json:"x"`
	W         float64      `json:"w"`
	XParams   quant.Params `json:"xParams"`
	WParams   quant.Params `json:"wParams"`
	OutParams quant.Params `json:"outParams"`
}

// DefaultMulInputs are the classroom's 2 x 3 on the parameters of the mac2x3
// workload.
func DefaultMulInputs() MulInputs {
	return MulInputs{X: 2, W: 3, XParams: zoo.Mac2x3Input, WParams: zoo.Mac2x3Weight, OutParams: zoo.Mac2x3Output}
}

// Validate checks the inputs. Errors start with the field's name as the
// command line spells it (x, w, x-scale, x-zero-point, w-scale,
// w-zero-point, out-scale, out-zero-point).
func (in MulInputs) Validate() error {
	for _, v := range []struct {
		name string
		x    float64
	}{{"x", in.X}, {"w", in.W}} {
		if math.IsNaN(v.x) || math.IsInf(v.x, 0) {
			return fmt.Errorf("%s: must be a finite number, got %v", v.name, v.x)
		}
	}
	for _, p := range []struct {
		name string
		p    quant.Params
	}{{"x", in.XParams}, {"w", in.WParams}, {"out", in.OutParams}} {
		if err := p.p.Validate(quant.Int8, []int{1}); err != nil {
			return fmt.Errorf("%s-%s", p.name, fieldName(err))
		}
	}
	if m := quant.RealMultiplier(in.XParams.Scale, in.WParams.Scale, in.OutParams.Scale); m >= 1 {
		return fmt.Errorf("out-scale: must be more than x-scale x w-scale = %.6g: the walkthrough takes "+
			"layer multipliers below 1, as NNAPI required of fully connected layers before Android 10 (got %.6g)",
			float64(in.XParams.Scale)*float64(in.WParams.Scale), m)
	}
	return nil
}

// fieldName turns quant.Params.Validate's "scale: ..." and "zeroPoint: ..."
// into the command line's "scale: ..." and "zero-point: ...".
func fieldName(err error) string {
	s := err.Error()
	if rest, ok := strings.CutPrefix(s, "zeroPoint"); ok {
		return "zero-point" + rest
	}
	return s
}

// NewMulOf builds the walkthrough on the given inputs: the default demo
// with other numbers, scales or zero points.
func NewMulOf(in MulInputs) (*Mul, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return newMul(in), nil
}

// workload is the demo's multiply as a one-layer workload: an int8 fully
// connected layer of one input and one unit, with the demo's parameters,
// its weight code and its input code (for the default inputs, the mac2x3
// workload's model and input).
func (d *Mul) workload() (*workloads.Workload, error) {
	m := &workloads.Model{Name: "mac2x3"}
	tensor := func(name string, t quant.Type, p quant.Params, data []int32) int {
		shape := []int{1, 1}
		if t == quant.Int32 {
			shape = []int{1}
		}
		return m.AddTensor(&workloads.Tensor{Name: name, Tensor: quant.Tensor{Type: t, Shape: shape, Params: p, Data: data}})
	}
	biasScale := float32(float64(d.XParams.Scale) * float64(d.WParams.Scale))
	x := tensor("x", d.XType, d.XParams, nil)
	w := tensor("w", d.WType, d.WParams, []int32{d.QW})
	b := tensor("b", quant.Int32, quant.Params{Scale: biasScale}, []int32{0})
	y := tensor("y", d.OutType, d.OutPars, nil)
	m.Ops = []*workloads.Op{{Name: "mul", Kind: workloads.FullyConnected, Inputs: []int{x, w, b}, Output: y}}
	m.Inputs, m.Outputs = []int{x}, []int{y}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	in := quant.NewTensor(d.XType, []int{1, 1}, d.XParams)
	in.Data[0] = d.QX
	return &workloads.Workload{Model: m, Inputs: [][]*quant.Tensor{{in}}}, nil
}
