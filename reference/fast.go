package reference

import (
	"github.com/npusim/npusim/internal/kernels"
	"github.com/npusim/npusim/quant"
)

// This file computes CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with the
// blocked SIMD kernels of internal/kernels: the same sums in wrapping int32
// arithmetic (any order gives the same bits) and the same requantization.
// The plain loops in conv.go remain the definition; the tests hold the two
// equal on random layers, and the NNAPI vectors hold both exact.

// fastKernels selects the kernels; tests turn it off to compare with the
// plain loops.
var fastKernels = true

// blockPixels bounds the output pixels per GEMM so that the int32 block
// stays in the L2 cache.
const blockPixels = 1024

func bytesOf(t *quant.Tensor) []byte {
	b := make([]byte, len(t.Data))
	kernels.Narrow(b, t.Data)
	return b
}

func operand(t *quant.Tensor) kernels.Operand {
	return kernels.Operand{Signed: t.Type.Signed(), Zero: t.Params.ZeroPoint}
}

func biasData(bias *quant.Tensor) []int32 {
	if bias == nil {
		return nil
	}
	return bias.Data
}

// imageWindow is the window of batch image b of an NHWC input, output rows
// from oy.
func imageWindow(in *quant.Tensor, b, oy, ow, fh, fw int, p ConvParams) kernels.Window {
	h, w, c := in.Shape[1], in.Shape[2], in.Shape[3]
	return kernels.Window{Base: b * h * w * c, RowStride: w * c, PixelStride: c, ImageH: h, ImageW: w,
		OutY: oy, OutW: ow, FilterH: fh, FilterW: fw, StrideH: p.StrideH, StrideW: p.StrideW,
		DilationH: p.DilationH, DilationW: p.DilationW, PadTop: p.Top, PadLeft: p.Left, Channels: c}
}

// conv2DFast is Conv2D by packed GEMMs, blocks of whole output rows at a
// time; false when the input's zero point has no byte for padding.
func conv2DFast(in, filter, bias, out *quant.Tensor, p ConvParams,
	v quant.Variant, mult []quant.Multiplier, lo, hi int32) bool {
	n, outC, fh, fw := in.Shape[0], filter.Shape[0], filter.Shape[1], filter.Shape[2]
	oh, ow, k := out.Shape[1], out.Shape[2], fh*fw*in.Shape[3]
	var b kernels.PackedB
	kernels.PackB(&b, bytesOf(filter), outC, k, k, 1, operand(filter))
	img, rows := bytesOf(in), max(1, blockPixels/ow)
	var a kernels.PackedA
	acc := make([]int32, min(rows, oh)*ow*outC)
	res := make([]byte, len(acc))
	for bi := range n {
		for oy := 0; oy < oh; oy += rows {
			m := min(rows, oh-oy) * ow
			if kernels.PackA(&a, img, imageWindow(in, bi, oy, ow, fh, fw, p), m, 0, k, operand(in)) != nil {
				return false
			}
			kernels.Gemm(acc, outC, &a, &b, false)
			kernels.Requantize(res, outC, acc, outC, m, outC, biasData(bias), mult, v, out.Params.ZeroPoint, lo, hi)
			kernels.Widen(out.Data[((bi*oh+oy)*ow)*outC:], res[:m*outC], out.Type.Signed())
		}
	}
	return true
}

// depthwiseConv2DFast is DepthwiseConv2D by the depthwise kernel, blocks of
// whole output rows at a time.
func depthwiseConv2DFast(in, filter, bias, out *quant.Tensor, p ConvParams,
	v quant.Variant, mult []quant.Multiplier, lo, hi int32) {
	n, fh, fw, outC := in.Shape[0], filter.Shape[1], filter.Shape[2], filter.Shape[3]
	oh, ow := out.Shape[1], out.Shape[2]
	img, wt, rows := bytesOf(in), bytesOf(filter), max(1, blockPixels/ow)
	acc := make([]int32, min(rows, oh)*ow*outC)
	res := make([]byte, len(acc))
	for bi := range n {
		for oy := 0; oy < oh; oy += rows {
			m := min(rows, oh-oy) * ow
			win := imageWindow(in, bi, oy, ow, fh, fw, p)
			kernels.Depthwise(acc, outC, img, win, m, operand(in), wt, outC, operand(filter), p.DepthMultiplier)
			kernels.Requantize(res, outC, acc, outC, m, outC, biasData(bias), mult, v, out.Params.ZeroPoint, lo, hi)
			kernels.Widen(out.Data[((bi*oh+oy)*ow)*outC:], res[:m*outC], out.Type.Signed())
		}
	}
}

// fullyConnectedFast is FullyConnected by one packed GEMM.
func fullyConnectedFast(in, weights, bias, out *quant.Tensor, v quant.Variant, mult []quant.Multiplier, lo, hi int32) {
	units, size := weights.Shape[0], weights.Shape[1]
	batches := in.Len() / size
	var a kernels.PackedA
	var b kernels.PackedB
	// A plain matrix has no padding, so packing cannot fail.
	_ = kernels.PackA(&a, bytesOf(in), kernels.MatrixWindow(0, batches, size, size), batches, 0, size, operand(in))
	kernels.PackB(&b, bytesOf(weights), units, size, size, 1, operand(weights))
	acc := make([]int32, batches*units)
	kernels.Gemm(acc, units, &a, &b, false)
	res := make([]byte, len(acc))
	kernels.Requantize(res, units, acc, units, batches, units, biasData(bias), mult, v, out.Params.ZeroPoint, lo, hi)
	kernels.Widen(out.Data, res, out.Type.Signed())
}
