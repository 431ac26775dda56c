package drivers

import (
	"slices"
	"strings"
	"testing"
)

// TestSchedules pins the software pipelines step by step.
func TestSchedules(t *testing.T) {
	cases := []struct {
		name  string
		steps []step
		want  []string
	}{
		{"two tiles x two blocks, weights and records streamed, separate activation",
			pipelineSchedule(nil, pipelineShape{tiles: 2, blocks: 2, table: true}), []string{
				"load table", "load input t0", "load weights b0 p0", "load records b0 p0",
				// pass 0 (tile 0, block 0): the next tile's input and the next block's constants load first
				"load input t1", "load weights b1 p1", "load records b1 p1", "compute t0 b0 p0",
				// pass 1: block 0 is requantized once block 1's matmul is issued
				"load weights b0 p2", "load records b0 p2", "compute t0 b1 p1", "requantize t0 b0 p0",
				// pass 2: tile 0 is complete after its last block's requantization
				"load weights b1 p3", "load records b1 p3", "compute t1 b0 p2", "requantize t0 b1 p1", "activate t0", "store t0",
				"compute t1 b1 p3", "requantize t1 b0 p2",
				"requantize t1 b1 p3", "activate t1", "store t1"}},
		{"two tiles x one block, weights and records resident",
			pipelineSchedule(nil, pipelineShape{tiles: 2, blocks: 1, weightsResident: true, recordsResident: true}), []string{
				"load records", "load weights", "load input t0",
				"load input t1", "compute t0 b0 p0",
				"compute t1 b0 p1", "requantize t0 b0 p0", "store t0",
				"requantize t1 b0 p1", "store t1"}},
		{"three tiles x one block with a folded residual's skip operand from DRAM",
			pipelineSchedule(nil, pipelineShape{tiles: 3, blocks: 1, weightsResident: true, recordsResident: true, skip: true}), []string{
				"load records", "load weights", "load input t0",
				"load input t1", "load input t0 o1", "compute t0 b0 p0",
				// tile 2's skip reuses tile 0's slot: it loads after tile 0's requantization
				"load input t2", "load input t1 o1", "compute t1 b0 p1", "requantize t0 b0 p0", "store t0",
				"load input t2 o1", "compute t2 b0 p2", "requantize t1 b0 p1", "store t1",
				"requantize t2 b0 p2", "store t2"}},
		{"split reduction: two tiles, one block, two chunks, records per block",
			splitSchedule(nil, splitShape{tiles: 2, blocks: 1, chunks: 2}), []string{
				"load weights b0 k0 p0",
				"load input t0 k0", "compute t0 b0 k0 p0", "spill partials t0 b0 k0",
				"load input t1 k0", "compute t1 b0 k0 p0", "spill partials t1 b0 k0",
				"load weights b0 k1 p1", "load records b0",
				"load input t0 k1", "load partials t0 b0 k1", "compute t0 b0 k1 p1", "requantize t0 b0", "store t0 b0",
				"load input t1 k1", "load partials t1 b0 k1", "compute t1 b0 k1 p1", "requantize t1 b0", "store t1 b0"}},
		{"depthwise on the vector unit: two tiles x two blocks",
			depthwiseVectorSchedule(nil, 2, 2, false, false), []string{
				"load weights", "load records", "load input t0",
				"load input t1", "compute t0 b0 p0", "requantize t0 b0 p0", "compute t0 b1 p1", "requantize t0 b1 p1", "store t0",
				"compute t1 b0 p2", "requantize t1 b0 p2", "compute t1 b1 p3", "requantize t1 b1 p3", "store t1"}},
		{"pool: three tiles",
			poolSchedule(nil, 3, 1), []string{
				"load input t0", "load input t1", "compute t0", "store t0",
				"load input t2", "compute t1", "store t1", "compute t2", "store t2"}},
		{"pool: one tile in two blocks of channels",
			poolSchedule(nil, 1, 2), []string{
				"load input t0 b0 p0", "load input t0 b1 p1", "compute t0 b0 p0", "store t0 b0 p0", "compute t0 b1 p1", "store t0 b1 p1"}},
		{"MUL: two chunks",
			chunkSchedule(nil, chunkShape{chunks: 2, operands: 2, records: true, compute: true, requant: true}), []string{
				"load records",
				"load input t0 o0", "load input t0 o1", "compute t0", "requantize t0", "store t0",
				"load input t1 o0", "load input t1 o1", "compute t1", "requantize t1", "store t1"}},
	}
	for _, c := range cases {
		if got := stepNames(c.steps); !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got  %s\n want %s", c.name, strings.Join(got, ", "), strings.Join(c.want, ", "))
		}
	}
}
