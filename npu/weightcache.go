package npu

import "github.com/npusim/npusim/internal/kernels"

// weightCacheEntries is how many packed weight blocks a workspace keeps:
// enough for the blocks a compiler double-buffers while it streams
// activation tiles past them.
const weightCacheEntries = 8

// weightBlock names a MatMul's weight operand in the weight scratchpad:
// element (n, k) at byte addr + n*colStride + k*rowStride.
type weightBlock struct {
	addr, n, k, colStride, rowStride int
	op                               kernels.Operand
}

// span is the byte range the block occupies.
func (w weightBlock) span() (lo, hi int) {
	return w.addr, w.addr + (w.n-1)*w.colStride + (w.k-1)*w.rowStride + 1
}

// weightCache keeps weight blocks packed for the GEMM kernel, so that a
// block loaded once and multiplied by many activation tiles is packed
// once. An entry is valid while no byte of its range has been written
// since it was packed: every write to the weight scratchpad (the DMA's, or
// anything done through Scratchpad.Bytes) drops the entries it overlaps.
type weightCache struct {
	entries [weightCacheEntries]cachedWeights
	next    int // the entry to replace next (round robin)
}

type cachedWeights struct {
	block  weightBlock
	valid  bool
	packed kernels.PackedB
}

// packed returns the block packed from the weight scratchpad's bytes,
// packing it if no valid entry holds it.
func (c *weightCache) packed(wgt []byte, w weightBlock) *kernels.PackedB {
	for i := range c.entries {
		if e := &c.entries[i]; e.valid && e.block == w {
			return &e.packed
		}
	}
	e := &c.entries[c.next]
	c.next = (c.next + 1) % len(c.entries)
	kernels.PackB(&e.packed, wgt[w.addr:], w.n, w.k, w.colStride, w.rowStride, w.op)
	e.block, e.valid = w, true
	return &e.packed
}

// drop invalidates every entry that overlaps bytes [lo, hi).
func (c *weightCache) drop(lo, hi int) {
	for i := range c.entries {
		e := &c.entries[i]
		if elo, ehi := e.block.span(); e.valid && elo < hi && lo < ehi {
			e.valid = false
		}
	}
}
