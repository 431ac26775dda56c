package platform

import (
	"fmt"

	"github.com/npusim/npusim/npu"
)

// Functional computes one program's values for many inputs, as RunValues
// does, reusing what one run leaves behind: the scratchpads (with the
// kernels' packing buffers) and the DRAM pages. Create it once per program
// with NewFunctional and call Run once per input sample. It is not safe for
// concurrent use.
//
// Every run starts from the state RunValues starts from. The scratchpads
// are backed, and cleared before each run, up to the highest byte any
// command's footprint reaches (npu.NewScratchpadsFor); the DRAM is the
// program's image, shared by the runs and never written, under pages that
// each run allocates as it writes them (imageMemory).
type Functional struct {
	cfg     *npu.Config
	p       *npu.Program
	kernels []npu.HostKernel
	sp      *npu.Scratchpads
	dram    *imageMemory
	// clock and record profile the commands (SetProfile).
	clock  func() float64
	record func(op npu.Operation, seconds float64)
}

// SetProfile makes every later Run call record after each command with
// the command's operation and the seconds it took by clock (a wall clock,
// or a thread's CPU time): what a benchmark needs to rate each kernel.
func (f *Functional) SetProfile(clock func() float64, record func(op npu.Operation, seconds float64)) {
	f.clock, f.record = clock, record
}

// Patch is bytes written over a program's DRAM image before a run: an
// input sample at its input region.
type Patch struct {
	Addr uint64
	Data []byte
}

// NewFunctional validates the program for the hardware and prepares its
// runs; the options matter only for their host kernels (HostKernels).
func NewFunctional(cfg *npu.Config, p *npu.Program, opts ...Option) (*Functional, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("hw config %s: %w", cfg.Name, err)
	}
	if err := p.Validate(cfg); err != nil {
		return nil, err
	}
	b := MakeBuilder()
	for _, o := range opts {
		b = o(b)
	}
	return &Functional{cfg: cfg, p: p, kernels: b.kernels, sp: npu.NewScratchpadsFor(cfg, p),
		dram: newImageMemory(p.DRAMBytes, p.DRAM)}, nil
}

// Run computes the program's outputs with the patches written over its
// DRAM image, executing the commands in program order and copying each
// captured region when its last writer has executed (see RunValues).
// The outputs are fresh slices, in the order of Program.Outputs.
func (f *Functional) Run(patches ...Patch) ([][]byte, error) {
	for _, s := range f.sp {
		clear(s.Bytes())
	}
	f.dram.reset()
	for _, pt := range patches {
		if err := f.dram.Write(pt.Addr, pt.Data); err != nil {
			return nil, err
		}
	}
	capturer := npu.NewCapturer(f.p)
	if capturer != nil {
		capturer.Watch(f.sp)
	}
	for i := range f.p.Commands {
		start := 0.0
		if f.record != nil {
			start = f.clock()
		}
		if err := f.execute(i); err != nil {
			return nil, err
		}
		if f.record != nil {
			f.record(f.p.Commands[i].Op, f.clock()-start)
		}
		if capturer != nil {
			capturer.Executed(i)
		}
	}
	outputs, err := readOutputs(f.dram, f.p, capturer)
	if err != nil {
		return nil, err
	}
	for k, o := range outputs {
		// An output read from DRAM may be a view of a page the next run
		// reuses; a captured one is this run's capturer's own.
		if f.p.Outputs[k].Capture == nil {
			outputs[k] = append([]byte(nil), o...)
		}
	}
	return outputs, nil
}

// execute computes command i's values.
func (f *Functional) execute(i int) error {
	switch op := f.p.Commands[i].Op.(type) {
	case *npu.DMA:
		if err := op.Move(f.dram, f.sp); err != nil {
			return fmt.Errorf("command %d (%s): %w", i, op.Name(), err)
		}
	case *npu.Host:
		if err := runHost(op, f.dram, f.kernels); err != nil {
			return fmt.Errorf("command %d (%s): %w", i, op.Name(), err)
		}
	case npu.Compute:
		op.Execute(f.sp, f.cfg)
	default:
		return fmt.Errorf("command %d (%s): no values for this operation", i, op.Name())
	}
	return nil
}

// imageMemory is a DRAM holding a program's image, with the semantics of
// npu.SparseMemory (zero beyond the image, addressable up to its size),
// that a run can be reset to cheaply: the image is shared and never
// written; a page is copied from it (or zeroed) when a run first writes
// it, or first reads it where the image does not cover it whole. reset
// returns the pages to a free list for the next run.
type imageMemory struct {
	size  uint64
	image []byte
	pages map[uint64][]byte // by address / npu.PageBytes; never iterated
	free  [][]byte
}

func newImageMemory(size uint64, image []byte) *imageMemory {
	return &imageMemory{size: max(size, uint64(len(image))), image: image, pages: map[uint64][]byte{}}
}

// reset makes the memory the image again.
func (m *imageMemory) reset() {
	for i, p := range m.pages {
		m.free = append(m.free, p)
		delete(m.pages, i)
	}
}

// page returns page i for writing, making it from the image first.
func (m *imageMemory) page(i uint64) []byte {
	if p, ok := m.pages[i]; ok {
		return p
	}
	var p []byte
	if n := len(m.free); n > 0 {
		p, m.free = m.free[n-1], m.free[:n-1]
	} else {
		p = make([]byte, npu.PageBytes)
	}
	lo := min(i*npu.PageBytes, uint64(len(m.image)))
	hi := min(lo+npu.PageBytes, uint64(len(m.image)))
	clear(p[copy(p, m.image[lo:hi]):])
	m.pages[i] = p
	return p
}

// view returns page i for reading: the run's copy if it wrote one, else
// the image itself where it covers the whole page.
func (m *imageMemory) view(i uint64) []byte {
	if p, ok := m.pages[i]; ok {
		return p
	}
	if (i+1)*npu.PageBytes <= uint64(len(m.image)) {
		return m.image[i*npu.PageBytes : (i+1)*npu.PageBytes : (i+1)*npu.PageBytes]
	}
	return m.page(i)
}

// Read returns the n bytes from addr: a view, for reading only, if they
// lie in one page (valid until the next Write or reset), else a copy.
func (m *imageMemory) Read(addr, n uint64) ([]byte, error) {
	return npu.ReadPages(m.size, addr, n, m.view)
}

// Write copies data to addr.
func (m *imageMemory) Write(addr uint64, data []byte) error {
	return npu.WritePages(m.size, addr, data, m.page)
}
