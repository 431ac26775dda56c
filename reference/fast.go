package reference

import (
	"sync"

	"github.com/npusim/npusim/internal/kernels"
	"github.com/npusim/npusim/quant"
)

// This file computes CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED with the
// blocked SIMD kernels of internal/kernels: the same sums in wrapping int32
// arithmetic (any order gives the same bits) and the same requantization.
// The plain loops in conv.go remain the definition; the tests hold the two
// equal on random layers, and the NNAPI vectors hold both exact. The
// kernels read and write activations as their stored bytes (Stored).

// fastKernels selects the kernels; tests turn it off to compare with the
// plain loops.
var fastKernels = true

// blockPixels bounds the output pixels per GEMM so that the int32 block
// stays in the L2 cache.
const blockPixels = 1024

// scratch is a kernel call's working memory: the packed input rows and the
// int32 accumulators. The kernels overwrite every value they read back, so
// a scratch passes from call to call (scratches) instead of being made,
// and zeroed, for every layer.
type scratch struct {
	a   kernels.PackedA
	acc []int32
}

// scratches lends a scratch to each kernel call, on any goroutine.
var scratches = sync.Pool{New: func() any { return new(scratch) }}

// accumulators returns n accumulators, holding whatever they last held.
func (s *scratch) accumulators(n int) []int32 {
	if cap(s.acc) < n {
		s.acc = make([]int32, n)
	}
	return s.acc[:n]
}

// onStored computes an op on the stored bytes of its 8-bit input and
// output tensors by run, and decodes the output's bytes into it; false,
// with out untouched, where either is not 8-bit, an input value has no
// byte, or run cannot compute the op.
func onStored(in, out *quant.Tensor, run func(in, out Stored) bool) bool {
	if !out.Type.Is8Bit() {
		return false
	}
	s, ok := StoredOf(in)
	if !ok {
		return false
	}
	o := NewStored(out.Type, out.Shape, out.Params)
	if !run(s, o) {
		return false
	}
	kernels.Widen(out.Data, o.Bytes, out.Type.Signed())
	return true
}

func operand(t quant.Type, p quant.Params) kernels.Operand {
	return kernels.Operand{Signed: t.Signed(), Zero: p.ZeroPoint}
}

func biasData(bias *quant.Tensor) []int32 {
	if bias == nil {
		return nil
	}
	return bias.Data
}

// weightBytes are a constant's stored bytes.
func weightBytes(t *quant.Tensor) []byte {
	b := make([]byte, len(t.Data))
	kernels.Narrow(b, t.Data)
	return b
}

// imageWindow is the window of batch image b of an NHWC input, output rows
// from oy.
func imageWindow(shape []int, b, oy, ow, fh, fw int, p ConvParams) kernels.Window {
	h, w, c := shape[1], shape[2], shape[3]
	return kernels.Window{Base: b * h * w * c, RowStride: w * c, PixelStride: c, ImageH: h, ImageW: w,
		OutY: oy, OutW: ow, FilterH: fh, FilterW: fw, StrideH: p.StrideH, StrideW: p.StrideW,
		DilationH: p.DilationH, DilationW: p.DilationW, PadTop: p.Top, PadLeft: p.Left, Channels: c}
}

// requantize writes m rows of n accumulators, from output pixel pixel on,
// to out's bytes.
func (r outputs) requantize(out Stored, pixel, m, n int, acc []int32, bias *quant.Tensor) {
	kernels.Requantize(out.Bytes[pixel*n:], n, acc, n, m, n, biasData(bias), r.mult, r.v, out.Params.ZeroPoint, r.lo, r.hi)
}

// conv2DFast is Conv2D by packed GEMMs, blocks of whole output rows at a
// time; false when the input's zero point has no byte for padding.
func conv2DFast(in Stored, filter, bias *quant.Tensor, out Stored, p ConvParams, r outputs, f *Filters) bool {
	n, outC, fh, fw := in.Shape[0], filter.Shape[0], filter.Shape[1], filter.Shape[2]
	oh, ow, k := out.Shape[1], out.Shape[2], fh*fw*in.Shape[3]
	b := f.packedB(filter, outC, k)
	rows := max(1, blockPixels/ow)
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	acc := s.accumulators(min(rows, oh) * ow * outC)
	for bi := range n {
		for oy := 0; oy < oh; oy += rows {
			m := min(rows, oh-oy) * ow
			win := imageWindow(in.Shape, bi, oy, ow, fh, fw, p)
			if kernels.PackA(&s.a, in.Bytes, win, m, 0, k, operand(in.Type, in.Params)) != nil {
				return false
			}
			kernels.Gemm(acc, outC, &s.a, b, false)
			r.requantize(out, (bi*oh+oy)*ow, m, outC, acc, bias)
		}
	}
	return true
}

// depthwiseConv2DFast is DepthwiseConv2D by the depthwise kernel, blocks of
// whole output rows at a time.
func depthwiseConv2DFast(in Stored, filter, bias *quant.Tensor, out Stored, p ConvParams, r outputs,
	f *Filters) bool {
	n, fh, fw, outC := in.Shape[0], filter.Shape[1], filter.Shape[2], filter.Shape[3]
	oh, ow := out.Shape[1], out.Shape[2]
	wt, rows := f.stored(filter), max(1, blockPixels/ow)
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	acc := s.accumulators(min(rows, oh) * ow * outC)
	for bi := range n {
		for oy := 0; oy < oh; oy += rows {
			m := min(rows, oh-oy) * ow
			win := imageWindow(in.Shape, bi, oy, ow, fh, fw, p)
			kernels.Depthwise(acc, outC, in.Bytes, win, m, operand(in.Type, in.Params), wt, outC,
				operand(filter.Type, filter.Params), p.DepthMultiplier)
			r.requantize(out, (bi*oh+oy)*ow, m, outC, acc, bias)
		}
	}
	return true
}

// fullyConnectedFast is FullyConnected by one packed GEMM.
func fullyConnectedFast(in Stored, weights, bias *quant.Tensor, out Stored, r outputs, f *Filters) bool {
	units, size := weights.Shape[0], weights.Shape[1]
	batches := len(in.Bytes) / size
	s := scratches.Get().(*scratch)
	defer scratches.Put(s)
	// A plain matrix has no padding, so packing cannot fail.
	rows := kernels.MatrixWindow(0, batches, size, size)
	_ = kernels.PackA(&s.a, in.Bytes, rows, batches, 0, size, operand(in.Type, in.Params))
	b := f.packedB(weights, units, size)
	acc := s.accumulators(batches * units)
	kernels.Gemm(acc, units, &s.a, b, false)
	r.requantize(out, 0, batches, units, acc, bias)
	return true
}
