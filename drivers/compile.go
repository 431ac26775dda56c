package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// Compiled is a model compiled for one hardware under one policy: the NPU
// program and what the simulator needs to feed it and read it back.
type Compiled struct {
	Policy *Policy
	HW     *npu.Config
	orig   *workloads.Model
	// Model is the model as the policy's passes rewrote it: its tensors'
	// grids are those of the values the program computes.
	Model   *workloads.Model
	Program *npu.Program
	// Inputs are the DRAM regions where the model's inputs go, on the
	// application's grid (the original model's), in model input order.
	Inputs []npu.Region
	// TensorOutput maps a tensor index to the index in Program.Outputs of
	// the region holding its values (on Model's grid), -1 if none.
	TensorOutput []int
	// Outputs index Program.Outputs: the model's outputs on the
	// application's grid, in model output order.
	Outputs []int
	// Notes record what the passes and the compiler decided (forced
	// conversions, split reductions, kernels chosen).
	Notes []string
	// Choices record, per op, the arithmetic the driver chose and the
	// dynamic rules that made it choose so.
	Choices []LayerChoice
	// Routes record, per op, how it runs: natively, emulated on the NPU or
	// on the host CPU, and why (route.go).
	Routes []LayerRoute
	// HostLayers are the layers the host CPU runs, by kernel ID
	// (npu.Host.Kernel): a simulator supplies their kernels.
	HostLayers []HostLayer
	// constants is the bytes of the DRAM image that are not inputs:
	// weights, records and tables; unavoidable the traffic of tensors too
	// large for the activation scratchpad passing between layers the
	// compiler does not fuse.
	constants, unavoidable uint64
}

// LayerChoice is what the driver chose for one op.
type LayerChoice struct {
	Layer       string           `json:"layer"`
	Requant     quant.Variant    `json:"requant"`
	Accumulate  npu.Accumulation `json:"accumulate"`
	PartialSums PartialSums      `json:"partialSums"`
	Depthwise   string           `json:"depthwise,omitempty"`
	// Rules lists the dynamic rules that fired, described with their
	// conditions.
	Rules []string `json:"rules,omitempty"`
	// Fusion says how the compiler fused the op with its neighbours, if it
	// did ("exact: ..." changes no value, "vendor: ..." does).
	Fusion string `json:"fusion,omitempty"`
}

// Original returns the application's grid of tensor i: its parameters in
// the model before the policy's passes.
func (c *Compiled) Original(i int) quant.Params { return c.orig.Tensors[i].Params }

// Compile applies a policy's passes to a model and compiles it for the
// hardware, on an idle device. Compiling the same inputs twice gives the same
// program, byte for byte.
func Compile(m *workloads.Model, p *Policy, hw *npu.Config) (*Compiled, error) {
	return CompileUnder(m, p, hw, Idle)
}

// CompileUnder compiles for a device in the given state: the policy's
// dynamic rules choose each layer's arithmetic from it. (The hardware
// configuration passed should already reflect the state: the scratchpad
// space and clock this job gets.)
func CompileUnder(m *workloads.Model, p *Policy, hw *npu.Config, state Conditions) (*Compiled, error) {
	return compile(m, p, hw, state, options{deps: &intervalTracker{}})
}

// options are how compile runs its stages: the dependency tracker, and
// (for tests) whether to keep every activation in DRAM and fuse nothing.
type options struct {
	deps     dependencyTracker
	dramOnly bool
}

// compile runs the stages: resolve the policy, rewrite the model, plan,
// then schedule, lower and emit every layer.
func compile(m *workloads.Model, p *Policy, hw *npu.Config, state Conditions, opt options) (*Compiled, error) {
	res, err := resolvePolicy(p, hw, m, state)
	if err != nil {
		return nil, err
	}
	tm, notes, err := applyPasses(m, p, hw)
	if err != nil {
		return nil, err
	}
	plan, err := planModel(m, tm, res, hw, opt.dramOnly)
	if err != nil {
		return nil, fmt.Errorf("compile %s for %s under %s: %w", m.Name, hw.Name, p.Name, err)
	}
	for k, f := range plan.fusions {
		res.choices[k].Fusion = f
	}
	prog, err := emitProgram(plan, hw, opt.deps)
	if err != nil {
		return nil, fmt.Errorf("compile %s for %s under %s: the compiler produced an invalid program: %w",
			m.Name, hw.Name, p.Name, err)
	}
	return &Compiled{Policy: p, HW: hw, orig: m, Model: tm, Program: prog,
		Inputs: plan.inputs, TensorOutput: plan.tensorOutput, Outputs: plan.modelOutputs,
		Notes: append(notes, plan.notes...), Choices: res.choices,
		Routes: plan.exact.routes, HostLayers: plan.exact.host,
		constants: plan.dram.constants - regionBytes(plan.inputs), unavoidable: plan.unavoidable}, nil
}
