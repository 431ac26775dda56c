package rtl

// Clock is the clock the components of one model share. It counts cycles
// and, when a Tracer is attached, lets it sample the signals once per cycle,
// after the cycle's wires have settled and before the registers change.
type Clock struct {
	cycle uint64
	probe func(cycle uint64)
}

// NewClock returns a clock at cycle 0.
func NewClock() *Clock { return &Clock{} }

// Cycle is the number of cycles elapsed (the index of the current cycle).
func (c *Clock) Cycle() uint64 { return c.cycle }

// edge ends the current cycle: the probe samples it, then the caller commits
// its registers.
func (c *Clock) edge() {
	if c.probe != nil {
		c.probe(c.cycle)
	}
	c.cycle++
}
