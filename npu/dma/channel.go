package dma

// channel is the DMA engine's share of the DRAM bandwidth: after each
// request it stays busy for the request's DRAM traffic divided by the
// transfer rate. free is the cycle, fractional, from which it can start the
// next transfer.
type channel struct {
	rate       float64 // bytes per cycle
	burstBytes uint64
	free       float64
}

// traffic is the DRAM traffic of n bytes at addr: every burst they touch.
func (c *channel) traffic(addr uint64, n int) int {
	first, last := addr/c.burstBytes, (addr+uint64(n)-1)/c.burstBytes
	return int((last - first + 1) * c.burstBytes)
}

// busy reports whether the channel is still moving an earlier transfer at
// cycle.
func (c *channel) busy(cycle float64) bool { return c.free > cycle }

// reserve occupies the channel with a transfer of the given traffic that
// starts at cycle, or as soon after as the channel frees.
func (c *channel) reserve(cycle float64, traffic int) {
	c.free = max(c.free, cycle) + float64(traffic)/c.rate
}
