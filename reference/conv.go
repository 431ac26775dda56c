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

// channelMultipliers derives each output channel's multiplier.
func channelMultipliers(in, filter, out *quant.Tensor, channels int, v quant.Variant) []quant.Multiplier {
	m := make([]quant.Multiplier, channels)
	for c := range m {
		m[c] = v.MultiplierFor(in.Params.Scale, filter.Params.ChannelScale(c), out.Params.Scale)
	}
	return m
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
	outC, fh, fw, inC := filter.Shape[0], filter.Shape[1], filter.Shape[2], filter.Shape[3]
	if err := p.check(in.Shape, out.Shape, fh, fw, outC); err != nil {
		return fmt.Errorf("CONV_2D: %w", err)
	}
	if in.Shape[3] != inC {
		return fmt.Errorf("CONV_2D: input has %d channels, filter %d", in.Shape[3], inC)
	}
	n, h, w := in.Shape[0], in.Shape[1], in.Shape[2]
	oh, ow := out.Shape[1], out.Shape[2]
	xZero, wZero := in.Params.ZeroPoint, filter.Params.ZeroPoint
	mult := channelMultipliers(in, filter, out, outC, v)
	lo, hi := p.Activation.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	if fastKernels && conv2DFast(in, filter, bias, out, p, v, mult, lo, hi) {
		return nil
	}
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
					out.Data[o] = v.Requantize(acc, mult[oc], out.Params.ZeroPoint, lo, hi)
					o++
				}
			}
		}
	}
	return nil
}

// DepthwiseConv2D computes DEPTHWISE_CONV_2D: input [N,H,W,inC], filter
// [1,fH,fW,outC] with outC = inC*DepthMultiplier, output channel oc reading
// input channel oc/DepthMultiplier.
func DepthwiseConv2D(in, filter, bias, out *quant.Tensor, p ConvParams, v quant.Variant) error {
	fh, fw, outC := filter.Shape[1], filter.Shape[2], filter.Shape[3]
	if err := p.check(in.Shape, out.Shape, fh, fw, outC); err != nil {
		return fmt.Errorf("DEPTHWISE_CONV_2D: %w", err)
	}
	inC := in.Shape[3]
	if p.DepthMultiplier < 1 || inC*p.DepthMultiplier != outC {
		return fmt.Errorf("DEPTHWISE_CONV_2D: %d input channels x depth multiplier %d != %d output channels",
			inC, p.DepthMultiplier, outC)
	}
	n, h, w := in.Shape[0], in.Shape[1], in.Shape[2]
	oh, ow := out.Shape[1], out.Shape[2]
	xZero, wZero := in.Params.ZeroPoint, filter.Params.ZeroPoint
	mult := channelMultipliers(in, filter, out, outC, v)
	lo, hi := p.Activation.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	if fastKernels {
		depthwiseConv2DFast(in, filter, bias, out, p, v, mult, lo, hi)
		return nil
	}
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
					out.Data[o] = v.Requantize(acc, mult[oc], out.Params.ZeroPoint, lo, hi)
					o++
				}
			}
		}
	}
	return nil
}

// FullyConnected computes FULLY_CONNECTED: weights [units, inputSize], the
// input flattened to [numel/inputSize, inputSize], output [batches, units].
func FullyConnected(in, weights, bias, out *quant.Tensor, act quant.Activation, v quant.Variant) error {
	units, size := weights.Shape[0], weights.Shape[1]
	if in.Len()%size != 0 {
		return fmt.Errorf("FULLY_CONNECTED: %d input elements are not a multiple of the input size %d", in.Len(), size)
	}
	batches := in.Len() / size
	if out.Len() != batches*units {
		return fmt.Errorf("FULLY_CONNECTED: output has %d elements, want %d x %d", out.Len(), batches, units)
	}
	xZero, wZero := in.Params.ZeroPoint, weights.Params.ZeroPoint
	mult := channelMultipliers(in, weights, out, units, v)
	lo, hi := act.Range(out.Type, out.Params.Scale, out.Params.ZeroPoint)
	if fastKernels {
		fullyConnectedFast(in, weights, bias, out, v, mult, lo, hi)
		return nil
	}
	for b := range batches {
		x := in.Data[b*size:][:size]
		for u := range units {
			k := weights.Data[u*size:][:size]
			acc := biasOf(bias, u)
			for i := range size {
				acc += (x[i] - xZero) * (k[i] - wZero)
			}
			out.Data[b*units+u] = v.Requantize(acc, mult[u], out.Params.ZeroPoint, lo, hi)
		}
	}
	return nil
}
