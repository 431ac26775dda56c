package platform

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// Result is what a run returns: the output regions read back from DRAM or
// captured from a scratchpad, in the order of Program.Outputs (regions that
// overlap may share their bytes), and the statistics.
type Result struct {
	Outputs [][]byte
	Stats   *npu.Stats
}

// Option changes how Run and RunTiming build the NPU.
type Option func(Builder) Builder

// RequestLevelDMA times DMA commands request by request (see
// Builder.WithRequestLevelDMA): the same results, more events.
func RequestLevelDMA(b Builder) Builder { return b.WithRequestLevelDMA() }

// HostKernels gives the host CPU the kernels it runs for npu.Host
// commands, indexed by npu.Host.Kernel (see Builder.WithHostKernels).
func HostKernels(k []npu.HostKernel) Option {
	return func(b Builder) Builder { return b.WithHostKernels(k) }
}

// Run executes a program on a fresh NPU built from cfg: a new serial engine,
// components, scratchpads and a DRAM holding the program's image. It returns
// the output regions and the statistics, or an error if the program is
// invalid for the hardware, has a data hazard its dependencies do not cover,
// or cannot finish.
func Run(cfg *npu.Config, p *npu.Program, opts ...Option) (*Result, error) {
	capturer := npu.NewCapturer(p)
	plat, recorder, err := simulate(cfg, p, MakeBuilder(), append(opts, capturing(capturer)))
	if err != nil {
		return nil, err
	}
	stats, err := recorder.Stats()
	if err != nil {
		return nil, err
	}
	outputs, err := readOutputs(plat.Memory, p, capturer)
	if err != nil {
		return nil, err
	}
	return &Result{Outputs: outputs, Stats: stats}, nil
}

// simulate validates a program, builds an NPU for it with b and the
// options, and runs it to the end.
func simulate(cfg *npu.Config, p *npu.Program, b Builder, opts []Option) (*Platform, *npu.Recorder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, nil, fmt.Errorf("hw config %s: %w", cfg.Name, err)
	}
	if err := p.Validate(cfg); err != nil {
		return nil, nil, err
	}
	recorder := npu.NewRecorder(cfg, p)
	b = b.WithEngine(sim.NewSerialEngine()).WithConfig(cfg).WithDRAM(p.DRAMBytes, p.DRAM).
		WithScratchpads(npu.NewScratchpadsFor(cfg, p)).WithHook(recorder)
	for _, o := range opts {
		b = o(b)
	}
	plat := b.Build("NPU")
	plat.CP.Launch(p.Commands)
	if err := plat.Engine.Run(); err != nil {
		return nil, nil, err
	}
	if err := plat.CP.Err(); err != nil {
		return nil, nil, err
	}
	if err := plat.Host.Err(); err != nil {
		return nil, nil, err
	}
	return plat, recorder, nil
}

// capturing attaches a capturer (if any) as a hook.
func capturing(c *npu.Capturer) Option {
	return func(b Builder) Builder {
		if c == nil {
			return b
		}
		return b.WithHook(c)
	}
}

// readOutputs reads the program's output regions from the DRAM, or from
// the capturer those captured from a scratchpad.
func readOutputs(dram npu.Memory, p *npu.Program, capturer *npu.Capturer) ([][]byte, error) {
	outputs := make([][]byte, len(p.Outputs))
	for i, r := range p.Outputs {
		if r.Capture != nil {
			data, err := capturer.Bytes(i) // its errors name the capture that went wrong
			if err != nil {
				return nil, err
			}
			outputs[i] = data
			continue
		}
		data, err := dram.Read(r.Addr, uint64(r.Bytes))
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", r.Name, err)
		}
		outputs[i] = data
	}
	return outputs, nil
}
