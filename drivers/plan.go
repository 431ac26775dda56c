package drivers

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// layerPlan is one piece of work planned for the NPU: how it is cut into
// tiles or chunks, where its buffers lie in the scratchpads and where its
// operands and constants lie in DRAM. The later stages ask it for its
// schedule and lower each step of the schedule to operations.
type layerPlan interface {
	// appendSchedule appends the layer's steps, in program order, to s:
	// the later stages walk every plan's schedule, and reuse one slice.
	appendSchedule(s []step) []step
	// lower turns one step into the operations that carry it out.
	lower(s step) []npu.Operation
}

// plannedLayer is one layer of the program: a network op, or the
// conversions of the model's inputs or outputs between the application's
// grid and the policy's. A layer may take several plans (one per regridded
// input, one per concatenated operand) or none (a reshape).
type plannedLayer struct {
	name  string
	plans []layerPlan
	// captures index the program outputs captured from the scratchpad
	// once the layer's commands that write them complete (a tensor kept
	// in the activation scratchpad).
	captures []int
}

// modelPlan is the output of the plan stage: the DRAM map and every
// layer's plan, in program order ("input", the ops, "output").
type modelPlan struct {
	dram   dramMap
	layers []plannedLayer
	// inputs are the DRAM regions the application writes the model's
	// inputs to; outputs the regions read back (Program.Outputs).
	inputs, outputs []npu.Region
	// tensorOutput maps a tensor to its index in outputs, -1 if none;
	// modelOutputs index outputs, in model output order.
	tensorOutput, modelOutputs []int
	notes                      []string
	// exact holds what exact routes recorded: each op's route and the
	// layers given to the host CPU (route.go).
	exact exactRecord
	// fusions describe, per op, how its unit fused it ("" for none).
	fusions []string
	// unavoidable is the DRAM traffic of tensors too large for the
	// activation scratchpad passing between units.
	unavoidable uint64
}

// planner holds the state of the plan stage: the rewritten model, the
// hardware and the DRAM laid out so far.
type planner struct {
	hw   *npu.Config
	m    *workloads.Model
	dram dramMap
	// tensorAddr is each activation tensor's DRAM address (constants are
	// laid out per op).
	tensorAddr []uint64
	// res is each tensor's residency in the activation scratchpad and
	// lives its producer and readers (residency.go); op is the op being
	// planned.
	res   []residency
	lives []lifetime
	op    int
	// units are the ops planned together (residency.go), in order;
	// vendor the vendor fusions of the unit being planned.
	units  []unit
	vendor vendorOps
	notes  []string
	exact  exactRecord
	// steps is a schedule, reused by every dramTraffic.
	steps []step
}

// planModel plans every layer of the rewritten model m (orig is the model
// before the policy's passes: its grids are the application's); dramOnly
// keeps every activation in DRAM and fuses nothing.
func planModel(orig, m *workloads.Model, res *resolution, hw *npu.Config, dramOnly bool) (*modelPlan, error) {
	pl := &planner{hw: hw, m: m, tensorAddr: make([]uint64, len(m.Tensors))}
	mp := &modelPlan{tensorOutput: make([]int, len(m.Tensors))}
	for i := range mp.tensorOutput {
		mp.tensorOutput[i] = -1
	}
	in, err := pl.planInputs(orig, mp)
	if err != nil {
		return nil, err
	}
	mp.layers = append(mp.layers, in)
	pl.initResidency()
	var pinned []LayerRoute
	if dramOnly {
		for k := range m.Ops {
			pl.units = append(pl.units, pl.makeUnit(k, nil, false))
		}
	} else {
		pinned = pl.pinRoutes(res)
		pl.placeTensors(res)
		pl.noteResidency()
		mp.unavoidable = pl.unavoidable()
	}
	mp.fusions = make([]string, len(m.Ops))
	for _, u := range pl.units {
		pl.describeFusion(u, mp.fusions)
		pl.op = u.k
		layers, err := pl.planUnit(u, res)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Ops[u.k].Name, err)
		}
		layers[0].plans = append(pl.spillsAt(u.k), layers[0].plans...)
		pl.addOutputs(mp, u, layers)
		mp.layers = append(mp.layers, layers...)
	}
	pl.op = len(m.Ops)
	out, err := pl.planOutputs(orig, mp)
	if err != nil {
		return nil, err
	}
	mp.layers = append(mp.layers, out)
	pl.explainRoutes(pinned)
	mp.dram, mp.notes, mp.exact = pl.dram, pl.notes, pl.exact
	return mp, nil
}

// planInputs places the model's inputs in the DRAM image and regrids those
// whose grid the policy changed.
func (pl *planner) planInputs(orig *workloads.Model, mp *modelPlan) (plannedLayer, error) {
	layer := plannedLayer{name: "input"}
	for k, i := range pl.m.Inputs {
		t := pl.m.Tensors[i]
		region := npu.Region{Name: "input:" + t.Name, Addr: pl.dram.constant(make([]byte, t.Len())), Bytes: t.Len()}
		mp.inputs = append(mp.inputs, region)
		pl.tensorAddr[i] = region.Addr
		if from, to := orig.Tensors[i].Params, t.Params; !sameGrid(from, to) {
			pl.tensorAddr[i] = pl.dram.activation(t.Len())
			p, err := pl.planRegrid(region.Addr, pl.tensorAddr[i], t, from, to)
			if err != nil {
				return layer, fmt.Errorf("input %s: %w", t.Name, err)
			}
			layer.plans = append(layer.plans, p)
			pl.notes = append(pl.notes, fmt.Sprintf("input %d regridded to the nudged grid on the NPU", k))
		}
	}
	return layer, nil
}

// planOutputs regrids the model's outputs back to the application's grid
// where the policy changed it.
func (pl *planner) planOutputs(orig *workloads.Model, mp *modelPlan) (plannedLayer, error) {
	layer := plannedLayer{name: "output"}
	for _, o := range pl.m.Outputs {
		t := pl.m.Tensors[o]
		from, to := t.Params, orig.Tensors[o].Params
		if sameGrid(from, to) {
			mp.modelOutputs = append(mp.modelOutputs, mp.tensorOutput[o])
			continue
		}
		addr := pl.dram.activation(t.Len())
		p, err := pl.planRegrid(pl.tensorAddr[o], addr, t, from, to)
		if err != nil {
			return layer, fmt.Errorf("output %s: %w", t.Name, err)
		}
		layer.plans = append(layer.plans, p)
		mp.modelOutputs = append(mp.modelOutputs, len(mp.outputs))
		mp.outputs = append(mp.outputs, npu.Region{Name: "output:" + t.Name, Addr: addr, Bytes: t.Len()})
	}
	return layer, nil
}

// planUnit plans a unit. Its first layer carries the plans of all its ops
// (a fused chain's bands, a folded ADD's work); the others have none of
// their own.
func (pl *planner) planUnit(u unit, res *resolution) ([]plannedLayer, error) {
	ops := pl.m.Ops[u.k : u.k+u.n]
	for _, op := range ops {
		pl.tensorAddr[op.Output] = pl.dram.activation(pl.m.Tensors[op.Output].Len())
	}
	pl.vendor = vendorOps{}
	if u.fold {
		pl.vendor.foldConv, pl.vendor.foldAdd = ops[u.n-2], ops[u.n-1]
	}
	if len(u.links) > 0 && u.links[0] == wideLink {
		pl.vendor.wideProd, pl.vendor.wideCons = ops[0], ops[1]
	}
	layers := make([]plannedLayer, u.n)
	for j, op := range ops {
		layers[j].name = op.Name
	}
	var err error
	recorded := 0 // ops whose route planOp records
	if len(u.links) > 0 {
		layers[0].plans, err = pl.planChain(u, res)
	} else {
		layers[0], err = pl.planOp(ops[0], res.layers[u.k])
		recorded = 1
	}
	for _, op := range ops[recorded:] { // fused ops run natively
		pl.route(op, LayerRoute{Kind: RouteNative})
	}
	pl.vendor = vendorOps{}
	return layers, err
}

// addOutputs adds the unit's op outputs to the program's outputs: read back
// from DRAM, captured whole from the scratchpad when kept there, or, for a
// tensor an exact link of a chain shares, captured band by band. A 16-bit
// link's intermediate and a folding convolution's own output never exist:
// they get no region.
func (pl *planner) addOutputs(mp *modelPlan, u unit, layers []plannedLayer) {
	for j := range u.n {
		op := pl.m.Ops[u.k+j]
		linked := j < len(u.links)
		if (linked && u.links[j] == wideLink) || (u.fold && j == u.n-2) {
			continue
		}
		out := len(mp.outputs)
		mp.tensorOutput[op.Output] = out
		region := npu.Region{Name: op.Name, Addr: pl.tensorAddr[op.Output], Bytes: pl.m.Tensors[op.Output].Len()}
		switch r := pl.res[op.Output]; {
		case linked:
			region.Capture = &npu.Capture{SRAM: npu.ActivationSRAM}
			for _, p := range layers[0].plans {
				if b, ok := p.(*bandPlan); ok && b.stage == j {
					b.out = out
				}
			}
		case r.sram >= 0:
			piece := npu.Piece{Addr: r.sram, Run: region.Bytes, Rows: 1}
			region.Capture = &npu.Capture{SRAM: npu.ActivationSRAM, Pieces: []npu.Piece{piece}}
			layers[0].captures = append(layers[0].captures, out)
		}
		mp.outputs = append(mp.outputs, region)
	}
}

// planOp plans an op's lowering (its unit placed its output in DRAM): as the
// hardware runs it, or, for a policy that takes exact routes, by the
// cheapest route that keeps it exact (planExact).
func (pl *planner) planOp(op *workloads.Op, a arithmetic) (plannedLayer, error) {
	layer := plannedLayer{name: op.Name}
	if op.Kind == workloads.Reshape {
		pl.tensorAddr[op.Output] = pl.tensorAddr[op.Inputs[0]] // same bytes, new shape
		pl.route(op, LayerRoute{Kind: RouteNative})
		return layer, nil
	}
	var err error
	if a.exact != nil {
		layer.plans, err = pl.planExact(op, a)
	} else {
		layer.plans, err = pl.planKind(op, a)
		pl.route(op, LayerRoute{Kind: RouteNative})
	}
	return layer, err
}

// planKind plans an op by its kind with the given arithmetic.
func (pl *planner) planKind(op *workloads.Op, a arithmetic) ([]layerPlan, error) {
	var p layerPlan
	var err error
	switch op.Kind {
	case workloads.Conv2D, workloads.FullyConnected:
		p, err = pl.planMatMul(pl.prepareConv(op, a), a)
	case workloads.DepthwiseConv2D:
		if a.vectorDW {
			p, err = pl.planDepthwiseVector(pl.prepareConv(op, a), a)
		} else {
			p, err = pl.planMatMul(pl.prepareConv(op, a), a)
		}
	case workloads.AveragePool2D, workloads.MaxPool2D:
		p, err = pl.planPool(op)
	case workloads.Add, workloads.Mul:
		p, err = pl.planEltwise(op, a)
	case workloads.Relu, workloads.Relu1, workloads.Relu6, workloads.Logistic:
		p, err = pl.planUnary(op)
	case workloads.Softmax:
		p, err = pl.planSoftmax(op)
	case workloads.Concatenation:
		return pl.planConcat(op)
	default:
		err = fmt.Errorf("the compiler cannot lower %v", op.Kind)
	}
	if err != nil {
		return nil, err
	}
	return []layerPlan{p}, nil
}

// sameGrid reports whether two per-tensor grids are the same.
func sameGrid(a, b quant.Params) bool { return a.Scale == b.Scale && a.ZeroPoint == b.ZeroPoint }
