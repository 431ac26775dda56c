package dma_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/dma"
	"github.com/npusim/npusim/npu/internal/peer"
	"github.com/sarchlab/akita/v3/mem/idealmemcontroller"
	"github.com/sarchlab/akita/v3/mem/mem"
	"github.com/sarchlab/akita/v3/sim"
)

// scenario is a random DMA workload: an engine's parameters, the DRAM's
// latency, and commands sent at given cycles (several may wait in the
// engine's queue, so commands arrive while others execute).
type scenario struct {
	outstanding, burst, latency int
	rate                        float64
	freq                        sim.Freq
	commands                    []*npu.DMA
	at                          []uint64 // the cycle each command is sent
	dram, sram                  []byte   // initial contents
}

const scenarioDRAM, scenarioSRAM = 1 << 16, 1 << 14

func randomScenario(rng *rand.Rand) scenario {
	s := scenario{outstanding: 1 + rng.IntN(8), burst: []int{16, 32, 64}[rng.IntN(3)], latency: rng.IntN(40),
		rate: []float64{0.5, 3, 10.625, 16, 25.6, 64, 100, 300}[rng.IntN(8)], freq: []sim.Freq{1 * sim.GHz, 800 * sim.MHz, 333 * sim.MHz}[rng.IntN(3)]}
	var at uint64
	for range 1 + rng.IntN(6) {
		at += 1 + uint64(rng.IntN(400)) // one at a time: same-cycle sends have no defined order
		s.at = append(s.at, at)
		s.commands = append(s.commands, randomBox(rng))
	}
	s.dram, s.sram = pattern(scenarioDRAM), pattern(scenarioSRAM)
	rng.Shuffle(len(s.sram), func(i, j int) { s.sram[i], s.sram[j] = s.sram[j], s.sram[i] })
	return s
}

// randomBox is a load or store of short or long, aligned or unaligned
// runs that fits the scenario's memories.
func randomBox(rng *rand.Rand) *npu.DMA {
	d := &npu.DMA{Store: rng.IntN(2) == 0, SRAM: npu.ActivationSRAM, Rows: 1 + rng.IntN(4), Planes: 1 + rng.IntN(2)}
	d.RunBytes = []int{1 + rng.IntN(40), 1 + rng.IntN(300), 1 + rng.IntN(9000)}[rng.IntN(3)]
	d.RunBytes = min(d.RunBytes, scenarioSRAM/(d.Rows*d.Planes))
	d.SRAMRowStride, d.DRAMRowStride = d.RunBytes+rng.IntN(8), d.RunBytes+rng.IntN(200)
	d.SRAMPlaneStride, d.DRAMPlaneStride = d.Rows*d.SRAMRowStride, d.Rows*d.DRAMRowStride+rng.IntN(100)
	sramEnd := (d.Planes-1)*d.SRAMPlaneStride + (d.Rows-1)*d.SRAMRowStride + d.RunBytes
	dramEnd := (d.Planes-1)*d.DRAMPlaneStride + (d.Rows-1)*d.DRAMRowStride + d.RunBytes
	if sramEnd > scenarioSRAM || dramEnd > scenarioDRAM {
		return randomBox(rng)
	}
	d.Addr = rng.IntN(scenarioSRAM - sramEnd + 1)
	d.DRAM = uint64(rng.IntN(scenarioDRAM - dramEnd + 1))
	return d
}

// outcome is everything observable of a scenario's run.
type outcome struct {
	reports  []string // hook reports: position, command, cycle, counters
	arrivals []peer.Arrival
	dram     []byte
	sram     []byte
}

func (o *outcome) Func(ctx sim.HookCtx) {
	switch e := ctx.Item.(type) {
	case *npu.CommandStarted:
		o.reports = append(o.reports, fmt.Sprintf("started %d at %d", e.Seq, e.Cycle))
	case *npu.CommandCompleted:
		o.reports = append(o.reports, fmt.Sprintf("completed %d at %d %+v", e.Seq, e.Cycle, e.Counters))
	}
}

// sender sends the scenario's commands at their cycles.
type sender struct {
	issuer *peer.Issuer
	dst    sim.Port
	cmds   []npu.Command
}

type sendEvent struct {
	*sim.EventBase
	seq int
}

func (s *sender) Handle(e sim.Event) error {
	seq := e.(sendEvent).seq
	if err := s.issuer.Issue(seq, &s.cmds[seq], s.dst); err != nil {
		return fmt.Errorf("command %d not sent", seq)
	}
	return nil
}

// run plays the scenario on a DMA engine with the analytic model or, with
// requestLevel, sending requests to akita's ideal memory controller.
func (s scenario) run(t *testing.T, requestLevel bool) outcome {
	engine, freq := sim.NewSerialEngine(), s.freq
	cfg, err := npu.LoadConfig("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg.SRAM.ActivationKiB = scenarioSRAM / 1024
	sp := npu.NewScratchpads(cfg)
	copy(sp[npu.ActivationSRAM].Bytes(), s.sram)
	dram := idealmemcontroller.MakeBuilder().WithEngine(engine).WithFreq(freq).WithLatency(s.latency).
		WithTopBufSize(s.outstanding).WithNewStorage(scenarioDRAM).Build("DRAM")
	if err := dram.Storage.Write(0, s.dram); err != nil {
		t.Fatal(err)
	}
	queue := len(s.commands)
	b := dma.MakeBuilder().WithEngine(engine).WithFreq(freq).WithQueueDepth(queue).WithOutstanding(s.outstanding).
		WithBurstBytes(s.burst).WithBytesPerCycle(s.rate).WithScratchpads(sp)
	if requestLevel {
		b = b.WithMemory(&mem.SingleLowModuleFinder{LowModule: dram.GetPortByName("Top")})
	} else {
		b = b.WithStorage(dram.Storage).WithLatency(s.latency)
	}
	d := b.Build("DMA")
	var o outcome
	d.AcceptHook(&o)
	issuer := peer.NewIssuer("Issuer", engine, freq, queue)
	conn := sim.NewDirectConnection("Conn", engine, freq)
	conn.PlugIn(issuer.GetPortByName("ToUnits"), queue)
	conn.PlugIn(d.GetPortByName("ToCP"), queue)
	if requestLevel {
		bus := sim.NewDirectConnection("Bus", engine, freq)
		bus.PlugIn(d.GetPortByName("ToMem"), s.outstanding)
		bus.PlugIn(dram.GetPortByName("Top"), s.outstanding)
	}
	snd := &sender{issuer: issuer, dst: d.GetPortByName("ToCP")}
	for i, c := range s.commands {
		snd.cmds = append(snd.cmds, npu.Command{Op: c})
		engine.Schedule(sendEvent{sim.NewEventBase(sim.VTimeInSec(float64(s.at[i])/float64(freq)), snd), i})
	}
	if err := engine.Run(); err != nil {
		t.Fatal(err)
	}
	o.arrivals = issuer.Arrivals
	o.dram, _ = dram.Storage.Read(0, scenarioDRAM)
	o.sram = slices.Clone(sp[npu.ActivationSRAM].Bytes())
	return o
}

// TestAnalyticModelMatchesRequestLevel plays random scenarios with both
// models: channels faster and slower than a burst per cycle, one to eight
// requests in flight, DRAM latencies from 0 to 39 cycles, clocks of 1 GHz,
// 800 MHz and 333 MHz, commands that queue behind others. Every hook report (cycles and counters), every
// completion's arrival and the final memories must be the same.
func TestAnalyticModelMatchesRequestLevel(t *testing.T) {
	for seed := range uint64(3000) {
		s := randomScenario(rand.New(rand.NewPCG(seed, 0xd4a)))
		want, got := s.run(t, true), s.run(t, false)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d (outstanding %d, burst %d, rate %v, latency %d, clock %v, %d commands):\nanalytic      %v %v\nrequest-level %v %v",
				seed, s.outstanding, s.burst, s.rate, s.latency, s.freq, len(s.commands), got.reports, got.arrivals, want.reports, want.arrivals)
		}
	}
}
