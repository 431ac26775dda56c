package reference

import (
	"fmt"
	"math"

	"github.com/npusim/npusim/quant"
)

// This file reproduces Arm NN 20.08's reference backend (CpuRef,
// src/backends/reference/workloads): every quantized operand is decoded to
// float32 as float32(q - zeroPoint) * scale (BaseIterator.hpp's decoders,
// TypesUtils Dequantize), a layer computes in float32 in the loop order of
// its workload, and the encoder stores round(value/scale) + zeroPoint,
// rounding halves away from zero and clamping to the type (TypesUtils
// Quantize). An int32 bias decodes as float32(b) * biasScale. Fused
// activations are separate Activation layers, each a decode, a float
// function and an encode.

// armnnDecode is TypesUtils Dequantize.
func armnnDecode(q, zeroPoint int32, scale float32) float32 {
	return float32(q-zeroPoint) * scale
}

// armnnEncode is TypesUtils Quantize.
func armnnEncode(v, scale float32, zeroPoint int32, t quant.Type) int32 {
	r := math.Round(float64(v/scale)) + float64(zeroPoint)
	return int32(min(max(float32(r), float32(t.Min())), float32(t.Max())))
}

// ArmNNConv2D computes Convolution2d (or, with depthwise, its depthwise
// form) as ConvImpl.cpp's Convolve does for NHWC data: for each output
// element, sum filter*input in float32 over the input channels, then the
// filter rows, then the filter columns (depthwise: one channel), skipping
// padding (whose products are zero), add the decoded bias last and encode.
func ArmNNConv2D(in, filter, bias, out *quant.Tensor, p ConvParams, depthwise bool) error {
	fh, fw, outC := filter.Shape[1], filter.Shape[2], filter.Shape[0]
	if depthwise {
		outC = filter.Shape[3]
	}
	if err := p.check(in.Shape, out.Shape, fh, fw, outC); err != nil {
		return fmt.Errorf("Convolution2d: %w", err)
	}
	n, h, w, inC := in.Shape[0], in.Shape[1], in.Shape[2], in.Shape[3]
	oh, ow := out.Shape[1], out.Shape[2]
	tap := func(oc, ic, ky, kx int) float32 {
		i := ((oc*fh+ky)*fw+kx)*inC + ic
		if depthwise {
			i = (ky*fw+kx)*outC + oc
		}
		return armnnDecode(filter.Data[i], filter.Params.ZeroPoint, filter.Params.ChannelScale(oc))
	}
	channels := inC
	if depthwise {
		channels = 1
	}
	for b := range n {
		for oy := range oh {
			for ox := range ow {
				for oc := range outC {
					var sum float32
					for c := range channels {
						ic := c
						if depthwise {
							ic = oc / p.DepthMultiplier
						}
						for ky := range fh {
							iy := oy*p.StrideH - p.Top + ky*p.DilationH
							for kx := range fw {
								ix := ox*p.StrideW - p.Left + kx*p.DilationW
								if iy < 0 || iy >= h || ix < 0 || ix >= w {
									continue
								}
								x := armnnDecode(in.Data[((b*h+iy)*w+ix)*inC+ic], in.Params.ZeroPoint, in.Params.Scale)
								sum += float32(tap(oc, ic, ky, kx) * x)
							}
						}
					}
					sum += armnnBias(bias, oc)
					out.Data[((b*oh+oy)*ow+ox)*outC+oc] = armnnEncode(sum, out.Params.Scale, out.Params.ZeroPoint, out.Type)
				}
			}
		}
	}
	return nil
}

func armnnBias(bias *quant.Tensor, c int) float32 {
	if bias == nil {
		return 0
	}
	return float32(bias.Data[c]) * bias.Params.ChannelScale(c)
}

// ArmNNFullyConnected computes FullyConnected as FullyConnected.cpp does
// (transposed weights [units, K]): a float32 sum of weight*input over K in
// order, plus the decoded bias, encoded.
func ArmNNFullyConnected(in, weights, bias, out *quant.Tensor) error {
	units, size := weights.Shape[0], weights.Shape[1]
	if in.Len()%size != 0 || out.Len() != in.Len()/size*units {
		return fmt.Errorf("FullyConnected: input %v, weights %v and output %v do not agree",
			in.Shape, weights.Shape, out.Shape)
	}
	for b := range in.Len() / size {
		for u := range units {
			var sum float32
			for k := range size {
				wv := armnnDecode(weights.Data[u*size+k], weights.Params.ZeroPoint, weights.Params.ChannelScale(u))
				sum += float32(wv * armnnDecode(in.Data[b*size+k], in.Params.ZeroPoint, in.Params.Scale))
			}
			sum += armnnBias(bias, u)
			out.Data[b*units+u] = armnnEncode(sum, out.Params.Scale, out.Params.ZeroPoint, out.Type)
		}
	}
	return nil
}

// ArmNNActivation is an Activation layer for a fused activation: ReLu
// (max(0, x)) or BoundedReLu (min(a, max(b, x)) with (6, 0) or (1, -1)) on
// decoded values, encoded on the output's grid. ActNone copies.
func ArmNNActivation(in, out *quant.Tensor, act quant.Activation) error {
	if len(in.Data) != len(out.Data) {
		//nolint:staticcheck // ST1005: Activation is the ArmNN layer's name, a proper noun as FullyConnected is.
		return fmt.Errorf("Activation: %d elements in, %d out", len(in.Data), len(out.Data))
	}
	f := func(x float32) float32 { return x }
	switch act {
	case quant.ActRelu:
		f = func(x float32) float32 { return max(0, x) }
	case quant.ActRelu6:
		f = func(x float32) float32 { return min(6, max(0, x)) }
	case quant.ActRelu1:
		f = func(x float32) float32 { return min(1, max(-1, x)) }
	}
	for i, q := range in.Data {
		v := f(armnnDecode(q, in.Params.ZeroPoint, in.Params.Scale))
		out.Data[i] = armnnEncode(v, out.Params.Scale, out.Params.ZeroPoint, out.Type)
	}
	return nil
}

// ArmNNAdd is the Addition workload: decoded a + b, encoded. Shapes must be
// equal.
func ArmNNAdd(a, b, out *quant.Tensor) error {
	if len(a.Data) != len(out.Data) || len(b.Data) != len(out.Data) {
		//nolint:staticcheck // ST1005: Addition is the ArmNN workload's name, a proper noun as FullyConnected is.
		return fmt.Errorf("Addition: broadcasting is not emulated")
	}
	for i := range out.Data {
		x := armnnDecode(a.Data[i], a.Params.ZeroPoint, a.Params.Scale)
		y := armnnDecode(b.Data[i], b.Params.ZeroPoint, b.Params.Scale)
		v := x + y
		out.Data[i] = armnnEncode(v, out.Params.Scale, out.Params.ZeroPoint, out.Type)
	}
	return nil
}

// ArmNNAveragePool is Pooling2d's Average algorithm with PaddingMethod
// Exclude: the float32 sum of the in-bounds decoded pixels, row by row,
// divided by their count, encoded.
func ArmNNAveragePool(in, out *quant.Tensor, p PoolParams) error {
	if err := p.check("Pooling2d", in, out); err != nil {
		return err
	}
	decoded := in.Clone()
	// without the fused activation, which ArmNN runs as an Activation layer
	unfused := PoolParams{Padding: p.Padding, StrideH: p.StrideH, StrideW: p.StrideW,
		FilterH: p.FilterH, FilterW: p.FilterW}
	pool(decoded, out, unfused,
		func(window []int32) int32 {
			var sum float32
			for _, q := range window {
				sum += armnnDecode(q, in.Params.ZeroPoint, in.Params.Scale)
			}
			return armnnEncode(sum/float32(len(window)), out.Params.Scale, out.Params.ZeroPoint, out.Type)
		})
	return nil
}

// ArmNNSoftmax is the Softmax workload along the last dimension: exp of
// (x - max)*beta in float32, summed in order, each divided by the sum,
// encoded.
func ArmNNSoftmax(in, out *quant.Tensor, beta float32) error {
	depth := in.Shape[len(in.Shape)-1]
	exp := func(x float32) float32 { return float32(math.Exp(float64(x))) }
	for r := 0; r < len(in.Data); r += depth {
		row := make([]float32, depth)
		top := float32(-math.MaxFloat32)
		for i, q := range in.Data[r : r+depth] {
			row[i] = armnnDecode(q, in.Params.ZeroPoint, in.Params.Scale)
			top = max(top, row[i])
		}
		var sum float32
		for _, x := range row {
			sum += exp(float32((x - top) * beta))
		}
		for i, x := range row {
			out.Data[r+i] = armnnEncode(exp(float32((x-top)*beta))/sum, out.Params.Scale, out.Params.ZeroPoint, out.Type)
		}
	}
	return nil
}
