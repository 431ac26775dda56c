package compute

import (
	"github.com/npusim/npusim/npu"
	"github.com/sarchlab/akita/v3/sim"
)

// Builder builds compute units.
type Builder struct {
	engine     sim.Engine
	freq       sim.Freq
	queueDepth int
	cfg        *npu.Config
	sp         *npu.Scratchpads
	noValues   bool
}

// MakeBuilder returns a builder with a 1 GHz clock and a queue depth of two.
func MakeBuilder() Builder {
	return Builder{freq: 1 * sim.GHz, queueDepth: 2}
}

// WithEngine sets the engine the unit runs on.
func (b Builder) WithEngine(engine sim.Engine) Builder {
	b.engine = engine
	return b
}

// WithFreq sets the unit's clock.
func (b Builder) WithFreq(freq sim.Freq) Builder {
	b.freq = freq
	return b
}

// WithQueueDepth sets how many commands the unit's port buffers.
func (b Builder) WithQueueDepth(n int) Builder {
	b.queueDepth = n
	return b
}

// WithConfig sets the hardware whose formulas time the unit's commands.
func (b Builder) WithConfig(cfg *npu.Config) Builder {
	b.cfg = cfg
	return b
}

// WithScratchpads sets the scratchpads the unit's commands read and write.
func (b Builder) WithScratchpads(sp *npu.Scratchpads) Builder {
	b.sp = sp
	return b
}

// WithoutValues makes the unit time its commands without computing their
// values.
func (b Builder) WithoutValues() Builder {
	b.noValues = true
	return b
}

// Build returns a unit with the given name and its port "ToCP".
func (b Builder) Build(name string) *Comp {
	u := &Comp{cfg: b.cfg, sp: b.sp, noValues: b.noValues}
	u.TickingComponent = sim.NewTickingComponent(name, b.engine, b.freq, u)
	u.toCP = sim.NewLimitNumMsgPort(u, b.queueDepth, name+".ToCP")
	u.AddPort("ToCP", u.toCP)
	u.outbox = sim.NewBufferedSender(u.toCP, sim.NewBuffer(name+".Outbox", b.queueDepth))
	return u
}
