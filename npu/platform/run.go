package platform

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// Result is what a run returns: the output regions read back from DRAM, in
// the order of Program.Outputs, and the statistics.
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
	plat := MakeBuilder().WithEngine(sim.NewSerialEngine()).WithConfig(cfg).
		WithDRAM(p.DRAMBytes, p.DRAM).WithScratchpads(npu.NewScratchpadsFor(cfg, p)).WithHook(recorder).Build("NPU")
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
	outputs := make([][]byte, len(p.Outputs))
	for i, r := range p.Outputs {
		data, err := plat.DRAM.Storage.Read(r.Addr, uint64(r.Bytes))
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", r.Name, err)
		}
		outputs[i] = data
	}
	return &Result{Outputs: outputs, Stats: stats}, nil
}
