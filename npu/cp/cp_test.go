package cp_test

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/cp"
	"github.com/npusim/npusim/npu/internal/peer"
	"github.com/sarchlab/akita/v3/sim"
)

// bench is a command processor wired to four stand-in units that each take
// latency cycles per command, and a hook that keeps its issue reports.
type bench struct {
	engine sim.Engine
	cp     *cp.Comp
	units  [npu.NumUnits]*peer.Unit
	issued []npu.CommandIssued
}

func (b *bench) Func(ctx sim.HookCtx) {
	b.issued = append(b.issued, *ctx.Item.(*npu.CommandIssued))
}

func newBench(latency int) *bench {
	b := &bench{engine: sim.NewSerialEngine()}
	builder := cp.MakeBuilder().WithEngine(b.engine).WithFreq(1 * sim.GHz).WithUnitQueueDepth(2)
	conn := sim.NewDirectConnection("Conn", b.engine, 1*sim.GHz)
	for u := range npu.NumUnits {
		b.units[u] = peer.NewUnit(sim.BuildNameWithIndex("Bench", "Unit", int(u)), b.engine, 1*sim.GHz, 2, latency)
		builder = builder.WithUnitPort(u, b.units[u].GetPortByName("ToCP"))
	}
	b.cp = builder.Build("CP")
	b.cp.AcceptHook(b)
	conn.PlugIn(b.cp.GetPortByName("ToUnits"), builder.PortBufferSize())
	for _, u := range b.units {
		conn.PlugIn(u.GetPortByName("ToCP"), 2)
	}
	return b
}

func (b *bench) run(t *testing.T, program []npu.Command) {
	t.Helper()
	b.cp.Launch(program)
	if err := b.engine.Run(); err != nil {
		t.Fatal(err)
	}
}

// load is a DMA load into activation bytes [addr, addr+n).
func load(addr, n int, deps ...int) npu.Command {
	return npu.Command{Deps: deps, Op: &npu.DMA{SRAM: npu.ActivationSRAM, Addr: addr, RunBytes: n, Rows: 1, Planes: 1}}
}

// store is a DMA store of activation bytes [addr, addr+n).
func store(addr, n int, deps ...int) npu.Command {
	op := &npu.DMA{Store: true, SRAM: npu.ActivationSRAM, Addr: addr, RunBytes: n, Rows: 1, Planes: 1}
	return npu.Command{Deps: deps, Op: op}
}

// lut is a vector table lookup of n activation bytes at in into out.
func lut(in, out, n int, deps ...int) npu.Command {
	op := &npu.Eltwise{Kind: npu.EltLUT, Rows: 1, Cols: n, A: in, AColStride: 1, Out: out, LUT: 0}
	return npu.Command{Deps: deps, Op: op}
}

// TestDependentCommandsWaitForCompletion: a command that depends on another
// issues two cycles after it ends (one hop back, one tick), and its wait is
// charged to the unit that released it.
func TestDependentCommandsWaitForCompletion(t *testing.T) {
	b := newBench(10)
	program := []npu.Command{load(0, 64), lut(0, 64, 64, 0), load(128, 64, 1)}
	b.run(t, program)
	if err := b.cp.Err(); err != nil {
		t.Fatal(err)
	}
	// The first tick is cycle 1. A unit takes a command the cycle after it
	// is sent and reports it Latency = 10 cycles later: done at 12, seen by
	// the command processor at 13, which issues the next command then.
	want := []npu.CommandIssued{
		{Seq: 0, Command: &program[0], Cycle: 1, Waited: 1, WaitedOn: npu.UnitDMA},
		{Seq: 1, Command: &program[1], Cycle: 13, Waited: 12, WaitedOn: npu.UnitDMA},
		{Seq: 2, Command: &program[2], Cycle: 25, Waited: 12, WaitedOn: npu.UnitVector},
	}
	if !slices.Equal(b.issued, want) {
		t.Errorf("issued %+v, want %+v", b.issued, want)
	}
	// the requests carry the program's commands themselves
	if got := b.units[npu.UnitDMA].Commands; len(got) != 2 || got[0] != &program[0] || got[1] != &program[2] {
		t.Errorf("the DMA stand-in received %v, want commands 0 and 2", got)
	}
}

// TestQueueDepthLimitsIssue: a unit holds two commands; the third waits
// for the first to complete.
func TestQueueDepthLimitsIssue(t *testing.T) {
	b := newBench(10)
	b.run(t, []npu.Command{load(0, 64), load(64, 64), load(128, 64)})
	if err := b.cp.Err(); err != nil {
		t.Fatal(err)
	}
	var cycles []uint64
	for _, e := range b.issued {
		cycles = append(cycles, e.Cycle)
	}
	// commands 0 and 1 issue at cycle 1; command 0 is done at 12, and
	// command 2 issues at 13
	if want := []uint64{1, 1, 13}; !slices.Equal(cycles, want) {
		t.Errorf("issue cycles %v, want %v", cycles, want)
	}
}

func TestHazardStopsIssue(t *testing.T) {
	tests := []struct {
		name    string
		program []npu.Command
		want    string
		issued  int
	}{
		{"write then read on another unit", []npu.Command{load(0, 64), lut(32, 256, 16)},
			"hazard: command 1 (vector.lut) touches activation SRAM [32, 48) while command 0 (dma.load) in flight " +
				"touches activation SRAM [0, 64); a dependency is missing", 1},
		{"overlap on one unit runs in order", []npu.Command{load(0, 64), load(32, 64)}, "", 2},
		{"reads do not conflict", []npu.Command{lut(0, 256, 64), store(0, 64)}, "", 2},
	}
	for _, tc := range tests {
		b := newBench(10)
		b.run(t, tc.program)
		err := b.cp.Err()
		if (tc.want == "" && err != nil) || (tc.want != "" && (err == nil || err.Error() != tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
		if len(b.issued) != tc.issued {
			t.Errorf("%s: %d commands issued, want %d", tc.name, len(b.issued), tc.issued)
		}
	}
}

func TestDeadlockReported(t *testing.T) {
	b := newBench(-1) // units that never report
	b.run(t, []npu.Command{load(0, 64), load(64, 64, 0)})
	want := "command 0 (dma.load) never completed: the program deadlocked"
	if err := b.cp.Err(); err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
