package drivers

import "github.com/npusim/npusim/npu"

// DRAMTraffic is a run's DRAM bytes (whole bursts, as the DMA engine moves
// them) split by what they carried, beside the least any schedule moves.
type DRAMTraffic struct {
	// Weights are the constants read: weights, requantization records and
	// lookup tables.
	Weights uint64 `json:"weights"`
	// ActivationsIn are the network's inputs read; ActivationsOut its
	// outputs written.
	ActivationsIn  uint64 `json:"activationsIn"`
	ActivationsOut uint64 `json:"activationsOut"`
	// Spills are every other activation byte that went through DRAM:
	// layer outputs the scratchpad did not keep, read back by the layers
	// that consume them, and partial sums of split reductions.
	Spills uint64 `json:"spills"`
	// Minimum is every constant once plus the network's inputs and
	// outputs: what a schedule that kept everything else on chip would
	// move (in bytes, without rounding to bursts).
	Minimum uint64 `json:"minimum"`
	// MinimumForSRAM adds to Minimum one write and one read per reader of
	// each tensor larger than the activation scratchpad that passes
	// between two layers the compiler does not fuse: no schedule with
	// those layer boundaries keeps it on chip.
	MinimumForSRAM uint64 `json:"minimumForSRAM"`
}

// Total is the bytes moved.
func (t DRAMTraffic) Total() uint64 { return t.Weights + t.ActivationsIn + t.ActivationsOut + t.Spills }

// Traffic splits the DRAM bytes of a run of the compiled program, from its
// per-command statistics, by the DRAM region each DMA command addresses.
func (c *Compiled) Traffic(st *npu.Stats) DRAMTraffic {
	t := DRAMTraffic{Minimum: c.constants + regionBytes(c.Inputs)}
	var outputs []npu.Region
	for _, o := range c.Outputs {
		outputs = append(outputs, c.Program.Outputs[o])
		t.Minimum += uint64(c.Program.Outputs[o].Bytes)
	}
	t.MinimumForSRAM = t.Minimum + c.unavoidable
	image := uint64(len(c.Program.DRAM))
	for i, cs := range st.Commands {
		d, ok := c.Program.Commands[i].Op.(*npu.DMA)
		if !ok {
			continue
		}
		n := cs.Counters.DRAMRead + cs.Counters.DRAMWrite
		switch {
		case within(d.DRAM, c.Inputs) && !d.Store:
			t.ActivationsIn += n
		case within(d.DRAM, outputs) && d.Store:
			t.ActivationsOut += n
		case d.DRAM < image && !d.Store:
			t.Weights += n
		default:
			t.Spills += n
		}
	}
	return t
}

// within reports whether a DRAM address lies in one of the regions.
func within(addr uint64, regions []npu.Region) bool {
	for _, r := range regions {
		if r.Capture == nil && addr >= r.Addr && addr < r.Addr+uint64(r.Bytes) {
			return true
		}
	}
	return false
}

// regionBytes sums the regions' sizes.
func regionBytes(regions []npu.Region) uint64 {
	var n uint64
	for _, r := range regions {
		n += uint64(r.Bytes)
	}
	return n
}
