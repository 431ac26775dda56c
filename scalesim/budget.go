package scalesim

import (
	"github.com/npusim/npusim/internal/limits"
)

// budget adds up what a topology asks for as its lines are read, so that a
// line of a hundred bytes asking for a 2^32-element filter, or a depthwise
// layer of a million channels (a million SCALE-Sim layers), is rejected
// before anything is built: SCALE-Sim's model keeps one byte per address of
// each operand and one report per layer; npusim's builds each layer's
// tensors. Both commands read topologies here, so scalesim, run and show
// accept the same files.
type budget struct {
	layers, elements, macs uint64
}

// add checks one layer against the limits in force and adds it to the
// topology's totals; errors name the layer and the columns at fault.
func (b *budget) add(l Layer) error {
	fh, fw, c, f := l.FilterH, l.FilterW, l.Channels, l.Filters
	bottom, right := l.Overhang()
	output := limits.Product(l.OfmapH(), l.OfmapW(), f)
	if l.Depthwise() {
		output = limits.Mul(output, uint64(c))
	}
	for _, t := range []struct {
		what string
		n    uint64
	}{
		{l.Name + " input (IFMAP Height x IFMAP Width x Channels, padded)",
			limits.Product(l.IfmapH+bottom, l.IfmapW+right, c)},
		{l.Name + " filters (Filter Height x Filter Width x Channels x Num Filter)", limits.Product(fh, fw, c, f)},
		{l.Name + " output (output pixels x Num Filter, x Channels when depthwise)", output},
	} {
		if err := limits.Check(limits.Elements, t.what, t.n); err != nil {
			return err
		}
		b.elements = limits.Add(b.elements, t.n)
	}
	if err := limits.Check(limits.ModelElements, "the topology's tensors up to "+l.Name, b.elements); err != nil {
		return err
	}
	b.layers = limits.Add(b.layers, 1)
	if l.Depthwise() { // SCALE-Sim runs one layer per channel
		b.layers = limits.Add(b.layers, uint64(c-1))
	}
	layers := "the topology's layers up to " + l.Name + " (a depthwise layer counts one per channel)"
	if err := limits.Check(limits.Ops, layers, b.layers); err != nil {
		return err
	}
	b.macs = limits.Add(b.macs, l.macs())
	return limits.Check(limits.MACs, "the topology's multiply-accumulates up to "+l.Name, b.macs)
}

// macs is MACs in saturating arithmetic.
func (l Layer) macs() uint64 {
	return limits.Mul(limits.Product(l.OfmapH(), l.OfmapW(), l.Filters), limits.Product(l.FilterH, l.FilterW, l.Channels))
}
