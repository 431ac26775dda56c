package experiment

import (
	"errors"
	"fmt"

	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
)

// EngineRow compares one engine's outputs on a workload with the TFLite
// reference's.
type EngineRow struct {
	Workload string           `json:"workload"`
	Engine   reference.Engine `json:"engine"`
	Samples  int              `json:"samples"`
	Elements int              `json:"elements"`
	// MaxLSB is the largest difference from the reference, in its LSBs;
	// Changed the share of output values that differ.
	MaxLSB  int64   `json:"maxLSB"`
	Changed float64 `json:"changed"`
	// NNAPILimit is the tolerance of Android's NNAPI harness for the
	// workload; NNAPIPass says whether every output stays within it.
	NNAPILimit int64 `json:"nnapiLimit"`
	NNAPIPass  bool  `json:"nnapiPass"`
	// Cannot says why the engine cannot run the workload (an op its
	// emulation does not compute, ErrNotEmulated); the figures are then
	// zero.
	Cannot string `json:"cannot,omitempty"`
}

// Exact reports whether the engine ran and its outputs are byte-identical to the
// reference's.
func (r EngineRow) Exact() bool { return r.Cannot == "" && r.MaxLSB == 0 }

// CompareEngine runs the first samples input samples (0: all) of a workload
// under an engine and compares every model output with the TFLite
// reference, whose values come from refs.
func CompareEngine(w *workloads.Workload, e reference.Engine, samples int, refs *References) (EngineRow, error) {
	n := len(w.Inputs)
	if samples > 0 {
		n = min(n, samples)
	}
	row := EngineRow{Workload: w.Name, Engine: e, Samples: n, NNAPILimit: NNAPILimit(w)}
	var d Deviation
	for s := range n {
		ref, err := refs.Values(w, s)
		if err != nil {
			return row, err
		}
		got, err := RunEngine(w.Model, w.Inputs[s], e)
		if errors.Is(err, ErrNotEmulated) {
			return EngineRow{Workload: w.Name, Engine: e, NNAPILimit: row.NNAPILimit, Cannot: err.Error()}, nil
		}
		if err != nil {
			return row, fmt.Errorf("workload %s under %s: %w", w.Name, e, err)
		}
		for _, o := range w.Model.Outputs {
			d.Add(got[o], ref[o])
		}
	}
	row.Elements, row.MaxLSB, row.Changed = d.Elements, d.MaxLSB, d.Changed
	row.NNAPIPass = d.MaxLSB <= row.NNAPILimit
	return row, nil
}
