package cp

import (
	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// Builder builds command processors.
type Builder struct {
	engine     sim.Engine
	freq       sim.Freq
	queueDepth int
	units      [npu.NumUnits]sim.Port
}

// MakeBuilder returns a builder with a 1 GHz clock and a unit queue depth
// of two.
func MakeBuilder() Builder {
	return Builder{freq: 1 * sim.GHz, queueDepth: 2}
}

// WithEngine sets the engine the command processor runs on.
func (b Builder) WithEngine(engine sim.Engine) Builder {
	b.engine = engine
	return b
}

// WithFreq sets the command processor's clock.
func (b Builder) WithFreq(freq sim.Freq) Builder {
	b.freq = freq
	return b
}

// WithUnitQueueDepth sets how many commands the command processor lets a
// unit hold at once (executing and waiting); a unit's port must buffer as
// many.
func (b Builder) WithUnitQueueDepth(n int) Builder {
	b.queueDepth = n
	return b
}

// WithUnitPort names the port to which the commands of unit u go.
func (b Builder) WithUnitPort(u npu.Unit, port sim.Port) Builder {
	b.units[u] = port
	return b
}

// Build returns a command processor with the given name and its port
// "ToUnits", which buffers one completion per command the units can hold.
func (b Builder) Build(name string) *Comp {
	c := &Comp{units: b.units, queueDepth: b.queueDepth}
	c.TickingComponent = sim.NewTickingComponent(name, b.engine, b.freq, c)
	c.toUnits = sim.NewLimitNumMsgPort(c, b.PortBufferSize(), name+".ToUnits")
	c.AddPort("ToUnits", c.toUnits)
	return c
}

// PortBufferSize is the number of messages the "ToUnits" port needs to
// buffer, and its connection to hold: one per command the units can hold.
func (b Builder) PortBufferSize() int { return int(npu.NumUnits) * b.queueDepth }
