package drivers

import (
	"fmt"
	"slices"
	"strings"
)

// stepKind is what one step of a layer's schedule does.
type stepKind uint8

// The step kinds. A layer kind uses those it needs; its lowering says which
// operations each becomes.
const (
	loadTable     stepKind = iota // a lookup table into the weight scratchpad
	loadRecords                   // requantization records: all, or one block's
	loadWeights                   // weights: all, one block's, or one block's reduction chunk
	loadInput                     // a tile's input window, or a chunk of an operand
	loadPartials                  // a split reduction's partial sums back from DRAM
	compute                       // the layer's arithmetic on one tile (or chunk) and block
	requantize                    // accumulators to 8-bit outputs
	activate                      // the separate activation clamp
	store                         // outputs to DRAM
	spillPartials                 // a split reduction's partial sums to DRAM
	loadOnes                      // the ones a folded weight zero point's row sums multiply
)

var stepKindNames = [...]string{"load table", "load records", "load weights", "load input", "load partials",
	"compute", "requantize", "activate", "store", "spill partials", "load ones"}

// all marks a step field that does not apply: a load of every block, a step
// that is not per tile.
const all = -1

// step is one entry of a layer's schedule.
type step struct {
	kind stepKind
	// tile is the output tile (or chunk of rows) the step works on.
	tile int
	// block is the block of output channels.
	block int
	// chunk is the reduction chunk of a split layer.
	chunk int
	// operand is which input a load of an element-wise op reads.
	operand int
	// pass counts the (tile, block) pairs, or the weight chunks of a split
	// layer, in pipeline order: its parity selects the double-buffered
	// accumulators and weights, pass mod 3 the slot of the records ring.
	pass int
}

// mkStep makes a step of a tile, block, reduction chunk and pass (all where
// one does not apply).
func mkStep(kind stepKind, tile, block, chunk, pass int) step {
	return step{kind: kind, tile: tile, block: block, chunk: chunk, operand: all, pass: pass}
}

// String names the step and the fields that apply ("compute t1 b0 p2").
func (s step) String() string {
	var b strings.Builder
	b.WriteString(stepKindNames[s.kind])
	for _, f := range []struct {
		tag string
		v   int
	}{{"t", s.tile}, {"b", s.block}, {"k", s.chunk}, {"o", s.operand}, {"p", s.pass}} {
		if f.v != all {
			fmt.Fprintf(&b, " %s%d", f.tag, f.v)
		}
	}
	return b.String()
}

// Schedules. Each function below appends the schedule of one kind of layer
// to a slice, as a pure function of its sizes, so that a test can read the
// pipeline.

// pipelineShape is what shapes the schedule of a convolution or fully
// connected layer whose reduction fits the weight scratchpad.
type pipelineShape struct {
	tiles, blocks                           int
	table, weightsResident, recordsResident bool
	// inputPerBlock loads each pass's input (a depthwise block's
	// channels) instead of each tile's.
	inputPerBlock bool
	// preloaded leaves out the loads of resident weights, records and
	// table: an earlier band of a fused chain made them.
	preloaded bool
	// skip loads, before each tile's first matmul, the tile of a folded
	// residual's skip operand (operand 1) into the tile's slot: the
	// requantizations of the tile before, which read the other slot, come
	// after it, those of the tile two before, which read this one, before.
	skip bool
}

// pipelineSchedule is the software pipeline of a convolution or fully
// connected layer: the next tile's input (or the next block's, with
// inputPerBlock) loads while the current one is computed, the next block's weights (and records) load while the current
// block multiplies, and each block's requantization runs after the next
// block's matmul has been issued, so that the array and the requantization
// unit overlap. A tile's outputs are stored once its last block is
// requantized.
func pipelineSchedule(s []step, sh pipelineShape) []step {
	passes := sh.tiles * sh.blocks
	// At most three preloads, six steps a pass (an input load, two block
	// loads, a skip load, the product and its requantization) and two a
	// tile (its activation pass and store).
	s = slices.Grow(s, 3+6*(passes+1)+2*sh.tiles)
	if !sh.preloaded {
		s = preloads(s, sh.table, sh.recordsResident, sh.weightsResident)
	}
	s = sh.inputLoad(s, 0)
	s = sh.blockLoads(s, 0, 0)
	for pass := range passes {
		t, b := pass/sh.blocks, pass%sh.blocks
		switch {
		case sh.inputPerBlock && pass+1 < passes:
			s = sh.inputLoad(s, pass+1)
		case !sh.inputPerBlock && b == 0 && t+1 < sh.tiles:
			s = sh.inputLoad(s, (t+1)*sh.blocks)
		}
		if pass+1 < passes {
			s = sh.blockLoads(s, (pass+1)%sh.blocks, pass+1)
		}
		if sh.skip && b == 0 { // the tile's skip operand, read by its requantizations
			ld := mkStep(loadInput, t, all, all, all)
			ld.operand = 1
			s = append(s, ld)
		}
		s = append(s, mkStep(compute, t, b, all, pass))
		if pass > 0 {
			s = sh.retire(s, pass-1)
		}
	}
	return sh.retire(s, passes-1)
}

// inputLoad appends the input load that a pass starts: its tile's, or,
// with inputPerBlock, its own block's.
func (sh pipelineShape) inputLoad(s []step, pass int) []step {
	t := pass / sh.blocks
	if sh.inputPerBlock {
		return append(s, mkStep(loadInput, t, pass%sh.blocks, all, pass))
	}
	return append(s, mkStep(loadInput, t, all, all, all))
}

// preloads appends the loads that precede a layer's tiles: its lookup
// table, then all its records and all its weights when they stay resident.
func preloads(s []step, table, records, weights bool) []step {
	if table {
		s = append(s, mkStep(loadTable, all, all, all, all))
	}
	if records {
		s = append(s, mkStep(loadRecords, all, all, all, all))
	}
	if weights {
		s = append(s, mkStep(loadWeights, all, all, all, all))
	}
	return s
}

// blockLoads appends the loads of block b's weights and records that do
// not stay resident, into the slots of the given pass.
func (sh pipelineShape) blockLoads(s []step, b, pass int) []step {
	if !sh.weightsResident {
		s = append(s, mkStep(loadWeights, all, b, all, pass))
	}
	if !sh.recordsResident {
		s = append(s, mkStep(loadRecords, all, b, all, pass))
	}
	return s
}

// retire appends the requantization of a pass and, after a tile's last
// block, the tile's activation pass and store.
func (sh pipelineShape) retire(s []step, pass int) []step {
	t, b := pass/sh.blocks, pass%sh.blocks
	s = append(s, mkStep(requantize, t, b, all, pass))
	if b == sh.blocks-1 {
		s = tileOutput(s, t, all, sh.table)
	}
	return s
}

// tileOutput appends a tile's (or a tile block's) separate activation
// pass, when there is one, and its store.
func tileOutput(s []step, t, b int, table bool) []step {
	if table {
		s = append(s, mkStep(activate, t, b, all, all))
	}
	return append(s, mkStep(store, t, b, all, all))
}

// splitShape is what shapes the schedule of a layer whose reduction does
// not fit the weight scratchpad.
type splitShape struct {
	tiles, blocks, chunks  int
	table, recordsResident bool
}

// splitSchedule is the schedule of a split reduction: for each block of
// output channels, each reduction chunk's weights load once and are applied
// to every tile; the partial sums wait in DRAM between chunks and the last
// chunk requantizes and stores.
func splitSchedule(s []step, sh splitShape) []step {
	s = preloads(s, sh.table, sh.recordsResident, false)
	pass := 0
	for b := range sh.blocks {
		for c := range sh.chunks {
			s = append(s, mkStep(loadWeights, all, b, c, pass))
			last := c == sh.chunks-1
			if last && !sh.recordsResident {
				s = append(s, mkStep(loadRecords, all, b, all, all))
			}
			for t := range sh.tiles {
				s = append(s, mkStep(loadInput, t, all, c, all))
				if c > 0 {
					s = append(s, mkStep(loadPartials, t, b, c, all))
				}
				s = append(s, mkStep(compute, t, b, c, pass))
				if last {
					s = append(s, mkStep(requantize, t, b, all, all))
					s = tileOutput(s, t, b, sh.table)
				} else {
					s = append(s, mkStep(spillPartials, t, b, c, all))
				}
			}
			pass++
		}
	}
	return s
}

// depthwiseVectorSchedule is the schedule of a depthwise layer on the vector
// unit: weights and records resident (loaded first unless preloaded), then
// per tile and block of channels a depthwise command and its
// requantization; the next tile's input loads while the current one is
// computed.
func depthwiseVectorSchedule(s []step, tiles, blocks int, table, preloaded bool) []step {
	if table && !preloaded {
		s = append(s, mkStep(loadTable, all, all, all, all))
	}
	if !preloaded {
		s = append(s, mkStep(loadWeights, all, all, all, all), mkStep(loadRecords, all, all, all, all))
	}
	s = append(s, mkStep(loadInput, 0, all, all, all))
	for t := range tiles {
		if t+1 < tiles {
			s = append(s, mkStep(loadInput, t+1, all, all, all))
		}
		for b := range blocks {
			pass := t*blocks + b
			s = append(s, mkStep(compute, t, b, all, pass), mkStep(requantize, t, b, all, pass))
		}
		s = tileOutput(s, t, all, table)
	}
	return s
}

// poolSchedule is the schedule of a pool: per tile (and block of channels,
// when there are several: each pass is one), one pool command; the next
// pass's input loads while the current one is pooled.
func poolSchedule(s []step, tiles, blocks int) []step {
	at := func(kind stepKind, pass int) step {
		if blocks == 1 {
			return mkStep(kind, pass, all, all, all)
		}
		return mkStep(kind, pass/blocks, pass%blocks, all, pass)
	}
	passes := tiles * blocks
	s = append(s, at(loadInput, 0))
	for pass := range passes {
		if pass+1 < passes {
			s = append(s, at(loadInput, pass+1))
		}
		s = append(s, at(compute, pass), at(store, pass))
	}
	return s
}

// chunkShape is what shapes the schedule of an element-wise layer cut into
// chunks of rows.
type chunkShape struct {
	chunks, operands int
	// table and records are loaded before the chunks; compute and
	// requant say whether a chunk is computed (a plain copy is not) and
	// requantized.
	table, records, compute, requant bool
}

// chunkSchedule is the schedule of an element-wise layer: per chunk, load
// each operand, compute, requantize if needed, store.
func chunkSchedule(s []step, sh chunkShape) []step {
	s = preloads(s, sh.table, sh.records, false)
	for c := range sh.chunks {
		for o := range sh.operands {
			ld := mkStep(loadInput, c, all, all, all)
			ld.operand = o
			s = append(s, ld)
		}
		if sh.compute {
			s = append(s, mkStep(compute, c, all, all, all))
		}
		if sh.requant {
			s = append(s, mkStep(requantize, c, all, all, all))
		}
		s = append(s, mkStep(store, c, all, all, all))
	}
	return s
}
