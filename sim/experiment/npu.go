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
	if len(inputs) != len(c.Inputs) {
		return nil, fmt.Errorf("program takes %d inputs, got %d", len(c.Inputs), len(inputs))
	}
	p := *c.Program
	p.DRAM = append([]byte(nil), c.Program.DRAM...)
	for k, r := range c.Inputs {
		b := inputs[k].Bytes()
		if len(b) != r.Bytes {
			return nil, fmt.Errorf("input %d: %d bytes, the program expects %d", k, len(b), r.Bytes)
		}
		copy(p.DRAM[r.Addr:], b)
	}
	res, err := platform.Run(c.HW, &p, platform.HostKernels(HostKernels(c)))
	if err != nil {
		return nil, err
	}
	run := &NPURun{Tensors: make([]*quant.Tensor, len(c.Model.Tensors)), Stats: res.Stats}
	for i, region := range c.TensorOutput {
		if region >= 0 {
			t := c.Model.Tensors[i]
			run.Tensors[i] = &quant.Tensor{Type: t.Type, Shape: t.Shape, Params: t.Params, Data: quant.DecodeBytes(t.Type, res.Outputs[region])}
		}
	}
	for k, region := range c.Outputs {
		t := c.Model.Tensors[c.Model.Outputs[k]]
		run.Outputs = append(run.Outputs, &quant.Tensor{Type: t.Type, Shape: t.Shape, Params: c.Original(c.Model.Outputs[k]), Data: quant.DecodeBytes(t.Type, res.Outputs[region])})
	}
	return run, nil
}
