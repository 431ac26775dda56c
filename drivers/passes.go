package drivers

import (
	"fmt"
	"math"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// This file holds the policy passes that rewrite a model's quantization.
// Each takes the model (already copied) and returns notes on what it did.

// cloneModel copies a model deeply enough for passes to rewrite tensor
// parameters and constant data.
func cloneModel(m *workloads.Model) *workloads.Model {
	c := *m
	c.Tensors = make([]*workloads.Tensor, len(m.Tensors))
	for i, t := range m.Tensors {
		ct := *t
		ct.Shape = append([]int(nil), t.Shape...)
		ct.Params.Scales = append([]float32(nil), t.Params.Scales...)
		c.Tensors[i] = &ct
	}
	c.Ops = make([]*workloads.Op, len(m.Ops))
	for i, op := range m.Ops {
		co := *op
		co.Inputs = append([]int(nil), op.Inputs...)
		c.Ops[i] = &co
	}
	return &c
}

// NudgedParams re-derives a grid from a real range with TensorFlow
// FakeQuant's Nudge, in float32 as TensorFlow computes it: scale = (max -
// min) / (qmax - qmin) over the unsigned 8-bit code range, zero point = the
// rounded, clamped qmin - min/scale. The range is not widened to include 0,
// so a range that excludes 0 gets a clamped zero point and clips.
func NudgedParams(r workloads.Range, t quant.Type) quant.Params {
	const qmin, qmax = float32(0), float32(255)
	lo, hi := float32(r.Min), float32(r.Max)
	if hi <= lo {
		hi = lo + 1e-6
	}
	scale := float32((hi - lo) / (qmax - qmin))
	fromMin := float32(qmin - float32(lo/scale))
	var nzp int32
	switch {
	case fromMin < qmin:
		nzp = 0
	case fromMin > qmax:
		nzp = 255
	default:
		nzp = int32(math.Round(float64(fromMin)))
	}
	if t == quant.Int8 {
		nzp -= 128
	}
	return quant.Params{Scale: scale, ZeroPoint: nzp}
}

// nudgeZeroPoints gives every calibrated activation its FakeQuant-nudged
// grid. Outputs whose grid NNAPI ties to the input's (pools, activations,
// reshapes) follow their input; softmax and logistic keep their fixed grid.
func nudgeZeroPoints(m *workloads.Model) []string {
	before := make([]float32, len(m.Tensors))
	for i, t := range m.Tensors {
		before[i] = t.Params.Scale
	}
	nudge := func(i int) bool {
		t := m.Tensors[i]
		if t.Range == nil {
			return false
		}
		p := NudgedParams(*t.Range, t.Type)
		changed := p.Scale != t.Params.Scale || p.ZeroPoint != t.Params.ZeroPoint
		t.Params = p
		return changed
	}
	changed, skipped := 0, 0
	for _, i := range m.Inputs {
		if m.Tensors[i].Range == nil {
			skipped++
		} else if nudge(i) {
			changed++
		}
	}
	for _, op := range m.Ops {
		out := m.Tensors[op.Output]
		switch op.Kind {
		case workloads.Softmax, workloads.Logistic:
		case workloads.AveragePool2D, workloads.MaxPool2D,
			workloads.Relu, workloads.Relu1, workloads.Relu6, workloads.Reshape:
			out.Params = m.Tensors[op.Inputs[0]].Params
		default:
			if out.Range == nil {
				skipped++
			} else if nudge(op.Output) {
				changed++
			}
		}
	}
	rescaleBiases(m, before)
	notes := []string{fmt.Sprintf("zero-point nudge: %d activation grids changed", changed)}
	if skipped > 0 {
		notes = append(notes,
			fmt.Sprintf("zero-point nudge: %d tensors have no calibrated range and keep their grid", skipped))
	}
	return notes
}

// rescaleBiases re-derives the biases of layers whose input grid changed
// (their scale is inputScale x weightScale): b' = round(b s_in / s_in').
func rescaleBiases(m *workloads.Model, inScaleBefore []float32) {
	done := map[int]bool{}
	for _, op := range m.Ops {
		if op.Kind != workloads.Conv2D && op.Kind != workloads.DepthwiseConv2D && op.Kind != workloads.FullyConnected {
			continue
		}
		in, w, bi := op.Inputs[0], m.Tensors[op.Inputs[1]], op.Inputs[2]
		now := m.Tensors[in].Params.Scale
		if done[bi] || now == inScaleBefore[in] {
			continue
		}
		done[bi] = true
		b := m.Tensors[bi]
		factor := float64(inScaleBefore[in]) / float64(now)
		data := make([]int32, len(b.Data))
		for c, q := range b.Data {
			data[c] = int32(min(max(math.Round(float64(q)*factor), math.MinInt32), math.MaxInt32))
		}
		b.Data = data
		if b.Params.PerChannel() {
			for c := range b.Params.Scales {
				b.Params.Scales[c] = float32(float64(now) * float64(w.Params.ChannelScale(c)))
			}
		} else {
			b.Params.Scale = float32(float64(now) * float64(w.Params.Scale))
		}
	}
}

// weightScales returns the new per-channel scales (and zero point) a scheme
// gives a weight tensor, or ok=false when the tensor is left alone.
func weightScales(w *workloads.Tensor, scheme WeightScheme, channels int,
	realRange func(c int) (lo, hi float64)) (scales []float32, ok bool) {
	old := make([]float32, channels)
	for c := range old {
		old[c] = w.Params.ChannelScale(c)
	}
	switch scheme {
	case WeightsPerTensor:
		if !w.Params.PerChannel() {
			return nil, false
		}
		mx := old[0]
		for _, s := range old {
			mx = max(mx, s)
		}
		scales = make([]float32, channels)
		for c := range scales {
			scales[c] = mx
		}
	case WeightsPowerOfTwo:
		scales = make([]float32, channels)
		for c, s := range old {
			scales[c] = float32(math.Exp2(math.Ceil(math.Log2(float64(s)))))
		}
	case WeightsSymmetric:
		if w.Params.ZeroPoint == 0 {
			return nil, false
		}
		var mx float64
		for c := range channels {
			lo, hi := realRange(c)
			mx = max(mx, -lo, hi)
		}
		s := float32(max(mx/127, 1e-9))
		scales = make([]float32, channels)
		for c := range scales {
			scales[c] = s
		}
	default:
		return nil, false
	}
	return scales, true
}

// rescaleWeights requantizes the weights and re-derives the biases of every
// convolution and fully connected layer under a weight scheme: w' =
// round(s[c](w - zp) / s'[c]), symmetric int8 (zero point 0); b' = round(b
// s[c] / s'[c]), that is b_real / (inputScale s'[c]). A tensor shared by
// several ops is rewritten once.
func rescaleWeights(m *workloads.Model, scheme WeightScheme) []string {
	done := map[int]bool{}
	rewritten := 0
	for _, op := range m.Ops {
		if op.Kind != workloads.Conv2D && op.Kind != workloads.DepthwiseConv2D && op.Kind != workloads.FullyConnected {
			continue
		}
		wi, bi := op.Inputs[1], op.Inputs[2]
		if done[wi] {
			continue
		}
		done[wi] = true
		w, b := m.Tensors[wi], m.Tensors[bi]
		axis := 0
		if op.Kind == workloads.DepthwiseConv2D {
			axis = 3
		}
		channels := w.Shape[axis]
		per := w.Len() / channels
		channelOf := func(i int) int {
			if axis == 3 {
				return i % channels
			}
			return i / per
		}
		realOf := func(i int) float64 {
			return float64(w.Params.ChannelScale(channelOf(i))) * float64(w.Data[i]-w.Params.ZeroPoint)
		}
		lo, hi := make([]float64, channels), make([]float64, channels)
		for i := range w.Data {
			c, r := channelOf(i), realOf(i)
			lo[c], hi[c] = min(lo[c], r), max(hi[c], r)
		}
		scales, ok := weightScales(w, scheme, channels, func(c int) (float64, float64) { return lo[c], hi[c] })
		if !ok {
			continue
		}
		data := make([]int32, len(w.Data))
		for i := range data {
			data[i] = quant.Clamp(int64(math.Round(realOf(i)/float64(scales[channelOf(i)]))), -127, 127)
		}
		bias := make([]int32, len(b.Data))
		for c, q := range b.Data {
			scaled := math.Round(float64(q) * float64(w.Params.ChannelScale(c)) / float64(scales[c]))
			bias[c] = int32(min(max(scaled, math.MinInt32), math.MaxInt32))
		}
		inScale := m.Tensors[op.Inputs[0]].Params.Scale
		biasScales := make([]float32, channels)
		for c := range biasScales {
			biasScales[c] = float32(float64(inScale) * float64(scales[c]))
		}
		w.Type, w.Params, w.Data = quant.Int8PerChannel, quant.Params{Scales: scales, Axis: axis}, data
		b.Params, b.Data = quant.Params{Scales: biasScales}, bias
		rewritten++
	}
	return []string{fmt.Sprintf("weights %s: %d weight tensors requantized, biases re-derived", scheme, rewritten)}
}

// applyPasses copies the model and applies the policy's passes, plus the
// conversions the hardware forces (symmetric weights when it has no weight
// zero point).
func applyPasses(m *workloads.Model, p *Policy, hw *npu.Config) (*workloads.Model, []string, error) {
	c := cloneModel(m)
	var notes []string
	if p.NudgeZeroPoints {
		notes = append(notes, nudgeZeroPoints(c)...)
	}
	if p.Weights != WeightsAsIs {
		notes = append(notes, rescaleWeights(c, p.Weights)...)
	}
	forced, err := forcedConversions(c, p, hw)
	if err != nil {
		return nil, nil, err
	}
	notes = append(notes, forced...)
	if err := c.Validate(); err != nil {
		return nil, nil, fmt.Errorf("policy %s produced an invalid model: %w", p.Name, err)
	}
	return c, notes, nil
}

func hasWeightZeroPoints(m *workloads.Model) bool {
	for _, op := range m.Ops {
		if op.Kind == workloads.Conv2D || op.Kind == workloads.DepthwiseConv2D || op.Kind == workloads.FullyConnected {
			if m.Tensors[op.Inputs[1]].Params.ZeroPoint != 0 {
				return true
			}
		}
	}
	return false
}
