package experiment

import (
	"fmt"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/quant"
)

// NPURun is one input sample run through a compiled program on the NPU.
type NPURun struct {
	// Tensors holds every op output's values as the NPU computed them, on
	// the grid of the policy's rewritten model (nil for tensors the program
	// does not produce), indexed like the model's tensors.
	Tensors []*quant.Tensor
	// Outputs are the model's outputs on the application's grid.
	Outputs []*quant.Tensor
	Stats   *npu.Stats
}

// RunCompiled writes the inputs (on the original model's grid) into the
// program's DRAM image, runs it on a fresh NPU and decodes what it left in
// DRAM.
func RunCompiled(c *drivers.Compiled, inputs []*quant.Tensor) (*NPURun, error) {
	res, err := runFull(c, inputs)
	if err != nil {
		return nil, err
	}
	return decodeRun(c, res.Outputs, res.Stats), nil
}

// runFull runs the inputs through the program on a fresh, timed NPU.
func runFull(c *drivers.Compiled, inputs []*quant.Tensor) (*platform.Result, error) {
	patches, err := inputPatches(c, inputs)
	if err != nil {
		return nil, err
	}
	p := *c.Program
	p.DRAM = append([]byte(nil), c.Program.DRAM...)
	for _, pt := range patches {
		copy(p.DRAM[pt.Addr:], pt.Data)
	}
	return platform.Run(c.HW, &p, platform.HostKernels(HostKernels(c)))
}

// inputPatches are the inputs' bytes at the program's input regions.
func inputPatches(c *drivers.Compiled, inputs []*quant.Tensor) ([]platform.Patch, error) {
	if len(inputs) != len(c.Inputs) {
		return nil, fmt.Errorf("program takes %d inputs, got %d", len(c.Inputs), len(inputs))
	}
	patches := make([]platform.Patch, len(c.Inputs))
	for k, r := range c.Inputs {
		b := inputs[k].Bytes()
		if len(b) != r.Bytes {
			return nil, fmt.Errorf("input %d: %d bytes, the program expects %d", k, len(b), r.Bytes)
		}
		patches[k] = platform.Patch{Addr: r.Addr, Data: b}
	}
	return patches, nil
}

// decodeRun decodes the output regions a run of the program read back.
func decodeRun(c *drivers.Compiled, outputs [][]byte, stats *npu.Stats) *NPURun {
	run := &NPURun{Tensors: make([]*quant.Tensor, len(c.Model.Tensors)), Outputs: decodeOutputs(c, outputs), Stats: stats}
	for i, region := range c.TensorOutput {
		if region >= 0 {
			t := c.Model.Tensors[i]
			run.Tensors[i] = &quant.Tensor{Type: t.Type, Shape: t.Shape, Params: t.Params,
				Data: decodeBytes(t.Type, outputs[region])}
		}
	}
	return run
}

// decodeOutputs decodes the model outputs from the output regions, on the
// application's grid.
func decodeOutputs(c *drivers.Compiled, outputs [][]byte) []*quant.Tensor {
	var outs []*quant.Tensor
	for k, region := range c.Outputs {
		t := c.Model.Tensors[c.Model.Outputs[k]]
		outs = append(outs, &quant.Tensor{Type: t.Type, Shape: t.Shape, Params: c.Original(c.Model.Outputs[k]),
			Data: decodeBytes(t.Type, outputs[region])})
	}
	return outs
}
