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
}

// dramAlign aligns every DRAM region to a burst-friendly boundary.
const dramAlign = 64

// compiler holds the state of one compilation.
// Original returns the application's grid of tensor i: its parameters in
// the model before the policy's passes.
func (c *Compiled) Original(i int) quant.Params { return c.orig.Tensors[i].Params }

type compiler struct {
	hw     *npu.Config
	policy *Policy
	base   resolved
	res    resolved // the current layer's choices
	orig   *workloads.Model
	m      *workloads.Model
	prog   *npu.Program
	deps   depTracker
	layer  int
	// tensorAddr is each activation tensor's DRAM address (constants are
	// laid out per op).
	tensorAddr []uint64
	notes      []string
}

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
	res, err := p.resolve(hw)
	if err != nil {
		return nil, err
	}
	tm, notes, err := applyPasses(m, p, hw)
	if err != nil {
		return nil, err
	}
	c := &compiler{hw: hw, policy: p, base: res, res: res, orig: m, m: tm, prog: &npu.Program{}, notes: notes}
	out := &Compiled{Policy: p, HW: hw, orig: m, Model: tm, Program: c.prog, TensorOutput: make([]int, len(tm.Tensors))}
	for i := range out.TensorOutput {
		out.TensorOutput[i] = -1
	}
	c.tensorAddr = make([]uint64, len(tm.Tensors))
	c.layer = c.addLayer("input")
	for k, i := range tm.Inputs {
		region := npu.Region{Name: "input:" + tm.Tensors[i].Name, Addr: c.image(make([]byte, tm.Tensors[i].Len())), Bytes: tm.Tensors[i].Len()}
		out.Inputs = append(out.Inputs, region)
		c.tensorAddr[i] = region.Addr
		if from, to := m.Tensors[i].Params, tm.Tensors[i].Params; !sameGrid(from, to) {
			c.tensorAddr[i] = c.activation(tm.Tensors[i].Len())
			if err := c.regrid(region.Addr, c.tensorAddr[i], tm.Tensors[i].Len(), tm.Tensors[i].Type, from, to); err != nil {
				return nil, err
			}
			c.notes = append(c.notes, fmt.Sprintf("input %d regridded to the nudged grid on the NPU", k))
		}
	}
	for _, op := range tm.Ops {
		c.layer = c.addLayer(op.Name)
		var fired []int
		c.res, fired = p.forLayer(c.base, op.Kind, state, hw)
		out.Choices = append(out.Choices, c.choice(op, fired))
		if op.Kind == workloads.Reshape {
			c.tensorAddr[op.Output] = c.tensorAddr[op.Inputs[0]] // same bytes, new shape
		} else {
			c.tensorAddr[op.Output] = c.activation(tm.Tensors[op.Output].Len())
			if err := c.lower(op); err != nil {
				return nil, fmt.Errorf("compile %s for %s under %s: %s: %w", m.Name, hw.Name, p.Name, op.Name, err)
			}
		}
		out.TensorOutput[op.Output] = len(c.prog.Outputs)
		c.prog.Outputs = append(c.prog.Outputs, npu.Region{Name: op.Name, Addr: c.tensorAddr[op.Output], Bytes: tm.Tensors[op.Output].Len()})
	}
	c.layer = c.addLayer("output")
	for _, o := range tm.Outputs {
		from, to := tm.Tensors[o].Params, m.Tensors[o].Params
		if sameGrid(from, to) {
			out.Outputs = append(out.Outputs, out.TensorOutput[o])
			continue
		}
		addr := c.activation(tm.Tensors[o].Len())
		if err := c.regrid(c.tensorAddr[o], addr, tm.Tensors[o].Len(), tm.Tensors[o].Type, from, to); err != nil {
			return nil, err
		}
		out.Outputs = append(out.Outputs, len(c.prog.Outputs))
		c.prog.Outputs = append(c.prog.Outputs, npu.Region{Name: "output:" + tm.Tensors[o].Name, Addr: addr, Bytes: tm.Tensors[o].Len()})
	}
	out.Notes = c.notes
	if err := c.prog.Validate(hw); err != nil {
		return nil, fmt.Errorf("compile %s for %s under %s: the compiler produced an invalid program: %w", m.Name, hw.Name, p.Name, err)
	}
	return out, nil
}

// choice describes the current layer's arithmetic.
func (c *compiler) choice(op *workloads.Op, fired []int) LayerChoice {
	ch := LayerChoice{Layer: op.Name, Requant: c.res.variant, Accumulate: c.res.accumulate, PartialSums: c.res.partialSums}
	if op.Kind == workloads.DepthwiseConv2D {
		ch.Depthwise = "array"
		if c.res.vectorDW {
			ch.Depthwise = "vector"
		}
	}
	for _, i := range fired {
		ch.Rules = append(ch.Rules, fmt.Sprintf("rule %d (%s)", i, c.policy.Dynamic[i].When))
	}
	return ch
}

// sameGrid reports whether two per-tensor grids are the same.
func sameGrid(a, b quant.Params) bool { return a.Scale == b.Scale && a.ZeroPoint == b.ZeroPoint }

func (c *compiler) addLayer(name string) int {
	c.prog.Layers = append(c.prog.Layers, name)
	return len(c.prog.Layers) - 1
}

func align(n uint64) uint64 { return (n + dramAlign - 1) / dramAlign * dramAlign }

// image appends constant bytes to the DRAM image and returns their address.
// The image is laid out before any activation, which live beyond it.
func (c *compiler) image(data []byte) uint64 {
	addr := align(uint64(len(c.prog.DRAM)))
	grow := int(addr) - len(c.prog.DRAM) + len(data)
	c.prog.DRAM = append(c.prog.DRAM, make([]byte, grow)...)
	copy(c.prog.DRAM[addr:], data)
	c.prog.DRAMBytes = max(c.prog.DRAMBytes, uint64(len(c.prog.DRAM)))
	return addr
}

// activation reserves DRAM for a tensor computed at run time. Activations
// are placed in a separate area far above the image so that constants can
// keep growing as later layers are compiled.
func (c *compiler) activation(n int) uint64 {
	addr := align(max(c.prog.DRAMBytes, activationBase))
	c.prog.DRAMBytes = addr + uint64(n)
	return addr
}

// activationBase is where activations start in DRAM: above any image.
const activationBase = 1 << 32

// emit appends a command with the dependencies its scratchpad footprint
// requires and returns its index.
func (c *compiler) emit(cmd npu.Command) int {
	cmd.Layer = c.layer
	i := len(c.prog.Commands)
	cmd.Deps = c.deps.order(i, &cmd)
	c.prog.Commands = append(c.prog.Commands, cmd)
	return i
}

// depTracker derives a command's dependencies from the scratchpad ranges it
// reads and writes: it must follow every earlier command of another unit
// that wrote a range it touches (read after write, write after write) or read
// a range it writes (write after read). Commands of one unit execute in
// order, and every DMA is on one unit, so DRAM needs no tracking.
type depTracker struct {
	recs []access
}

type access struct {
	span npu.Span
	cmd  int
	unit npu.Unit
}

func (d *depTracker) order(i int, cmd *npu.Command) []int {
	unit := cmd.Unit()
	var deps []int
	seen := map[int]bool{}
	spans := cmd.Footprint()
	for _, s := range spans {
		for _, r := range d.recs {
			if r.unit != unit && !seen[r.cmd] && r.span.Overlaps(s) {
				seen[r.cmd] = true
				deps = append(deps, r.cmd)
			}
		}
	}
	for _, s := range spans {
		if s.Write { // a later conflicting command orders after this one, so covered records go
			kept := d.recs[:0]
			for _, r := range d.recs {
				if r.span.SRAM != s.SRAM || r.span.Lo < s.Lo || r.span.Hi > s.Hi {
					kept = append(kept, r)
				}
			}
			d.recs = kept
		}
	}
	for _, s := range spans {
		d.recs = append(d.recs, access{s, i, unit})
	}
	sortInts(deps)
	return deps
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// lut builds a 256-entry table indexed by the stored byte.
func lut(t quant.Type, f func(x int32) int32) []byte {
	table := make([]byte, 256)
	for b := range 256 {
		x := int32(b)
		if t.Signed() {
			x = int32(int8(b))
		}
		table[b] = byte(f(x))
	}
	return table
}

// regridTable maps stored values from one grid to another through the real
// value they stand for: round(from.scale (x - from.zp) / to.scale) + to.zp.
func regridTable(t quant.Type, from, to quant.Params) []byte {
	return lut(t, func(x int32) int32 {
		r := float64(from.Scale) * float64(x-from.ZeroPoint) / float64(to.Scale)
		return quant.Clamp(int64(roundHalfAway(r))+int64(to.ZeroPoint), t.Min(), t.Max())
	})
}

func roundHalfAway(x float64) float64 {
	if x < 0 {
		return -float64(int64(-x + 0.5))
	}
	return float64(int64(x + 0.5))
}
