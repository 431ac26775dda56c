package drivers

import "github.com/npusim/npusim/npu"

// Margins. The compiler's tiles, chunks and weight blocks have always been
// sized with budgets that count more than the regions a layer places: a few
// hundred bytes per scratchpad for alignment, a lookup table's room in the
// weight scratchpad whether or not the layer has a table, int16 partial-sum
// buffers for layers that do not split their reduction, second buffers for
// the split path and for concatenation, which use one. Each is reproduced
// below as a named reserve of the layer's layout, so that a layout is still
// the one computation that decides the fit and gives the addresses, and the
// programs stay those of the budgets they were sized and validated with.
// Packing exactly (dropping every reserve) changes the tiles of 76 of the
// 299 programs of the zoo x policy x hardware grid, MobileNet v2's on
// mobile-npu among them (docs/compiler.md): a change of behaviour for its
// own step, not for a restructuring.
const (
	// alignMargin is kept free in each scratchpad a layer tiles.
	alignMargin = 64
	// matmulActMargin is kept free in the activation scratchpad of a
	// convolution or fully connected layer.
	matmulActMargin = 320
	// weightMargin is kept free in the weight scratchpad of a layer with
	// resident weights, plus slotMargin per weight slot of a matmul layer.
	weightMargin = 256
	slotMargin   = 128
	// tableBytes is the size of a lookup table.
	tableBytes = 256
)

// reserveMargins adds a matmul layer's margins to its layout for tiles of
// px pixels reading in input bytes and writing out bytes of a block's
// output into a buffer (no bytes for an operand kept in the scratchpad).
func (p *matmulPlan) reserveMargins(lay *layout, px, in, out int) {
	t := p.tiling
	slots := 2
	switch {
	case t.split(p.k):
		lay.reserve(npu.ActivationSRAM, "margin: second input and output", in+out)
		lay.reserve(npu.AccumulatorSRAM, "margin: second accumulators and int16 partial sums", 6*px*t.nb)
	default:
		lay.reserve(npu.AccumulatorSRAM, "margin: int16 partial sums", 4*px*t.nb)
		if t.weightsResident {
			slots = 1
		}
	}
	lay.reserve(npu.ActivationSRAM, "margin: alignment", matmulActMargin)
	lay.reserve(npu.AccumulatorSRAM, "margin: alignment", alignMargin)
	lay.reserve(npu.WeightSRAM, "margin: alignment", weightMargin+alignMargin+slotMargin*slots)
	reserveTable(lay, p.actLUT != nil)
}

// reserveTable keeps a lookup table's room in the weight scratchpad of a
// layer without a table.
func reserveTable(lay *layout, placed bool) {
	if !placed {
		lay.reserve(npu.WeightSRAM, "margin: activation table", tableBytes)
	}
}

// reserveTileMargins adds the alignment margin of a vector layer to the
// scratchpads it tiles.
func reserveTileMargins(lay *layout, sram ...npu.SRAM) {
	for _, s := range sram {
		lay.reserve(s, "margin: alignment", alignMargin)
	}
}
