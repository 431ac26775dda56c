package npu

// Memory is the DRAM side of a DMA command: akita's mem.Storage, which the
// DRAM controller holds, is one.
type Memory interface {
	Read(addr, n uint64) ([]byte, error)
	Write(addr uint64, data []byte) error
}

// Move moves the command's bytes between dram and the scratchpad in one
// go, run by run in the order of Runs. It is the DMA command's effect on
// the values, apart from its timing: the DMA engine's analytic model and
// the functional mode (platform.RunValues) move data with it.
func (d *DMA) Move(dram Memory, sp *Scratchpads) error {
	s := sp[d.SRAM]
	for addr, at := range d.Runs() {
		if d.Store {
			if err := dram.Write(addr, s.Read(at, d.RunBytes)); err != nil {
				return err
			}
			continue
		}
		b, err := dram.Read(addr, uint64(d.RunBytes))
		if err != nil {
			return err
		}
		s.Write(at, b)
	}
	return nil
}
