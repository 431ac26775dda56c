package dma_test

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/dma"
	"github.com/npusim/npusim/npu/internal/peer"
	"github.com/sarchlab/akita/v3/mem/idealmemcontroller"
	"github.com/sarchlab/akita/v3/mem/mem"
	"github.com/sarchlab/akita/v3/sim"
)

// bench is a DMA engine between a stand-in command processor and akita's
// ideal memory controller: 1 GHz, a channel of 16 bytes per cycle with
// 64-byte bursts, at most two requests in flight, and a DRAM that answers
// 10 cycles after it takes a request.
type bench struct {
	engine sim.Engine
	dma    *dma.Comp
	dram   *idealmemcontroller.Comp
	sp     *npu.Scratchpads
	issuer *peer.Issuer
	hooks  []sim.HookCtx
}

func (b *bench) Func(ctx sim.HookCtx) { b.hooks = append(b.hooks, ctx) }

func newBench(t *testing.T) *bench {
	cfg, err := npu.LoadConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	freq := 1 * sim.GHz
	b := &bench{engine: sim.NewSerialEngine(), sp: npu.NewScratchpads(cfg)}
	b.dram = idealmemcontroller.MakeBuilder().WithEngine(b.engine).WithFreq(freq).
		WithLatency(10).WithTopBufSize(2).WithNewStorage(1 << 16).Build("DRAM")
	b.dma = dma.MakeBuilder().WithEngine(b.engine).WithFreq(freq).
		WithOutstanding(2).WithBurstBytes(64).WithBytesPerCycle(16).
		WithMemory(&mem.SingleLowModuleFinder{LowModule: b.dram.GetPortByName("Top")}).
		WithScratchpads(b.sp).Build("DMA")
	b.dma.AcceptHook(b)
	b.issuer = peer.NewIssuer("Issuer", b.engine, freq, 2)
	conn := sim.NewDirectConnection("Conn", b.engine, freq)
	conn.PlugIn(b.issuer.GetPortByName("ToUnits"), 2)
	conn.PlugIn(b.dma.GetPortByName("ToCP"), 2)
	bus := sim.NewDirectConnection("Bus", b.engine, freq)
	bus.PlugIn(b.dma.GetPortByName("ToMem"), 2)
	bus.PlugIn(b.dram.GetPortByName("Top"), 2)
	return b
}

// run executes one DMA command and returns its completion report.
func (b *bench) run(t *testing.T, op *npu.DMA) *npu.CommandCompleted {
	t.Helper()
	cmd := &npu.Command{Op: op}
	if err := b.issuer.Issue(0, cmd, b.dma.GetPortByName("ToCP")); err != nil {
		t.Fatal(err)
	}
	if err := b.engine.Run(); err != nil {
		t.Fatal(err)
	}
	if len(b.hooks) != 2 || b.hooks[0].Pos != npu.HookPosCommandStarted || b.hooks[1].Pos != npu.HookPosCommandCompleted {
		t.Fatalf("hook reports %v, want started then completed", b.hooks)
	}
	if s := b.hooks[0].Item.(*npu.CommandStarted); s.Cycle != 1 || s.Command != cmd {
		t.Errorf("started at cycle %d with %v, want cycle 1 with the command sent", s.Cycle, s.Command)
	}
	return b.hooks[1].Item.(*npu.CommandCompleted)
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/256)
	}
	return b
}

// TestLongLoadIsPacedByTheChannel loads 8 KiB, two 4 KiB requests. The
// engine takes the command at cycle 1 and sends the first request; the
// channel is then busy for 4096 / 16 = 256 cycles, until cycle 257. The
// DRAM takes the request at cycle 2 and answers at 12. The engine wakes at
// 257, ticks at 258 and sends the second request, which the DRAM takes at
// 259 and answers at 269; the engine sees it at 270 and reports the command
// done, which reaches the command processor the same cycle.
func TestLongLoadIsPacedByTheChannel(t *testing.T) {
	b := newBench(t)
	image := pattern(8192)
	if err := b.dram.Storage.Write(0, image); err != nil {
		t.Fatal(err)
	}
	done := b.run(t, &npu.DMA{DRAM: 0, SRAM: npu.ActivationSRAM, Addr: 100, RunBytes: 8192, Rows: 1, Planes: 1})
	if want := []peer.Arrival{{Seq: 0, Cycle: 270}}; !slices.Equal(b.issuer.Arrivals, want) || done.Cycle != 270 {
		t.Errorf("completed at %d, reported at %v, want cycle 270", done.Cycle, b.issuer.Arrivals)
	}
	if got := b.sp[npu.ActivationSRAM].Bytes()[100 : 100+8192]; !slices.Equal(got, image) {
		t.Error("the scratchpad does not hold the DRAM's bytes")
	}
	if c := done.Counters; c.DRAMRead != 8192 || c.SRAMWrite[npu.ActivationSRAM] != 8192 || c.DRAMWrite != 0 {
		t.Errorf("counters %+v, want 8192 DRAM bytes read and scratchpad bytes written", c)
	}
}

// TestShortRunsAreLatencyBound stores four 10-byte rows to DRAM rows 100
// bytes apart from address 60. The first row straddles a burst boundary
// (128 bytes of traffic, 8 channel cycles), the others touch one burst each
// (64 bytes, 4 cycles). With two requests in flight and a 10-cycle DRAM, the
// requests go at cycles 1, 10 (channel), 14 (first answer seen at 13, the
// channel free at 14) and 22 (second answer seen at 22); the last answer
// comes at 33 and the command is done at 34.
func TestShortRunsAreLatencyBound(t *testing.T) {
	b := newBench(t)
	rows := pattern(400)
	copy(b.sp[npu.WeightSRAM].Bytes()[200:], rows)
	done := b.run(t, &npu.DMA{Store: true, DRAM: 60, SRAM: npu.WeightSRAM, Addr: 200, RunBytes: 10, Rows: 4, Planes: 1,
		DRAMRowStride: 100, SRAMRowStride: 100})
	if done.Cycle != 34 {
		t.Errorf("completed at cycle %d, want 34", done.Cycle)
	}
	for r := range 4 {
		got, err := b.dram.Storage.Read(uint64(60+100*r), 10)
		if err != nil || !slices.Equal(got, rows[100*r:100*r+10]) {
			t.Errorf("DRAM row %d holds %v (%v), want %v", r, got, err, rows[100*r:100*r+10])
		}
	}
	if c := done.Counters; c.DRAMWrite != 128+3*64 || c.SRAMRead[npu.WeightSRAM] != 40 || c.DRAMRead != 0 {
		t.Errorf("counters %+v, want 320 DRAM bytes written (whole bursts) and 40 scratchpad bytes read", c)
	}
}
