package compute_test

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/compute"
	"github.com/npusim/npusim/npu/internal/peer"
	"github.com/sarchlab/akita/v3/sim"
)

// report is one hook report and whether the command's results were in the
// scratchpad when it was made.
type report struct {
	pos     *sim.HookPos
	seq     int
	cycle   uint64
	written bool
}

// observer is a hook that notes every report and looks at the scratchpad.
type observer struct {
	sp      *npu.Scratchpads
	reports []report
	counts  []npu.Counters
}

func (o *observer) Func(ctx sim.HookCtx) {
	switch e := ctx.Item.(type) {
	case *npu.CommandStarted:
		o.reports = append(o.reports, report{ctx.Pos, e.Seq, e.Cycle, widened(o.sp, e.Command.Op.(*npu.Psum))})
	case *npu.CommandCompleted:
		o.reports = append(o.reports, report{ctx.Pos, e.Seq, e.Cycle, widened(o.sp, e.Command.Op.(*npu.Psum))})
		o.counts = append(o.counts, e.Counters)
	}
}

// widened reports whether every accumulator of a widening holds its int16
// partial sum shifted left.
func widened(sp *npu.Scratchpads, p *npu.Psum) bool {
	acc := sp[npu.AccumulatorSRAM].Bytes()
	for m := range p.M {
		for n := range p.N {
			half := int16(binary.LittleEndian.Uint16(acc[p.Half+2*(m*p.HalfRowStride+n):]))
			wide := int32(binary.LittleEndian.Uint32(acc[p.Acc.Base+4*(m*p.Acc.RowStride+n):]))
			if wide != int32(half)<<p.Shift {
				return false
			}
		}
	}
	return true
}

// TestUnitRunsCommandsInTurn sends two partial-sum widenings to a
// requantization unit at once. On mobile-npu a widening of n elements takes
// ceil(n / 32 lanes) + 6 pipeline stages: 64 elements take 8 cycles, 320
// take 16. The unit takes the first at cycle 1 (the cycle after the
// requests arrive), finishes it at 9, takes the second at 10 and finishes it
// at 26; each command's values appear when it completes, not before.
func TestUnitRunsCommandsInTurn(t *testing.T) {
	cfg, err := npu.LoadConfig("mobile-npu")
	if err != nil {
		t.Fatal(err)
	}
	engine, freq := sim.NewSerialEngine(), 1*sim.GHz
	sp := npu.NewScratchpads(cfg)
	unit := compute.MakeBuilder().WithEngine(engine).WithFreq(freq).WithQueueDepth(2).
		WithConfig(cfg).WithScratchpads(sp).Build("RequantUnit")
	obs := &observer{sp: sp}
	unit.AcceptHook(obs)
	issuer := peer.NewIssuer("Issuer", engine, freq, 2)
	conn := sim.NewDirectConnection("Conn", engine, freq)
	conn.PlugIn(issuer.GetPortByName("ToUnits"), 2)
	conn.PlugIn(unit.GetPortByName("ToCP"), 2)

	program := []npu.Command{
		{Op: &npu.Psum{M: 2, N: 32, Acc: npu.AccRegion{Base: 0, RowStride: 32}, Half: 4096, HalfRowStride: 32, Shift: 3}},
		{Op: &npu.Psum{M: 10, N: 32, Acc: npu.AccRegion{Base: 1024, RowStride: 32}, Half: 8192, HalfRowStride: 32, Shift: 3}},
	}
	acc := sp[npu.AccumulatorSRAM].Bytes()
	for i := range (8192 + 2*10*32 - 4096) / 2 { // both partial-sum blocks, none of them 0
		binary.LittleEndian.PutUint16(acc[4096+2*i:], uint16(int16(i%600-300)|1))
	}
	for i := range program {
		if err := issuer.Issue(i, &program[i], unit.GetPortByName("ToCP")); err != nil {
			t.Fatal(err)
		}
	}
	if err := engine.Run(); err != nil {
		t.Fatal(err)
	}

	if want := []peer.Arrival{{Seq: 0, Cycle: 9}, {Seq: 1, Cycle: 26}}; !slices.Equal(issuer.Arrivals, want) {
		t.Errorf("completions %v, want %v", issuer.Arrivals, want)
	}
	started, completed := npu.HookPosCommandStarted, npu.HookPosCommandCompleted
	want := []report{{started, 0, 1, false}, {completed, 0, 9, true}, {started, 1, 10, false}, {completed, 1, 26, true}}
	if !slices.Equal(obs.reports, want) {
		t.Errorf("reports %v, want %v", obs.reports, want)
	}
	for i, c := range obs.counts {
		if got, want := c.PsumOps, uint64([]int{64, 320}[i]); got != want {
			t.Errorf("command %d: %d partial sums counted, want %d", i, got, want)
		}
	}
}
