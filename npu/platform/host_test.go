package platform_test

import (
	"math"
	"strings"
	"testing"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
)

// hostProgram hands 64 bytes at DRAM 0 to host kernel 0, whose output goes
// to DRAM 4096, then loads that output into the activation scratchpad.
func hostProgram(handoff bool) *npu.Program {
	image := make([]byte, 64)
	for i := range image {
		image[i] = byte(i)
	}
	host := &npu.Host{Kernel: 0, Class: npu.HostGEMM, MACs: 1000, Handoff: handoff,
		Inputs: []npu.Region{{Name: "in", Addr: 0, Bytes: 64}}, Output: npu.Region{Name: "out", Addr: 4096, Bytes: 64}}
	return &npu.Program{Layers: []string{"cpu"}, DRAM: image, DRAMBytes: 4096 + 64,
		Outputs: []npu.Region{{Name: "out", Addr: 4096, Bytes: 64}},
		Commands: []npu.Command{
			{Op: host},
			{Deps: []int{0}, Op: &npu.DMA{DRAM: 4096, SRAM: npu.ActivationSRAM, RunBytes: 64, Rows: 1, Planes: 1}},
		}}
}

// double is a host kernel that doubles every byte.
func double(in [][]byte) ([]byte, error) {
	out := make([]byte, len(in[0]))
	for i, b := range in[0] {
		out[i] = 2 * b
	}
	return out, nil
}

// TestHostRunsItsKernel: the host CPU reads its input from DRAM, runs the
// kernel the platform was given and writes the output to DRAM, in the
// cycles of its model. On mobile-npu (a 1 GHz NPU, an A76 at 2208 MHz
// doing 27.55 GEMM MACs per cycle, 25.6 GB/s of DRAM): 1000 MACs take
// 1000/(27.55 x 2208) = 0.0164 us, 128 bytes 0.0050 us, 22 cycles in all;
// with the 1900 us hand-off, 1,900,022. Its energy is 1000 x 10.6 pJ plus
// the hand-off's 1227 uJ, under "host".
func TestHostRunsItsKernel(t *testing.T) {
	cfg := mustPresetConfig(t, "mobile-npu")
	for _, c := range []struct {
		handoff bool
		cycles  int
		pj      float64
	}{{false, 22, 10600}, {true, 1900022, 10600 + 1227e6}} {
		p := hostProgram(c.handoff)
		res, err := platform.Run(cfg, p, platform.HostKernels([]npu.HostKernel{double}))
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range res.Outputs[0] {
			if b != byte(2*i) {
				t.Fatalf("output byte %d = %d, want %d", i, b, 2*i)
			}
		}
		st := res.Stats.Commands[0]
		if got := int(st.End - st.Start); got != c.cycles || p.Commands[0].Op.(*npu.Host).Cycles(cfg) != c.cycles {
			t.Errorf("handoff %v: host busy %d cycles, want %d", c.handoff, got, c.cycles)
		}
		if got := res.Stats.Energy[npu.CompHost]; math.Abs(got-c.pj) > 1e-6*c.pj {
			t.Errorf("handoff %v: host energy %.1f pJ, want %.1f", c.handoff, got, c.pj)
		}
		if res.Stats.Counters.DRAMRead < 128 || res.Stats.Counters.Host.GEMMMACs != 1000 {
			t.Errorf("handoff %v: counters %+v", c.handoff, res.Stats.Counters)
		}
	}
}

// TestHostWithoutItsKernel: a host command whose kernel the platform lacks
// fails the run, naming the command.
func TestHostWithoutItsKernel(t *testing.T) {
	_, err := platform.Run(mustPresetConfig(t, "mobile-npu"), hostProgram(false))
	if err == nil || !strings.Contains(err.Error(), "command 0 (host.gemm): no host kernel 0") {
		t.Errorf("error %v", err)
	}
}

func mustPresetConfig(t *testing.T, name string) *npu.Config {
	t.Helper()
	cfg, err := npu.LoadConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
