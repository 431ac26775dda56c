package platform_test

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
)

// TestCaptureReadsTheScratchpad: a region captured from the activation
// scratchpad holds what its writer left there when it completed, although
// a later command overwrites those bytes and nothing stores them to DRAM.
func TestCaptureReadsTheScratchpad(t *testing.T) {
	cfg, err := npu.LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	p := copyProgram(4) // the table lookup, command 2, writes 1, 4, 7, 10 at activation 512
	p.Commands = append(p.Commands, npu.Command{Deps: []int{3}, Op: &npu.Eltwise{Kind: npu.EltLUT, Rows: 1, Cols: 4, A: 512, AColStride: 1, LUT: 0, Out: 512, Hi: 255}})
	p.Outputs = append(p.Outputs, npu.Region{Name: "kept", Bytes: 4, Capture: &npu.Capture{SRAM: npu.ActivationSRAM,
		Pieces: []npu.Piece{{Addr: 512, Run: 4, Rows: 1, Writers: []int{2}}}}})
	res, err := platform.Run(cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{1, 4, 7, 10}; !slices.Equal(res.Outputs[1], want) {
		t.Errorf("captured %v, want %v", res.Outputs[1], want)
	}
}

// TestCaptureRefusesAnOverwrite: a command that is not one of a piece's
// writers and writes its bytes after the first writer issued, before the
// last completed, makes the run fail instead of capturing a mix.
func TestCaptureRefusesAnOverwrite(t *testing.T) {
	cfg, err := npu.LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	p := copyProgram(4)
	p.Commands = append(p.Commands,
		npu.Command{Deps: []int{2}, Op: &npu.DMA{DRAM: 1024, SRAM: npu.ActivationSRAM, Addr: 512, RunBytes: 4, Rows: 1, Planes: 1}},
		npu.Command{Deps: []int{4}, Op: &npu.Eltwise{Kind: npu.EltLUT, Rows: 1, Cols: 4, A: 512, AColStride: 1, LUT: 0, Out: 512, Hi: 255}})
	p.Outputs = append(p.Outputs, npu.Region{Name: "kept", Bytes: 4, Capture: &npu.Capture{SRAM: npu.ActivationSRAM,
		Pieces: []npu.Piece{{Addr: 512, Run: 4, Rows: 1, Writers: []int{2, 5}}}}})
	_, err = platform.Run(cfg, p)
	want := "command 4 (dma.load) writes activation SRAM [512, 516) before capture kept is taken"
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q (the capture named once, not as an output the capturer happened to read first)", err, want)
	}
}
