package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/workloads"
)

// forcedConversions are the rewrites the hardware forces on a shortcut
// policy's model: symmetric weights where the array takes no weight zero
// point, one weight scale per layer where the requantizer holds one
// multiplier per command. A policy that takes exact routes keeps the model
// as it is: its routes provide what the hardware lacks. An exact policy
// that allows no route cannot run where a rewrite is forced (it would no
// longer be exact).
func forcedConversions(m *workloads.Model, p *Policy, hw *npu.Config) ([]string, error) {
	if p.takesRoutes() {
		return nil, nil
	}
	var notes []string
	if !hw.Array.WeightZeroPoint && hasWeightZeroPoints(m) {
		if p.Exact {
			return nil, unsupported("%s has no weight zero points, and exact policy %s allows no route (fallback: none) "+
				"to keep the model's asymmetric weights", hw.Name, p.Name)
		}
		notes = append(notes, fmt.Sprintf("%s has no weight zero points: forced symmetric weights", hw.Name))
		notes = append(notes, rescaleWeights(m, WeightsSymmetric)...)
	}
	if !hw.PerChannelRequant() && hasPerChannelWeights(m) {
		if p.Exact && hasDistinctChannelScales(m) { // equal scales collapse to the same weights
			return nil, unsupported("%s requantizes with one multiplier per layer, and exact policy %s allows no route "+
				"(fallback: none) to keep the model's per-channel weights", hw.Name, p.Name)
		}
		notes = append(notes, fmt.Sprintf("%s requantizes with one multiplier per layer: forced per-tensor weights", hw.Name))
		notes = append(notes, rescaleWeights(m, WeightsPerTensor)...)
	}
	return notes, nil
}

// hasDistinctChannelScales reports whether a layer's per-channel weights
// have scales that differ from channel to channel.
func hasDistinctChannelScales(m *workloads.Model) bool {
	for _, op := range m.Ops {
		if op.Kind == workloads.Conv2D || op.Kind == workloads.DepthwiseConv2D || op.Kind == workloads.FullyConnected {
			scales := m.Tensors[op.Inputs[1]].Params.Scales
			for _, s := range scales {
				if s != scales[0] {
					return true
				}
			}
		}
	}
	return false
}

func hasPerChannelWeights(m *workloads.Model) bool {
	for _, op := range m.Ops {
		if op.Kind == workloads.Conv2D || op.Kind == workloads.DepthwiseConv2D || op.Kind == workloads.FullyConnected {
			if m.Tensors[op.Inputs[1]].Params.PerChannel() {
				return true
			}
		}
	}
	return false
}
