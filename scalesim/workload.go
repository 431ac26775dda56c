package scalesim

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// WorkloadSeed is the seed of the synthetic weights of a topology run by
// path (LoadWorkload, and so every --workload flag given a .csv).
const WorkloadSeed = 1

// LoadWorkload reads a topology file and builds its workload with the
// synthetic weights of WorkloadSeed, named by the path.
func LoadWorkload(path string) (*workloads.Workload, error) {
	t, err := ReadTopology(path, FormatAuto)
	if err != nil {
		return nil, err
	}
	w, err := t.Workload(WorkloadSeed)
	if err != nil {
		return nil, err
	}
	w.Name = path
	return w, nil
}

// FloatModel builds the topology as a float network with seeded synthetic
// weights (see workloads.Builder):
//
//   - a convolution layer is a CONV_2D with a fused ReLU, VALID padding
//     plus the bottom and right overhang SCALE-Sim's output size implies
//     (see Layer.Overhang), so the output shape and MACs are
//     SCALE-Sim's;
//   - a depthwise ("DP") layer is a DEPTHWISE_CONV_2D with depth multiplier
//     Filters, padded and activated the same way;
//   - a GEMM layer is a FULLY_CONNECTED of an [M, K] input to [M, N], with
//     no activation.
//
// SCALE-Sim gives each layer its own input size and runs layers
// independently. Here a layer whose input shape is the previous layer's
// output shape reads that output; any other layer reads a model input of its
// own, named "<layer>/input". Every layer output that no later layer reads
// is a model output.
func (t *Topology) FloatModel(seed uint64) *workloads.FloatModel {
	b := workloads.NewBuilder(t.Name, seed)
	prev := -1
	read := map[int]bool{}
	var produced []int // each layer's output, in order
	for _, l := range t.Layers {
		in := l.inputShape()
		x := prev
		if prev < 0 || !slices.Equal(b.Shape(prev), in) {
			x = b.Input(l.Name+"/input", in...)
		}
		read[x] = true
		switch {
		case l.GEMM:
			prev = b.FC(l.Name, x, l.Filters, quant.ActNone)
		case l.Depthwise():
			prev = topologyDepthwise(b, l, x)
		default:
			prev = topologyConv(b, l, x)
		}
		produced = append(produced, prev)
	}
	var outputs []int
	for _, y := range produced {
		if !read[y] {
			outputs = append(outputs, y)
		}
	}
	return b.Build(fmt.Sprintf("SCALE-Sim topology %s, %d layers", t.Name, len(t.Layers)), outputs...)
}

// inputShape is the layer's input tensor shape: NHWC for convolutions,
// [M, K] for GEMM.
func (l Layer) inputShape() []int {
	if l.GEMM {
		return []int{l.IfmapH, l.IfmapW}
	}
	return []int{1, l.IfmapH, l.IfmapW, l.Channels}
}

// padding is VALID padding plus the overhang SCALE-Sim's output size
// implies.
func (l Layer) padding() workloads.Padding {
	bottom, right := l.Overhang()
	return workloads.Padding{Bottom: bottom, Right: right}
}

// topologyConv adds a topology convolution layer.
func topologyConv(b *workloads.Builder, l Layer, x int) int {
	k := l.FilterH * l.FilterW * l.Channels
	w, bias := b.SyntheticWeights(l.Filters*k, k, l.Filters, func(i int) int { return i / k }, 0.5, 1.5)
	wt := b.Const(l.Name+"/weights", []int{l.Filters, l.FilterH, l.FilterW, l.Channels}, w)
	bt := b.Const(l.Name+"/bias", []int{l.Filters}, bias)
	op := &workloads.Op{Name: l.Name, Kind: workloads.Conv2D, Inputs: []int{x, wt, bt}, Padding: l.padding(),
		StrideH: l.StrideH, StrideW: l.StrideW, Activation: quant.ActRelu}
	return b.Op(op, []int{1, l.OfmapH(), l.OfmapW(), l.Filters})
}

// topologyDepthwise adds a topology depthwise layer.
func topologyDepthwise(b *workloads.Builder, l Layer, x int) int {
	outC := l.Channels * l.Filters
	taps := l.FilterH * l.FilterW
	w, bias := b.SyntheticWeights(taps*outC, taps, outC, func(i int) int { return i % outC }, 0.1, 4)
	wt := b.Const(l.Name+"/weights", []int{1, l.FilterH, l.FilterW, outC}, w)
	bt := b.Const(l.Name+"/bias", []int{outC}, bias)
	op := &workloads.Op{Name: l.Name, Kind: workloads.DepthwiseConv2D, Inputs: []int{x, wt, bt}, Padding: l.padding(),
		StrideH: l.StrideH, StrideW: l.StrideW, DepthMultiplier: l.Filters, Activation: quant.ActRelu}
	return b.Op(op, []int{1, l.OfmapH(), l.OfmapW(), outC})
}

// Calibration and input samples of a topology workload.
const (
	topologyCalibrationSamples = 2
	topologyInputSamples       = 2
)

// Workload quantizes the topology's float network (see FloatModel) with
// workloads.Quantize on seeded calibration inputs and returns it with a seeded input
// set: convolution inputs uniform in [0, 1) like image pixels, GEMM inputs
// standard normal. The same topology and seed give the same workload on
// every machine.
func (t *Topology) Workload(seed uint64) (*workloads.Workload, error) {
	fm := t.FloatModel(seed)
	samples := func(n int, stream uint64) [][][]float32 {
		rng := rand.New(rand.NewPCG(seed, stream))
		out := make([][][]float32, n)
		for s := range out {
			for _, in := range fm.Inputs {
				shape := fm.Tensors[in].Shape
				x := make([]float32, quant.NumElements(shape))
				for i := range x {
					if len(shape) == 2 { // GEMM
						x[i] = float32(rng.NormFloat64())
					} else {
						x[i] = float32(rng.Float64())
					}
				}
				out[s] = append(out[s], x)
			}
		}
		return out
	}
	m, err := workloads.Quantize(fm, samples(topologyCalibrationSamples, 0x63616c6962))
	if err != nil {
		return nil, fmt.Errorf("topology %s: %w", t.Name, err)
	}
	var inputs [][]*quant.Tensor
	for _, s := range samples(topologyInputSamples, 0x696e707574) {
		var sample []*quant.Tensor
		for k, x := range s {
			sample = append(sample, workloads.QuantizeInput(m.Tensors[m.Inputs[k]], x))
		}
		inputs = append(inputs, sample)
	}
	var macs int64
	for _, l := range t.Layers {
		macs += l.MACs()
	}
	description := fmt.Sprintf("SCALE-Sim topology %s: %d layers, %d MACs, seeded synthetic weights",
		t.Name, len(t.Layers), macs)
	return &workloads.Workload{
		Name:        t.Name,
		Description: description,
		Source:      "SCALE-Sim topology file " + t.Name + ".csv (layer shapes only)",
		Synthetic:   true,
		Task:        workloads.Generic,
		Model:       m,
		Inputs:      inputs,
	}, nil
}
