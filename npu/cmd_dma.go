package npu

import (
	"fmt"
	"iter"
)

// DMA moves a box of bytes between DRAM and a scratchpad: Planes x Rows runs
// of RunBytes contiguous bytes. Run r of plane p starts at DRAM +
// p*DRAMPlaneStride + r*DRAMRowStride and at Addr + p*SRAMPlaneStride +
// r*SRAMRowStride. A load goes from DRAM to the scratchpad, a store back.
type DMA struct {
	Store           bool   `json:"store,omitempty"`
	DRAM            uint64 `json:"dram"`
	SRAM            SRAM   `json:"sram"`
	Addr            int    `json:"addr"`
	RunBytes        int    `json:"runBytes"`
	Rows            int    `json:"rows"`
	Planes          int    `json:"planes"`
	DRAMRowStride   int    `json:"dramRowStride,omitempty"`
	DRAMPlaneStride int    `json:"dramPlaneStride,omitempty"`
	SRAMRowStride   int    `json:"sramRowStride,omitempty"`
	SRAMPlaneStride int    `json:"sramPlaneStride,omitempty"`
}

// Bytes is the number of bytes the DMA moves.
func (d *DMA) Bytes() int { return d.RunBytes * d.Rows * d.Planes }

// Runs yields the DRAM and scratchpad address of each of the box's
// contiguous runs of RunBytes bytes, plane by plane and row by row: the order
// in which the DMA engine moves them.
func (d *DMA) Runs() iter.Seq2[uint64, int] {
	return func(yield func(dram uint64, sram int) bool) {
		for p := range d.Planes {
			for r := range d.Rows {
				dram := d.DRAM + uint64(p*d.DRAMPlaneStride+r*d.DRAMRowStride)
				if !yield(dram, d.Addr+p*d.SRAMPlaneStride+r*d.SRAMRowStride) {
					return
				}
			}
		}
	}
}

// Unit implements Operation.
func (d *DMA) Unit() Unit { return UnitDMA }

// Name implements Operation.
func (d *DMA) Name() string {
	if d.Store {
		return "dma.store"
	}
	return "dma.load"
}

func (d *DMA) key() string { return "dma" }

// AppendFootprint implements Operation: a load writes the scratchpad box, a store
// reads it.
func (d *DMA) AppendFootprint(s []Span) []Span {
	end := boxEnd(d.RunBytes, d.Rows, d.SRAMRowStride, d.Planes, d.SRAMPlaneStride)
	return append(s, Span{SRAM: d.SRAM, Lo: d.Addr, Hi: d.Addr + end, Write: !d.Store})
}

// Check implements Operation.
func (d *DMA) Check(_ *Config, dramBytes uint64) error {
	if !positive(d.RunBytes, d.Rows, d.Planes) || d.SRAM >= numSRAMs {
		return fmt.Errorf("bad DMA box %dx%dx%d into SRAM %d", d.Planes, d.Rows, d.RunBytes, d.SRAM)
	}
	if end := d.DRAM + uint64(boxEnd(d.RunBytes, d.Rows, d.DRAMRowStride, d.Planes, d.DRAMPlaneStride)); end > dramBytes {
		return fmt.Errorf("DRAM [%d, %d) outside the program's %d bytes", d.DRAM, end, dramBytes)
	}
	return nil
}
