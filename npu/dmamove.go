package npu

import "fmt"

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
		if err := load(dram, addr, s, at, d.RunBytes); err != nil {
			return err
		}
	}
	return nil
}

// load copies n bytes from dram at addr to the scratchpad at at, a page
// (PageBytes) at a time: a paged memory reads the bytes of one page as a
// view of it, where a read across pages would copy them first.
func load(dram Memory, addr uint64, s *Scratchpad, at, n int) error {
	for n > 0 {
		chunk := min(n, int(PageBytes-addr%PageBytes))
		b, err := dram.Read(addr, uint64(chunk))
		if err != nil {
			return err
		}
		s.Write(at, b)
		addr, at, n = addr+uint64(chunk), at+chunk, n-chunk
	}
	return nil
}

// PageBytes is the allocation unit of a SparseMemory (and of any paged
// memory read and written with ReadPages and WritePages).
const PageBytes = 64 << 10

// SparseMemory is a DRAM image allocated page by page as it is touched:
// compilers place a program's activations far from its image (beyond 4
// GiB), so a flat image would be mostly untouched. It is the Memory of the
// functional mode and of the analytic DMA model.
type SparseMemory struct {
	size  uint64
	pages map[uint64][]byte // by address / PageBytes; never iterated
}

// NewSparseMemory returns a DRAM of the given size (at least the image's)
// holding image from address 0.
func NewSparseMemory(size uint64, image []byte) *SparseMemory {
	m := &SparseMemory{size: max(size, uint64(len(image))), pages: map[uint64][]byte{}}
	if err := m.Write(0, image); err != nil {
		panic(err) // the size covers the image
	}
	return m
}

// page returns page i, allocating it zeroed on first use.
func (m *SparseMemory) page(i uint64) []byte {
	p, ok := m.pages[i]
	if !ok {
		p = make([]byte, PageBytes)
		m.pages[i] = p
	}
	return p
}

// Read returns the n bytes from addr: a view of the memory if they lie in
// one page (valid until the next Write), else a copy.
func (m *SparseMemory) Read(addr, n uint64) ([]byte, error) {
	return ReadPages(m.size, addr, n, m.page)
}

// Write copies data to addr.
func (m *SparseMemory) Write(addr uint64, data []byte) error {
	return WritePages(m.size, addr, data, m.page)
}

// ReadPages reads n bytes from addr of a memory of size bytes made of
// PageBytes pages, which page returns: a view of the page if the bytes lie
// in one, else a copy.
func ReadPages(size, addr, n uint64, page func(i uint64) []byte) ([]byte, error) {
	if err := checkPages("read", size, addr, n); err != nil {
		return nil, err
	}
	if off := addr % PageBytes; off+n <= PageBytes {
		return page(addr / PageBytes)[off : off+n : off+n], nil
	}
	b := make([]byte, n)
	for done := uint64(0); done < n; {
		a := addr + done
		done += uint64(copy(b[done:], page(a / PageBytes)[a%PageBytes:]))
	}
	return b, nil
}

// WritePages copies data to addr of a memory of size bytes made of
// PageBytes pages, which page returns for writing.
func WritePages(size, addr uint64, data []byte, page func(i uint64) []byte) error {
	if err := checkPages("write", size, addr, uint64(len(data))); err != nil {
		return err
	}
	for done := 0; done < len(data); {
		a := addr + uint64(done)
		done += copy(page(a / PageBytes)[a%PageBytes:], data[done:])
	}
	return nil
}

func checkPages(op string, size, addr, n uint64) error {
	if addr > size || n > size-addr {
		return fmt.Errorf("DRAM %s of [%d, %d) beyond its %d bytes", op, addr, addr+n, size)
	}
	return nil
}
