package experiment

import (
	"fmt"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
)

// HostKernels are the kernels the host CPU runs for a compiled program's
// CPU layers (drivers.Compiled.HostLayers), indexed by kernel ID: the
// reference interpreter's kernel of each layer's op, which is what TFLite
// runs on the CPU when an NNAPI driver gives a layer back, or, under an
// engine policy, the engine's kernel. Each reads the
// layer's non-constant inputs from the bytes the NPU left in DRAM and takes
// its constants from the compiled model.
func HostKernels(c *drivers.Compiled) []npu.HostKernel {
	kernels := make([]npu.HostKernel, len(c.HostLayers))
	for id, hl := range c.HostLayers {
		kernels[id] = func(inputs [][]byte) ([]byte, error) {
			m := c.Model
			op := m.Ops[hl.Op]
			values := make([]*quant.Tensor, len(m.Tensors))
			k := 0
			for _, i := range op.Inputs {
				t := m.Tensors[i]
				if t.Constant() {
					values[i] = &t.Tensor
					continue
				}
				if k >= len(inputs) {
					return nil, fmt.Errorf("%s: %d inputs given, more needed", op.Name, len(inputs))
				}
				values[i] = &quant.Tensor{Type: t.Type, Shape: t.Shape, Params: t.Params,
					Data: quant.DecodeBytes(t.Type, inputs[k])}
				k++
			}
			t := m.Tensors[op.Output]
			out := quant.NewTensor(t.Type, t.Shape, t.Params)
			if err := hostKernel(hl)(op, values, out); err != nil {
				return nil, fmt.Errorf("%s: %w", op.Name, err)
			}
			return out.Bytes(), nil
		}
	}
	return kernels
}

// hostKernel is the kernel of a host layer: its engine's (RunEngine), or
// the reference interpreter's with its variant.
func hostKernel(hl drivers.HostLayer) func(*workloads.Op, []*quant.Tensor, *quant.Tensor) error {
	switch hl.Engine {
	case reference.ONNXRuntime:
		return ortOp
	case reference.ArmNNRef:
		return armnnOp
	}
	return func(op *workloads.Op, values []*quant.Tensor, out *quant.Tensor) error {
		return runOp(op, values, out, hl.Variant)
	}
}

// setRoutes records the routes of the layers that did not run natively and
// their summary.
func (r *Result) setRoutes(routes []drivers.LayerRoute) {
	for i := range routes {
		if routes[i].Kind != drivers.RouteNative && i < len(r.Layers) {
			route := routes[i]
			r.Layers[i].Route = &route
		}
	}
	r.Routes = drivers.SummarizeRoutes(routes)
}
