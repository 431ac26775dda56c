package workloads

import (
	"fmt"
	"math"

	"github.com/npusim/npusim/quant"
)

// Quantize is post-training quantization to the TFLite int8 scheme: it runs
// the float model on the calibration inputs to observe every activation's
// range, then stores activations as asymmetric int8 on those ranges (widened
// to include zero), convolution and depthwise weights as symmetric int8 with
// one scale per output channel, fully connected weights as symmetric int8 with
// one scale, and biases as int32 on the grid inputScale x weightScale. Ops
// whose output grid the spec fixes get it: softmax and logistic 1/256 with
// zero point -128; pools, activations and reshapes their input's.
func Quantize(fm *FloatModel, calibration [][][]float32) (*Model, error) {
	if len(calibration) == 0 {
		return nil, fmt.Errorf("model %s: no calibration inputs", fm.Name)
	}
	ranges, err := observeRanges(fm, calibration)
	if err != nil {
		return nil, err
	}
	for _, group := range fm.Tied {
		union := Range{Min: ranges[group[0]].Min, Max: ranges[group[0]].Max}
		for _, i := range group {
			union.Min, union.Max = min(union.Min, ranges[i].Min), max(union.Max, ranges[i].Max)
		}
		for _, i := range group {
			ranges[i] = union
		}
	}
	m := &Model{Name: fm.Name, Description: fm.Description, Inputs: fm.Inputs, Outputs: fm.Outputs}
	for _, op := range fm.Ops {
		c := *op
		c.Inputs = append([]int(nil), op.Inputs...)
		m.Ops = append(m.Ops, &c)
	}
	m.Tensors = make([]*Tensor, len(fm.Tensors))
	for i, t := range fm.Tensors {
		if t.Data == nil {
			r := ranges[i]
			q := quant.Tensor{Type: quant.Int8, Shape: t.Shape, Params: ActivationParams(r)}
			m.Tensors[i] = &Tensor{Name: t.Name, Tensor: q, Range: &r}
		}
	}
	for _, op := range fm.Ops {
		out := m.Tensors[op.Output]
		switch op.Kind {
		case Softmax, Logistic:
			out.Params = quant.Params{Scale: 1.0 / 256, ZeroPoint: -128}
		case AveragePool2D, MaxPool2D, Relu, Relu1, Relu6, Reshape:
			out.Params = m.Tensors[op.Inputs[0]].Params
		case Conv2D, DepthwiseConv2D, FullyConnected:
			quantizeWeights(fm, m, op)
		}
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("model %s: quantized model invalid: %w", fm.Name, err)
	}
	return m, nil
}

// observeRanges runs the float model on every calibration input and returns
// each activation tensor's observed [min, max].
func observeRanges(fm *FloatModel, calibration [][][]float32) ([]Range, error) {
	ranges := make([]Range, len(fm.Tensors))
	for i := range ranges {
		ranges[i] = Range{Min: math.Inf(1), Max: math.Inf(-1)}
	}
	for _, in := range calibration {
		values, err := fm.Run(in)
		if err != nil {
			return nil, err
		}
		for i, v := range values {
			if fm.Tensors[i].Data != nil {
				continue
			}
			for _, x := range v {
				ranges[i].Min = min(ranges[i].Min, float64(x))
				ranges[i].Max = max(ranges[i].Max, float64(x))
			}
		}
	}
	return ranges, nil
}

// ActivationParams are TFLite's int8 asymmetric parameters for an observed
// range: the range widened to include 0, scale = (max-min)/255, zero point =
// round(-128 - min/scale) clamped to int8.
func ActivationParams(r Range) quant.Params {
	lo, hi := min(r.Min, 0), max(r.Max, 0)
	if hi-lo < 1e-6 {
		hi = lo + 1e-6
	}
	scale := float32((hi - lo) / 255)
	zp := math.Round(-128 - lo/float64(scale))
	return quant.Params{Scale: scale, ZeroPoint: int32(min(max(zp, -128), 127))}
}

// quantizeWeights stores an op's float filter and bias as int8 and int32.
func quantizeWeights(fm *FloatModel, m *Model, op *Op) {
	fw, fb := fm.Tensors[op.Inputs[1]], fm.Tensors[op.Inputs[2]]
	axis := 0
	if op.Kind == DepthwiseConv2D {
		axis = 3
	}
	channels := fw.Shape[axis]
	channelOf := func(i int) int {
		if axis == 3 {
			return i % channels
		}
		return i / (len(fw.Data) / channels)
	}
	scales := make([]float32, channels)
	for i, w := range fw.Data {
		c := channelOf(i)
		scales[c] = max(scales[c], float32(math.Abs(float64(w))))
	}
	perTensor := op.Kind == FullyConnected
	if perTensor {
		mx := float32(0)
		for _, s := range scales {
			mx = max(mx, s)
		}
		for c := range scales {
			scales[c] = mx
		}
	}
	for c := range scales {
		scales[c] = max(scales[c]/127, 1e-9)
	}
	perChannel := quant.Params{Scales: scales, Axis: axis}
	w := &Tensor{Name: fw.Name, Tensor: quant.Tensor{Type: quant.Int8PerChannel, Shape: fw.Shape, Params: perChannel}}
	if perTensor {
		w.Type, w.Params = quant.Int8, quant.Params{Scale: scales[0]}
	}
	w.Data = make([]int32, len(fw.Data))
	for i, x := range fw.Data {
		w.Data[i] = quant.Clamp(int64(math.Round(float64(x/scales[channelOf(i)]))), -127, 127)
	}
	inScale := m.Tensors[op.Inputs[0]].Params.Scale
	b := &Tensor{Name: fb.Name, Tensor: quant.Tensor{Type: quant.Int32, Shape: fb.Shape}}
	b.Data = make([]int32, len(fb.Data))
	biasScales := make([]float32, channels)
	for c, x := range fb.Data {
		s := float64(inScale) * float64(scales[c])
		biasScales[c] = float32(s)
		b.Data[c] = int32(min(max(math.Round(float64(x)/s), math.MinInt32), math.MaxInt32))
	}
	if perTensor {
		b.Params.Scale = biasScales[0]
	} else {
		b.Params = quant.Params{Scales: biasScales}
	}
	m.Tensors[op.Inputs[1]], m.Tensors[op.Inputs[2]] = w, b
}

// QuantizeInput stores float values on a tensor's grid: round half away from
// zero, plus the zero point, clamped to the type.
func QuantizeInput(t *Tensor, x []float32) *quant.Tensor {
	q := quant.NewTensor(t.Type, t.Shape, t.Params)
	for i, v := range x {
		steps := int64(math.Round(float64(v) / float64(t.Params.Scale)))
		q.Data[i] = quant.Clamp(steps+int64(t.Params.ZeroPoint), t.Type.Min(), t.Type.Max())
	}
	return q
}
