package reference

import (
	"fmt"

	"github.com/npusim/npusim/quant"
)

// Padding is an explicit padding in pixels on each side of the input.
type Padding struct {
	Top, Bottom, Left, Right int
}

// ConvParams are the geometry and fused activation of a convolution.
type ConvParams struct {
	Padding
	StrideH, StrideW     int
	DilationH, DilationW int
	// DepthMultiplier is the number of output channels per input channel of a
	// depthwise convolution.
	DepthMultiplier int
	Activation      quant.Activation
}

func (p ConvParams) check(in, out []int, fh, fw, outC int) error {
	if p.StrideH < 1 || p.StrideW < 1 || p.DilationH < 1 || p.DilationW < 1 {
		return fmt.Errorf("strides and dilations must be >= 1, got stride %dx%d dilation %dx%d",
			p.StrideH, p.StrideW, p.DilationH, p.DilationW)
	}
	if len(in) != 4 || len(out) != 4 {
		return fmt.Errorf("input and output must be 4-D NHWC, got %v and %v", in, out)
	}
	oh := quant.ConvOutputSize(in[1], fh, p.StrideH, p.DilationH, p.Top, p.Bottom)
	ow := quant.ConvOutputSize(in[2], fw, p.StrideW, p.DilationW, p.Left, p.Right)
	if want := []int{in[0], oh, ow, outC}; out[0] != want[0] || out[1] != oh || out[2] != ow || out[3] != outC {
		return fmt.Errorf("output shape %v, want %v", out, want)
	}
	return nil
}

// channelMultipliers derives each output channel's multiplier from the
// input's, the filter's and the output's scales.
func channelMultipliers(in float32, filter *quant.Tensor, out float32, channels int,
	v quant.Variant) []quant.Multiplier {
	m := make([]quant.Multiplier, channels)
	for c := range m {
		m[c] = v.MultiplierFor(in, filter.Params.ChannelScale(c), out)
	}
	return m
}

// outputs is how a layer's accumulators become its stored outputs: each
// channel's multiplier under the variant, and the clamp of the fused
// activation on the output's grid.
type outputs struct {
	mult   []quant.Multiplier
	v      quant.Variant
	lo, hi int32
}

// outputsOf derives a layer's outputs from its input's and output's
// quantization and its filter's.
func outputsOf(in quant.Params, filter *quant.Tensor, out quant.Params, outType quant.Type, channels int,
	act quant.Activation, v quant.Variant) outputs {
	lo, hi := act.Range(outType, out.Scale, out.ZeroPoint)
	return outputs{mult: channelMultipliers(in.Scale, filter, out.Scale, channels, v), v: v, lo: lo, hi: hi}
}

// checkConv2D checks the shapes of a CONV_2D.
func checkConv2D(in, filter, out []int, p ConvParams) error {
	outC, fh, fw, inC := filter[0], filter[1], filter[2], filter[3]
	if err := p.check(in, out, fh, fw, outC); err != nil {
		return fmt.Errorf("CONV_2D: %w", err)
	}
	if in[3] != inC {
		return fmt.Errorf("CONV_2D: input has %d channels, filter %d", in[3], inC)
	}
	return nil
}

// checkDepthwise checks the shapes of a DEPTHWISE_CONV_2D.
func checkDepthwise(in, filter, out []int, p ConvParams) error {
	fh, fw, outC := filter[1], filter[2], filter[3]
	if err := p.check(in, out, fh, fw, outC); err != nil {
		return fmt.Errorf("DEPTHWISE_CONV_2D: %w", err)
	}
	if inC := in[3]; p.DepthMultiplier < 1 || inC*p.DepthMultiplier != outC {
		return fmt.Errorf("DEPTHWISE_CONV_2D: %d input channels x depth multiplier %d != %d output channels",
			inC, p.DepthMultiplier, outC)
	}
	return nil
}

// checkFullyConnected checks the sizes of a FULLY_CONNECTED and returns its
// batches.
func checkFullyConnected(in, weights []int, out int) (int, error) {
	units, size := weights[0], weights[1]
	n := quant.NumElements(in)
	if n%size != 0 {
		return 0, fmt.Errorf("FULLY_CONNECTED: %d input elements are not a multiple of the input size %d", n, size)
	}
	batches := n / size
	if out != batches*units {
		return 0, fmt.Errorf("FULLY_CONNECTED: output has %d elements, want %d x %d", out, batches, units)
	}
	return batches, nil
}

func biasOf(bias *quant.Tensor, c int) int32 {
	if bias == nil {
		return 0
	}
	return bias.Data[c]
}

// Conv2D computes CONV_2D: input [N,H,W,inC], filter [outC,fH,fW,inC], bias
// [outC] (may be nil), output [N,oH,oW,outC].
//
//	acc = bias[oc] + sum (x - xZero) * (w - wZero), over in-bounds taps
//	out = clamp(requantize(acc) + outZero)
func Conv2D(in, filter, bias, out *quant.Tensor, p ConvParams, v quant.Variant) error {
	if err := checkConv2D(in.Shape, filter.Shape, out.Shape, p); err != nil {
		return err
	}
	o := outputsOf(in.Params, filter, out.Params, out.Type, filter.Shape[0], p.Activation, v)
	fast := func(in, out Stored) bool { return conv2DFast(in, filter, bias, out, p, o, nil) }
	if fastKernels && onStored(in, out, fast) {
		return nil
	}
	conv2DPlain(in, filter, bias, out, p, o)
	return nil
}

// conv2DPlain is Conv2D by the definition's loops.
func conv2DPlain(in, filter, bias, out *quant.Tensor, p ConvParams, r outputs) {
	outC, fh, fw, inC := filter.Shape[0], filter.Shape[1], filter.Shape[2], filter.Shape[3]
	n, h, w := in.Shape[0], in.Shape[1], in.Shape[2]
	oh, ow := out.Shape[1], out.Shape[2]
	xZero, wZero := in.Params.ZeroPoint, filter.Params.ZeroPoint
	o := 0
	for b := range n {
		for oy := range oh {
			for ox := range ow {
				for oc := range outC {
					acc := biasOf(bias, oc)
					for ky := range fh {
						iy := oy*p.StrideH - p.Top + ky*p.DilationH
						if iy < 0 || iy >= h {
							continue
						}
						for kx := range fw {
							ix := ox*p.StrideW - p.Left + kx*p.DilationW
							if ix < 0 || ix >= w {
								continue
							}
							x := in.Data[((b*h+iy)*w+ix)*inC:][:inC]
							k := filter.Data[((oc*fh+ky)*fw+kx)*inC:][:inC]
							for ic := range inC {
								acc += (x[ic] - xZero) * (k[ic] - wZero)
							}
						}
					}
					out.Data[o] = r.v.Requantize(acc, r.mult[oc], out.Params.ZeroPoint, r.lo, r.hi)
					o++
				}
			}
		}
	}
}

// DepthwiseConv2D computes DEPTHWISE_CONV_2D: input [N,H,W,inC], filter
// [1,fH,fW,outC] with outC = inC*DepthMultiplier, output channel oc reading
// input channel oc/DepthMultiplier.
func DepthwiseConv2D(in, filter, bias, out *quant.Tensor, p ConvParams, v quant.Variant) error {
	if err := checkDepthwise(in.Shape, filter.Shape, out.Shape, p); err != nil {
		return err
	}
	o := outputsOf(in.Params, filter, out.Params, out.Type, filter.Shape[3], p.Activation, v)
	fast := func(in, out Stored) bool { return depthwiseConv2DFast(in, filter, bias, out, p, o, nil) }
	if fastKernels && onStored(in, out, fast) {
		return nil
	}
	depthwiseConv2DPlain(in, filter, bias, out, p, o)
	return nil
}

// depthwiseConv2DPlain is DepthwiseConv2D by the definition's loops.
func depthwiseConv2DPlain(in, filter, bias, out *quant.Tensor, p ConvParams, r outputs) {
	fh, fw, outC, inC := filter.Shape[1], filter.Shape[2], filter.Shape[3], in.Shape[3]
	n, h, w := in.Shape[0], in.Shape[1], in.Shape[2]
	oh, ow := out.Shape[1], out.Shape[2]
	xZero, wZero := in.Params.ZeroPoint, filter.Params.ZeroPoint
	o := 0
	for b := range n {
		for oy := range oh {
			for ox := range ow {
				for oc := range outC {
					ic := oc / p.DepthMultiplier
					acc := biasOf(bias, oc)
					for ky := range fh {
						iy := oy*p.StrideH - p.Top + ky*p.DilationH
						if iy < 0 || iy >= h {
							continue
						}
						for kx := range fw {
							ix := ox*p.StrideW - p.Left + kx*p.DilationW
							if ix < 0 || ix >= w {
								continue
							}
							x := in.Data[((b*h+iy)*w+ix)*inC+ic]
							k := filter.Data[(ky*fw+kx)*outC+oc]
							acc += (x - xZero) * (k - wZero)
						}
					}
					out.Data[o] = r.v.Requantize(acc, r.mult[oc], out.Params.ZeroPoint, r.lo, r.hi)
					o++
				}
			}
		}
	}
}

// FullyConnected computes FULLY_CONNECTED: weights [units, inputSize], the
// input flattened to [numel/inputSize, inputSize], output [batches, units].
func FullyConnected(in, weights, bias, out *quant.Tensor, act quant.Activation, v quant.Variant) error {
	batches, err := checkFullyConnected(in.Shape, weights.Shape, out.Len())
	if err != nil {
		return err
	}
	units, size := weights.Shape[0], weights.Shape[1]
	o := outputsOf(in.Params, weights, out.Params, out.Type, units, act, v)
	fast := func(in, out Stored) bool { return fullyConnectedFast(in, weights, bias, out, o, nil) }
	if fastKernels && onStored(in, out, fast) {
		return nil
	}
	xZero, wZero := in.Params.ZeroPoint, weights.Params.ZeroPoint
	for b := range batches {
		x := in.Data[b*size:][:size]
		for u := range units {
			k := weights.Data[u*size:][:size]
			acc := biasOf(bias, u)
			for i := range size {
				acc += (x[i] - xZero) * (k[i] - wZero)
			}
			out.Data[b*units+u] = v.Requantize(acc, o.mult[u], out.Params.ZeroPoint, o.lo, o.hi)
		}
	}
	return nil
}
