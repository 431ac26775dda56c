package workloads

import "github.com/npusim/npusim/quant"

// LayerSummary describes one op for listings.
type LayerSummary struct {
	Name   string `json:"name"`
	Kind   OpKind `json:"kind"`
	Output []int  `json:"output"`
	// MACs counts the multiply-accumulates of convolutions and fully
	// connected layers (the figure papers publish); Params the layer's
	// weights and biases, ParamBytes their stored size.
	MACs       int64 `json:"macs"`
	Params     int64 `json:"params"`
	ParamBytes int64 `json:"paramBytes"`
}

// Summary describes a model for listings (`npusim show`).
type Summary struct {
	Name       string         `json:"name"`
	MACs       int64          `json:"macs"`
	Params     int64          `json:"params"`
	ParamBytes int64          `json:"paramBytes"`
	Layers     []LayerSummary `json:"layers"`
}

// Summarize counts the model's MACs and parameters layer by layer.
func (m *Model) Summarize() Summary {
	s := Summary{Name: m.Name}
	counted := make([]bool, len(m.Tensors)) // a shared constant counts once
	for _, op := range m.Ops {
		l := LayerSummary{Name: op.Name, Kind: op.Kind, Output: m.Tensors[op.Output].Shape, MACs: m.MACs(op)}
		for _, i := range op.Inputs {
			if t := m.Tensors[i]; t.Constant() && !counted[i] {
				counted[i] = true
				l.Params += int64(t.Len())
				l.ParamBytes += int64(t.Len() * t.Type.Bytes())
			}
		}
		s.MACs += l.MACs
		s.Params += l.Params
		s.ParamBytes += l.ParamBytes
		s.Layers = append(s.Layers, l)
	}
	return s
}

// MACs is the number of multiply-accumulates of a convolution or fully
// connected op (0 for the others).
func (m *Model) MACs(op *Op) int64 {
	out := int64(quant.NumElements(m.Tensors[op.Output].Shape))
	switch op.Kind {
	case Conv2D:
		f := m.Tensors[op.Inputs[1]].Shape
		return out * int64(f[1]*f[2]*f[3])
	case DepthwiseConv2D:
		f := m.Tensors[op.Inputs[1]].Shape
		return out * int64(f[1]*f[2])
	case FullyConnected:
		return out * int64(m.Tensors[op.Inputs[1]].Shape[1])
	}
	return 0
}
