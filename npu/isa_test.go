package npu

import (
	"encoding/json"
	"testing"
)

// TestCommandJSON pins the serialised form of a command that program
// digests hash: dependencies (omitted when empty), layer, then the
// operation under its key.
func TestCommandJSON(t *testing.T) {
	tests := []struct {
		name string
		cmd  Command
		want string
	}{
		{"load", Command{Op: &DMA{DRAM: 64, SRAM: WeightSRAM, Addr: 128, RunBytes: 16, Rows: 1, Planes: 1}},
			`{"layer":0,"dma":{"dram":64,"sram":1,"addr":128,"runBytes":16,"rows":1,"planes":1}}`},
		{"narrow", Command{Deps: []int{2, 5}, Layer: 3, Op: &Psum{Narrow: true, M: 1, N: 2, Half: 8, HalfRowStride: 2, Shift: 4}},
			`{"deps":[2,5],"layer":3,"psum":{"narrow":true,"m":1,"n":2,"acc":{"base":0,"rowStride":0},"half":8,"halfRowStride":2,"shift":4}}`},
	}
	for _, tc := range tests {
		got, err := json.Marshal(tc.cmd)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if string(got) != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	if _, err := json.Marshal(Command{}); err == nil {
		t.Error("a command without an operation marshalled")
	}
}
