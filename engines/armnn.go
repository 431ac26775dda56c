package engines

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

//go:embed scripts/armnn_run.py
var armnnScript []byte

// ArmNNPython returns the Python interpreter that imports pyarmnn, or "".
func ArmNNPython() string { return os.Getenv("NPUSIM_ARMNN_PYTHON") }

// armnnTensor describes one tensor of a layer for the script.
type armnnTensor struct {
	Shape     []int   `json:"shape"`
	Scale     float32 `json:"scale"`
	ZeroPoint int32   `json:"zeroPoint"`
	Data      []int32 `json:"data,omitempty"`
}

type armnnCase struct {
	Layer      string      `json:"layer"`
	Type       string      `json:"type"`
	Input      armnnTensor `json:"input"`
	Weights    armnnTensor `json:"weights"`
	Bias       armnnTensor `json:"bias"`
	Output     armnnTensor `json:"output"`
	Pad        [4]int      `json:"pad"` // top, bottom, left, right
	Stride     [2]int      `json:"stride"`
	Dilation   [2]int      `json:"dilation"`
	Activation string      `json:"activation"`
	Samples    [][]int32   `json:"samples"`
	workload   *workloads.Workload
}

// ArmNNLayerKinds are the layers the Arm NN differential test builds.
var ArmNNLayerKinds = []workloads.OpKind{workloads.Conv2D, workloads.DepthwiseConv2D, workloads.FullyConnected}

// RandomArmNN returns a random single-layer workload that Arm NN's Python
// API can build (per-tensor weights: pyarmnn 20.08 cannot set per-axis
// scales), in one of four flavours by seed: plain; exact ties (power-of-two
// scales, so that many results fall on halves); large accumulators (long
// reductions of extreme codes); and cancellation-heavy sums (products that
// cancel in pairs, leaving a small residual that float32 accumulation
// rounds).
func RandomArmNN(seed uint64, samples int) (*workloads.Workload, error) {
	kind := ArmNNLayerKinds[seed%3]
	w, err := RandomOp(kind, seed, samples)
	if err != nil {
		return nil, err
	}
	m := w.Model
	op := m.Ops[0]
	in, filter := m.Tensors[op.Inputs[0]], m.Tensors[op.Inputs[1]]
	bias, out := m.Tensors[op.Inputs[2]], m.Tensors[op.Output]
	if filter.Params.PerChannel() {
		filter.Type, filter.Params = quant.Int8, quant.Params{Scale: filter.Params.Scales[0]}
		if in.Type == quant.Uint8 {
			filter.Type, filter.Params.ZeroPoint = quant.Uint8, 128
			for i := range filter.Data {
				filter.Data[i] += 128
			}
		}
	}
	if filter.Type == quant.Int8 {
		for i, v := range filter.Data {
			filter.Data[i] = max(v, -127)
		}
	}
	switch seed / 3 % 4 {
	case 1:
		in.Params.Scale, filter.Params.Scale, out.Params.Scale = 1.0/8, 1.0/64, 1.0/4
	case 2:
		extremes(w, filter)
	case 3:
		cancelling(filter)
	}
	bias.Params = quant.Params{Scale: float32(float64(in.Params.Scale) * float64(filter.Params.Scale))}
	for _, sample := range w.Inputs {
		sample[0].Params = in.Params // the samples carry the input's grid
	}
	w.Name = fmt.Sprintf("armnn-%v-%d", kind, seed)
	return w, m.Validate()
}

// extremes pushes inputs and weights to the ends of their ranges.
func extremes(w *workloads.Workload, filter *workloads.Tensor) {
	for i := range filter.Data {
		filter.Data[i] = []int32{filter.Type.Max(), max(filter.Type.Min(), -127)}[i%3%2]
	}
	for _, s := range w.Inputs {
		for i := range s[0].Data {
			s[0].Data[i] = []int32{s[0].Type.Max(), s[0].Type.Min()}[i%5%2]
		}
	}
}

// cancelling makes neighbouring weights opposite, around the zero point.
func cancelling(filter *workloads.Tensor) {
	zp := filter.Params.ZeroPoint
	span := min(filter.Type.Max()-zp, zp-max(filter.Type.Min(), -127))
	for i := 0; i+1 < len(filter.Data); i += 2 {
		d := filter.Data[i] - zp
		d = max(min(d, span), -span)
		filter.Data[i], filter.Data[i+1] = zp+d, zp-d
	}
}

// armnnCaseOf describes a single-layer workload for the script.
func armnnCaseOf(w *workloads.Workload) armnnCase {
	m := w.Model
	op := m.Ops[0]
	in, filter := m.Tensors[op.Inputs[0]], m.Tensors[op.Inputs[1]]
	bias, out := m.Tensors[op.Inputs[2]], m.Tensors[op.Output]
	dh, dw := op.Dilation()
	weights := armnnTensor{Shape: filter.Shape, Scale: filter.Params.Scale, ZeroPoint: filter.Params.ZeroPoint,
		Data: filter.Data}
	c := armnnCase{Layer: "conv", Type: "u8", Activation: op.Activation.String(),
		Input:    armnnTensor{Shape: in.Shape, Scale: in.Params.Scale, ZeroPoint: in.Params.ZeroPoint},
		Weights:  weights,
		Bias:     armnnTensor{Shape: bias.Shape, Scale: bias.Params.Scale, Data: bias.Data},
		Output:   armnnTensor{Shape: out.Shape, Scale: out.Params.Scale, ZeroPoint: out.Params.ZeroPoint},
		Pad:      [4]int{op.Padding.Top, op.Padding.Bottom, op.Padding.Left, op.Padding.Right},
		Stride:   [2]int{op.StrideH, op.StrideW},
		Dilation: [2]int{dh, dw}, workload: w}
	if in.Type == quant.Int8 {
		c.Type = "s8"
	}
	switch op.Kind {
	case workloads.FullyConnected:
		c.Layer = "fc"
	case workloads.DepthwiseConv2D:
		c.Layer = "depthwise"
		c.Weights.Shape, c.Weights.Data = depthwiseMIHW(filter, op.DepthMultiplier)
	}
	for _, s := range w.Inputs {
		c.Samples = append(c.Samples, s[0].Data)
	}
	return c
}

// depthwiseMIHW lays out an IR depthwise filter [1, H, W, I*M] as Arm NN
// 20.08's [M, I, H, W].
func depthwiseMIHW(f *workloads.Tensor, mult int) ([]int, []int32) {
	h, w, outC := f.Shape[1], f.Shape[2], f.Shape[3]
	inC := outC / mult
	data := make([]int32, len(f.Data))
	for m := range mult {
		for i := range inC {
			for y := range h {
				for x := range w {
					data[((m*inC+i)*h+y)*w+x] = f.Data[(y*w+x)*outC+i*mult+m]
				}
			}
		}
	}
	return []int{mult, inC, h, w}, data
}

// RunArmNN runs single-layer workloads on Arm NN's reference backend and
// returns, per workload and sample, the output codes.
func RunArmNN(dir string, ws []*workloads.Workload) ([][][]int32, string, error) {
	if ArmNNPython() == "" {
		return nil, "", fmt.Errorf("NPUSIM_ARMNN_PYTHON is not set")
	}
	manifest := struct {
		Cases   []armnnCase `json:"cases"`
		Results string      `json:"results"`
	}{Results: "results.json"}
	for _, w := range ws {
		manifest.Cases = append(manifest.Cases, armnnCaseOf(w))
	}
	if err := runScript(dir, ArmNNPython(), "armnn_run.py", armnnScript, manifest); err != nil {
		return nil, "", err
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		return nil, "", err
	}
	var res struct {
		Version string      `json:"version"`
		Cases   [][][]int32 `json:"cases"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, "", err
	}
	if len(res.Cases) != len(ws) {
		return nil, "", fmt.Errorf("arm nn returned %d results for %d networks", len(res.Cases), len(ws))
	}
	return res.Cases, res.Version, nil
}
