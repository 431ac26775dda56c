package platform_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
	"github.com/sarchlab/akita/v3/sim"
)

// copyProgram loads n bytes from DRAM address 0 into the activation
// scratchpad, adds 1 to each on the vector unit through a table, and stores
// them at DRAM address 4096.
func copyProgram(n int) *npu.Program {
	image := make([]byte, 4096)
	for i := range 256 {
		image[i] = byte(i * 3) // the data
		image[1024+i] = byte(i + 1)
	}
	return &npu.Program{Layers: []string{"copy"}, DRAM: image, DRAMBytes: 4096 + uint64(n),
		Outputs: []npu.Region{{Name: "out", Addr: 4096, Bytes: n}},
		Commands: []npu.Command{
			{Op: &npu.DMA{SRAM: npu.ActivationSRAM, RunBytes: n, Rows: 1, Planes: 1}},
			{Op: &npu.DMA{DRAM: 1024, SRAM: npu.WeightSRAM, RunBytes: 256, Rows: 1, Planes: 1}},
			{Deps: []int{0, 1}, Op: &npu.Eltwise{Kind: npu.EltLUT, Rows: 1, Cols: n, A: 0, AColStride: 1, Out: 512, Hi: 255}},
			{Deps: []int{2}, Op: &npu.DMA{Store: true, DRAM: 4096, SRAM: npu.ActivationSRAM, Addr: 512,
				RunBytes: n, Rows: 1, Planes: 1}},
		}}
}

// log is a hook that keeps the name of the component behind each report.
type log struct{ entries []string }

func (l *log) Func(ctx sim.HookCtx) {
	var seq int
	switch e := ctx.Item.(type) {
	case *npu.CommandIssued:
		seq = e.Seq
	case *npu.CommandStarted:
		seq = e.Seq
	case *npu.CommandCompleted:
		seq = e.Seq
	}
	l.entries = append(l.entries, fmt.Sprintf("%s %s %d", ctx.Domain.(sim.Named).Name(), ctx.Pos.Name, seq))
}

// TestHooksSeeEveryCommand: a hook given to the builder hears every
// command issued by the command processor and started and completed by the
// unit that executes it.
func TestHooksSeeEveryCommand(t *testing.T) {
	cfg, err := npu.LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	p := copyProgram(64)
	l := &log{}
	plat := platform.MakeBuilder().WithEngine(sim.NewSerialEngine()).WithConfig(cfg).
		WithDRAM(p.DRAMBytes, p.DRAM).WithHook(l).Build("NPU")
	plat.CP.Launch(p.Commands)
	if err := plat.Engine.Run(); err != nil {
		t.Fatal(err)
	}
	if err := plat.CP.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"NPU.CommandProcessor CommandIssued 0", "NPU.CommandProcessor CommandIssued 1",
		"NPU.DMA CommandStarted 0", "NPU.DMA CommandCompleted 0", "NPU.DMA CommandStarted 1", "NPU.DMA CommandCompleted 1",
		"NPU.CommandProcessor CommandIssued 2", "NPU.VectorUnit CommandStarted 2", "NPU.VectorUnit CommandCompleted 2",
		"NPU.CommandProcessor CommandIssued 3", "NPU.DMA CommandStarted 3", "NPU.DMA CommandCompleted 3",
	}
	if !slices.Equal(l.entries, want) {
		t.Errorf("hook reports\n%q\nwant\n%q", l.entries, want)
	}
}

// ExampleRun runs a program that adds 1 to four bytes through a lookup
// table. On mobile-npu (1 GHz, 100-cycle DRAM) a short DMA command takes 102
// cycles: its request reaches the DRAM a cycle after it is sent, which
// answers 100 cycles later, and the answer is seen a cycle after that. The
// two loads start at cycle 2 and run back to back to 206; the lookup takes
// ceil(4 / 32 lanes) + 3 pipeline stages, from 208 to 212, as each hand-over
// between units costs two cycles; the store runs from 214 to 316.
func ExampleRun() {
	cfg, err := npu.LoadConfig("mobile-npu")
	if err != nil {
		panic(err)
	}
	res, err := platform.Run(cfg, copyProgram(4))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v %d cycles\n", res.Outputs[0], res.Stats.Cycles)
	// Output: [1 4 7 10] 316 cycles
}
