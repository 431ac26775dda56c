package npu

// CommandStats is what one command did and when.
type CommandStats struct {
	Name  string `json:"name"`
	Unit  Unit   `json:"unit"`
	Layer int    `json:"layer"`
	// Issue is the cycle the command processor sent it; Start and End the
	// cycles its unit began and finished it.
	Issue uint64 `json:"issue"`
	Start uint64 `json:"start"`
	End   uint64 `json:"end"`
	// Waited is how long it sat at the head of the queue before issuing;
	// WaitedOn names the unit whose completion released it.
	Waited   uint64   `json:"waited"`
	WaitedOn Unit     `json:"waitedOn"`
	Counters Counters `json:"counters"`
	Energy   Energy   `json:"energyPJ"`
}

// LayerStats aggregates the commands of one layer.
type LayerStats struct {
	Name string `json:"name"`
	// Start and End span the layer's commands; Cycles is the share of the
	// run's time charged to the layer: from the end of the previous layer's
	// last command to the end of this layer's (layers partition the run).
	Start  uint64 `json:"start"`
	End    uint64 `json:"end"`
	Cycles uint64 `json:"cycles"`
	// Busy counts the cycles each unit worked on the layer.
	Busy [NumUnits]uint64 `json:"busy"`
	// StallDMA and StallCompute count the cycles the layer's commands
	// waited at the head of the queue for a DMA or a compute unit.
	StallDMA     uint64   `json:"stallDMA"`
	StallCompute uint64   `json:"stallCompute"`
	Counters     Counters `json:"counters"`
	// Energy is the layer's dynamic energy plus the static energy of its
	// Cycles, in picojoules.
	Energy Energy `json:"energyPJ"`
}

// Stats are the results of one run.
type Stats struct {
	Config       string           `json:"hw"`
	ClockMHz     float64          `json:"clockMHz"`
	Cycles       uint64           `json:"cycles"`
	Busy         [NumUnits]uint64 `json:"busy"`
	StallDMA     uint64           `json:"stallDMA"`
	StallCompute uint64           `json:"stallCompute"`
	Counters     Counters         `json:"counters"`
	Energy       Energy           `json:"energyPJ"`
	Commands     []CommandStats   `json:"commands"`
	Layers       []LayerStats     `json:"layers"`
}

// Seconds is the simulated run time.
func (s *Stats) Seconds() float64 { return float64(s.Cycles) / (s.ClockMHz * 1e6) }

// Utilization is the share of the run a unit was busy.
func (s *Stats) Utilization(u Unit) float64 {
	if s.Cycles == 0 {
		return 0
	}
	return float64(s.Busy[u]) / float64(s.Cycles)
}

// MACUtilization is the share of the array's peak MACs the run used.
func (s *Stats) MACUtilization(cfg *Config) float64 {
	if s.Cycles == 0 {
		return 0
	}
	return float64(s.Counters.MACs) / (float64(s.Cycles) * float64(cfg.Array.Rows*cfg.Array.Cols))
}

// summarize fills the totals and the per-layer aggregates from the
// per-command statistics.
func (s *Stats) summarize(cfg *Config, layers []string) {
	s.Layers = make([]LayerStats, max(len(layers), 1))
	for i := range s.Layers {
		if i < len(layers) {
			s.Layers[i].Name = layers[i]
		}
	}
	seen := make([]bool, len(s.Layers))
	for i := range s.Commands {
		c := &s.Commands[i]
		s.Cycles = max(s.Cycles, c.End)
		l := &s.Layers[c.Layer]
		if !seen[c.Layer] || c.Start < l.Start {
			l.Start = c.Start
		}
		seen[c.Layer] = true
		l.End = max(l.End, c.End)
		l.Busy[c.Unit] += c.End - c.Start
		s.Busy[c.Unit] += c.End - c.Start
		if c.WaitedOn == UnitDMA {
			l.StallDMA += c.Waited
		} else {
			l.StallCompute += c.Waited
		}
		l.Counters.add(&c.Counters)
		l.Energy.Add(c.Energy)
		s.Counters.add(&c.Counters)
		s.Energy.Add(c.Energy)
	}
	var prevEnd uint64
	for i := range s.Layers {
		l := &s.Layers[i]
		if !seen[i] {
			continue
		}
		end := max(l.End, prevEnd)
		l.Cycles = end - prevEnd
		prevEnd = end
		l.Energy[CompStatic] = cfg.StaticPJ(l.Cycles)
		s.StallDMA += l.StallDMA
		s.StallCompute += l.StallCompute
	}
	s.Energy[CompStatic] = cfg.StaticPJ(s.Cycles)
}
