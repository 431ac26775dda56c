package reference

import (
	"fmt"
	"slices"

	"github.com/npusim/npusim/quant"
)

func checkBroadcast(op string, a, b, out *quant.Tensor) error {
	want, err := quant.BroadcastShape(a.Shape, b.Shape)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if !slices.Equal(want, out.Shape) {
		return fmt.Errorf("%s: output shape %v, want %v", op, out.Shape, want)
	}
	return nil
}

// Add computes ADD with broadcasting, by TFLite's fixed-point algorithm.
func Add(a, b, out *quant.Tensor, act quant.Activation) error {
	if err := checkBroadcast("ADD", a, b, out); err != nil {
		return err
	}
	p := quant.NewAddParams(a.Params, b.Params, out.Params)
	lo, hi := act.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	if fastKernels && addOnStored(a, b, out, act) {
		return nil
	}
	for o := range out.Data {
		x, y := a.Data[quant.BroadcastIndex(a.Shape, out.Shape, o)], b.Data[quant.BroadcastIndex(b.Shape, out.Shape, o)]
		out.Data[o] = quant.Clamp(int64(p.Apply(x, y)), lo, hi)
	}
	return nil
}

// addOnStored is Add by AddStored on the stored bytes of 8-bit tensors;
// false, with out untouched, where AddStored or the bytes cannot hold it.
func addOnStored(a, b, out *quant.Tensor, act quant.Activation) bool {
	sb, ok := StoredOf(b)
	return ok && onStored(a, out, func(sa, so Stored) bool { return AddStored(sa, sb, so, act) })
}

// addTable is input k's first step (quant.AddParams.ScaleInput) of the
// value of every byte of an 8-bit type, indexed by the byte.
func addTable(p quant.AddParams, k int, t quant.Type) *[256]int32 {
	var table [256]int32
	for b := range table {
		v := int32(b)
		if t.Signed() {
			v = int32(int8(b))
		}
		table[b] = p.ScaleInput(k, v)
	}
	return &table
}

// Mul computes MUL with broadcasting: the product of the zero-point-corrected
// inputs, requantized by the variant.
func Mul(a, b, out *quant.Tensor, act quant.Activation, v quant.Variant) error {
	if err := checkBroadcast("MUL", a, b, out); err != nil {
		return err
	}
	p := quant.NewMulParams(a.Params, b.Params, out.Params, v)
	lo, hi := act.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	for o := range out.Data {
		x, y := a.Data[quant.BroadcastIndex(a.Shape, out.Shape, o)], b.Data[quant.BroadcastIndex(b.Shape, out.Shape, o)]
		acc := p.Product(x, y)
		out.Data[o] = v.Requantize(acc, p.Multiplier, p.OutOffset, lo, hi)
	}
	return nil
}

// ActivationOp computes the standalone RELU, RELU1 and RELU6 operations: a
// clamp of the input to the activation's range on the output's grid (NNAPI
// requires input and output to share their quantization).
func ActivationOp(in, out *quant.Tensor, act quant.Activation) error {
	if len(in.Data) != len(out.Data) {
		return fmt.Errorf("%v: input has %d elements, output %d", act, len(in.Data), len(out.Data))
	}
	lo, hi := act.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	for i, x := range in.Data {
		out.Data[i] = quant.Clamp(int64(x), lo, hi)
	}
	return nil
}

// Softmax computes SOFTMAX along the last dimension by TFLite's fixed-point
// algorithm. The output must have scale 1/256 and zero point at the type's
// minimum.
func Softmax(in, out *quant.Tensor, beta float32) error {
	if err := checkProbabilityOutput("SOFTMAX", in, out); err != nil {
		return err
	}
	depth := in.Shape[len(in.Shape)-1]
	p := quant.NewSoftmaxParams(beta, in.Params.Scale)
	for r := 0; r < len(in.Data); r += depth {
		p.SoftmaxRow(in.Data[r:r+depth], out.Data[r:r+depth], out.Type)
	}
	return nil
}

// Logistic computes LOGISTIC by TFLite's fixed-point algorithm. The output must
// have scale 1/256 and zero point at the type's minimum.
func Logistic(in, out *quant.Tensor) error {
	if err := checkProbabilityOutput("LOGISTIC", in, out); err != nil {
		return err
	}
	p := quant.NewLogisticParams(in.Params)
	for i, x := range in.Data {
		out.Data[i] = p.Apply(x, out.Type)
	}
	return nil
}

func checkProbabilityOutput(op string, in, out *quant.Tensor) error {
	if !slices.Equal(in.Shape, out.Shape) {
		return fmt.Errorf("%s: output shape %v, want %v", op, out.Shape, in.Shape)
	}
	if out.Params.Scale != 1.0/256 || out.Params.ZeroPoint != out.Type.Min() {
		return fmt.Errorf("%s: output must have scale 1/256 and zero point %d, got %v and %d",
			op, out.Type.Min(), out.Params.Scale, out.Params.ZeroPoint)
	}
	return nil
}
