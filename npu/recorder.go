package npu

import (
	"fmt"

	"github.com/sarchlab/akita/v3/sim"
)

// Recorder is the hook that keeps a run's statistics. Attached to the
// command processor and to every unit, it records when each command issued,
// started and completed, prices the actions each unit reports with the
// hardware's energy table, and on request summarises the run per layer.
// It is the only writer of Stats.
type Recorder struct {
	cfg        *Config
	layers     []string
	stats      *Stats
	err        error
	summarized bool
}

// NewRecorder returns a recorder for one run of p on cfg.
func NewRecorder(cfg *Config, p *Program) *Recorder {
	s := &Stats{Config: cfg.Name, ClockMHz: cfg.ClockMHz, Commands: make([]CommandStats, len(p.Commands))}
	for i := range p.Commands {
		c := &p.Commands[i]
		s.Commands[i] = CommandStats{Name: c.Name(), Unit: c.Unit(), Layer: c.Layer}
	}
	return &Recorder{cfg: cfg, layers: p.Layers, stats: s}
}

// Func implements sim.Hook: it records the reports of HookPosCommandIssued,
// HookPosCommandStarted and HookPosCommandCompleted and ignores the rest.
func (r *Recorder) Func(ctx sim.HookCtx) {
	switch e := ctx.Item.(type) {
	case *CommandIssued:
		st := &r.stats.Commands[e.Seq]
		st.Issue, st.Waited, st.WaitedOn = e.Cycle, e.Waited, e.WaitedOn
	case *CommandStarted:
		r.stats.Commands[e.Seq].Start = e.Cycle
	case *CommandCompleted:
		r.completed(e)
	}
}

func (r *Recorder) completed(e *CommandCompleted) {
	st := &r.stats.Commands[e.Seq]
	st.End, st.Counters = e.Cycle, e.Counters
	energy, err := r.cfg.price(e.Command.Op, &st.Counters)
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("command %d (%s): %w", e.Seq, st.Name, err)
	}
	st.Energy = energy
}

// Stats returns the run's statistics, totals and per-layer aggregates
// included, once the run is over; or the first command whose energy could
// not be priced.
func (r *Recorder) Stats() (*Stats, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.summarized {
		r.stats.summarize(r.cfg, r.layers)
		r.summarized = true
	}
	return r.stats, nil
}
