package platform

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// Result is what a run returns: the output regions read back from DRAM or
// captured from a scratchpad, in the order of Program.Outputs, and the
// statistics.
type Result struct {
	Outputs [][]byte
	Stats   *npu.Stats
}

// Run executes a program on a fresh NPU built from cfg: a new serial engine,
// components, scratchpads and a DRAM holding the program's image. It returns
// the output regions and the statistics, or an error if the program is
// invalid for the hardware, has a data hazard its dependencies do not cover,
// or cannot finish.
func Run(cfg *npu.Config, p *npu.Program) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("hw config %s: %w", cfg.Name, err)
	}
	if err := p.Validate(cfg); err != nil {
		return nil, err
	}
	recorder := npu.NewRecorder(cfg, p)
	b := MakeBuilder().WithEngine(sim.NewSerialEngine()).WithConfig(cfg).WithDRAM(p.DRAMBytes, p.DRAM).WithHook(recorder)
	capturer := npu.NewCapturer(p)
	if capturer != nil {
		b = b.WithHook(capturer)
	}
	plat := b.Build("NPU")
	if capturer != nil {
		capturer.Watch(plat.Scratchpads)
	}
	plat.CP.Launch(p.Commands)
	if err := plat.Engine.Run(); err != nil {
		return nil, err
	}
	if err := plat.CP.Err(); err != nil {
		return nil, err
	}
	stats, err := recorder.Stats()
	if err != nil {
		return nil, err
	}
	outputs, err := readOutputs(plat, p, capturer)
	if err != nil {
		return nil, err
	}
	return &Result{Outputs: outputs, Stats: stats}, nil
}

// readOutputs reads the output regions back from DRAM, or from the
// capturer for those captured from a scratchpad.
func readOutputs(plat *Platform, p *npu.Program, capturer *npu.Capturer) ([][]byte, error) {
	outputs := make([][]byte, len(p.Outputs))
	for i, r := range p.Outputs {
		var data []byte
		var err error
		if r.Capture != nil {
			data, err = capturer.Bytes(i)
		} else {
			data, err = plat.DRAM.Storage.Read(r.Addr, uint64(r.Bytes))
		}
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", r.Name, err)
		}
		outputs[i] = data
	}
	return outputs, nil
}
