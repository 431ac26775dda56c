package reference

import (
	"fmt"
	"math"
	"slices"

	"github.com/npusim/npusim/quant"
)

// This file reproduces ONNX Runtime's CPU kernels (MLAS) for the QOperator
// ops that package onnx exports, as ONNX Runtime 1.30 computes them on x86-64
// with AVX2 and VNNI. Convolutions and fully connected layers are
// QLinearConv: exact int32 accumulation, then the float32 requantization of
// quant.VariantFP32 (scale (xScale*wScale)/yScale in float32, rounding half
// to even, saturation). Fused activations are separate Clip nodes on stored
// codes: a clamp, as ActivationOp computes it.

// ORTAdd computes com.microsoft QLinearAdd as MLAS's AVX2 kernel does, in
// float32 with fused multiply-adds:
//
//	ra = aScale/cScale, rb = bScale/cScale                (float32)
//	k  = float32(cZero) - fma(ra, float32(aZero), rb*float32(bZero))
//	v  = fma(a, ra, fma(b, rb, k))
//	c  = saturate(roundHalfEven(v))
//
// The compiler contracted the constant's a*b + c*d into one fused
// multiply-add; computing it with two roundings gives 228 instead of 229 on
// a case the differential test found. Inputs must have equal shapes (the
// exporter writes no other ADD).
func ORTAdd(a, b, out *quant.Tensor) error {
	if !slices.Equal(a.Shape, b.Shape) || !slices.Equal(a.Shape, out.Shape) {
		return fmt.Errorf("QLinearAdd: shapes %v, %v and %v differ", a.Shape, b.Shape, out.Shape)
	}
	ra := a.Params.Scale / out.Params.Scale
	rb := b.Params.Scale / out.Params.Scale
	inner := fma32(ra, float32(a.Params.ZeroPoint), float32(rb*float32(b.Params.ZeroPoint)))
	k := float32(out.Params.ZeroPoint) - inner
	for i := range out.Data {
		v := fma32(float32(a.Data[i]), ra, fma32(float32(b.Data[i]), rb, k))
		r := quant.Clamp(int64(math.RoundToEven(float64(v))), math.MinInt16, math.MaxInt16)
		out.Data[i] = quant.Clamp(int64(r), out.Type.Min(), out.Type.Max())
	}
	return nil
}

// ORTGlobalAveragePool computes com.microsoft QLinearGlobalAveragePool: the
// int32 sum of each channel less n*xZero, times the float32 scale
// xScale/(yScale*float32(n)), rounded half to even (MlasRequantizeOutput).
func ORTGlobalAveragePool(in, out *quant.Tensor) error {
	n, h, w, c := in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	if !slices.Equal(out.Shape, []int{n, 1, 1, c}) {
		return fmt.Errorf("QLinearGlobalAveragePool: output shape %v, want %v", out.Shape, []int{n, 1, 1, c})
	}
	size := h * w
	scale := in.Params.Scale / (out.Params.Scale * float32(size))
	m := quant.Multiplier{Scale: scale}
	for b := range n {
		for ch := range c {
			sum := -in.Params.ZeroPoint * int32(size)
			for p := range size {
				sum += in.Data[(b*size+p)*c+ch]
			}
			out.Data[b*c+ch] = quant.VariantFP32.Requantize(sum, m, out.Params.ZeroPoint, out.Type.Min(), out.Type.Max())
		}
	}
	return nil
}

// ORTSoftmax computes com.microsoft QLinearSoftmax (opset 13) along the last
// dimension. It builds a table of 256 float32 values
// exp((i - 255 + shift) * xScale), computed in float64, with shift =
// max(0, ln(FLT_MAX/depth) - 5)/xScale, indexes it by each input's distance
// below the row maximum, sums the row in float32 and rounds
// 256*table/sum half to even, saturating to the output type. (An older
// version of the kernel truncated int8 codes to 8 bits, so that a
// probability of 1.0 wrapped to -128; the differential test shows that
// ONNX Runtime 1.30 saturates it to 127.)
func ORTSoftmax(in, out *quant.Tensor) error {
	if err := checkProbabilityOutput("QLinearSoftmax", in, out); err != nil {
		return err
	}
	depth := in.Shape[len(in.Shape)-1]
	table := ortSoftmaxTable(in.Params.Scale, depth)
	yScale := float32(math.Floor(float64(1 / out.Params.Scale)))
	for r := 0; r < len(in.Data); r += depth {
		row, dst := in.Data[r:r+depth], out.Data[r:r+depth]
		top := slices.Max(row)
		var sum float32
		for _, x := range row {
			sum += table[255-(top-x)]
		}
		for i, x := range row {
			v := int32(math.RoundToEven(float64(table[255-(top-x)] * yScale / sum)))
			dst[i] = quant.Clamp(int64(v)+int64(out.Params.ZeroPoint), out.Type.Min(), out.Type.Max())
		}
	}
	return nil
}

func ortSoftmaxTable(scale float32, depth int) [256]float32 {
	shift := math.Log(math.MaxFloat32 / float64(depth))
	shift = max(0, shift-5) / float64(scale)
	var t [256]float32
	for i := range t {
		t[i] = float32(math.Exp((float64(i) - 255 + shift) * float64(scale)))
	}
	return t
}

// ORTMul computes com.microsoft QLinearMul as MLAS's SSE2 kernel does: the
// exact product of the two zero-point-corrected codes, scaled in float32 by
// r = float32(aScale*bScale)/cScale and offset by cZero, rounded half to
// even and saturated:
//
//	c = saturate(roundHalfEven(float32(float32(p)*r) + float32(cZero)))
func ORTMul(a, b, out *quant.Tensor) error {
	if !slices.Equal(a.Shape, b.Shape) || !slices.Equal(a.Shape, out.Shape) {
		return fmt.Errorf("QLinearMul: shapes %v, %v and %v differ", a.Shape, b.Shape, out.Shape)
	}
	r := a.Params.Scale * b.Params.Scale / out.Params.Scale
	zc := float32(out.Params.ZeroPoint)
	for i := range out.Data {
		p := (a.Data[i] - a.Params.ZeroPoint) * (b.Data[i] - b.Params.ZeroPoint)
		v := float32(float32(p)*r) + zc
		q := quant.Clamp(int64(math.RoundToEven(float64(v))), math.MinInt16, math.MaxInt16)
		out.Data[i] = quant.Clamp(int64(q), out.Type.Min(), out.Type.Max())
	}
	return nil
}

// ORTRegrid converts a tensor onto another per-tensor grid as com.microsoft
// QLinearConcat converts an input whose scale or zero point differs from
// its output's: through a table of every code built as
// QlinearBuildLookupTable builds it, dequantizing in float32 and
// quantizing with MlasQuantizeLinear,
//
//	y = saturate(roundHalfEven(float32(float32(xScale*float32(x-xZero)) / yScale)) + yZero)
//
// (TFLite's CONCATENATION multiplies by the ratio of the scales instead).
// An input already on the output's grid is copied.
func ORTRegrid(in *quant.Tensor, to quant.Params, t quant.Type) *quant.Tensor {
	out := quant.NewTensor(t, in.Shape, to)
	same := in.Params.Scale == to.Scale && in.Params.ZeroPoint == to.ZeroPoint
	for i, x := range in.Data {
		if same {
			out.Data[i] = x
			continue
		}
		out.Data[i] = ortQuantize(in.Params.Scale*float32(x-in.Params.ZeroPoint), to, t)
	}
	return out
}

// ORTLogistic computes com.microsoft QLinearSigmoid: through a table of
// every code, built by dequantizing in float32, applying MLAS's logistic
// kernel (ortLogistic) and quantizing with MlasQuantizeLinear.
func ORTLogistic(in, out *quant.Tensor) error {
	if !slices.Equal(in.Shape, out.Shape) {
		return fmt.Errorf("QLinearSigmoid: shapes %v and %v differ", in.Shape, out.Shape)
	}
	for i, x := range in.Data {
		d := in.Params.Scale * float32(x-in.Params.ZeroPoint)
		out.Data[i] = ortQuantize(ortLogistic(d), out.Params, out.Type)
	}
	return nil
}

// ortQuantize is MlasQuantizeLinear: saturate(roundHalfEven(x/scale) + zero).
func ortQuantize(x float32, p quant.Params, t quant.Type) int32 {
	q := math.RoundToEven(float64(x / p.Scale))
	return quant.Clamp(int64(q)+int64(p.ZeroPoint), t.Min(), t.Max())
}

// ortLogistic is MLAS's logistic kernel for x86-64 with FMA3 (the
// polynomial and constants of Eigen's float logistic): x clamped to
// [-18, 18], then p/q + 1/2 with p odd and q even in x, each a chain of
// fused multiply-adds in x^2. (On the differential tests' cases the fused
// and the unfused chains quantize alike; the fused one is the kernel's.)
func ortLogistic(x float32) float32 {
	x = min(max(x, -18), 18)
	x2 := x * x
	p := fma32(x2, 4.37031012579801e-11, 1.15627324459942e-07)
	p = fma32(p, x2, 6.08574864600143e-05)
	p = fma32(p, x2, 8.51377133304701e-03)
	p = fma32(p, x2, 2.48287947061529e-01)
	p *= x
	q := fma32(x2, 6.10247389755681e-13, 5.76102136993427e-09)
	q = fma32(q, x2, 6.29106785017040e-06)
	q = fma32(q, x2, 1.70198817374094e-03)
	q = fma32(q, x2, 1.16817656904453e-01)
	q = fma32(q, x2, 9.93151921023180e-01)
	return p/q + 0.5
}
