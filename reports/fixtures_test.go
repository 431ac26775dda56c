package reports

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/area"
	"github.com/npusim/npusim/sim/experiment"
)

// fabricated builds one result without running anything: a latency of
// cycles at 1 GHz, an energy of energyUJ split between the array (60%),
// DRAM (30%) and leakage (10%), an output histogram, and per-layer largest
// differences.
func fabricated(workload, policy, hw string, cycles uint64, energyUJ float64, hist []experiment.Bin, layerLSB ...int64) *experiment.Result {
	r := &experiment.Result{
		Cell:        experiment.Cell{Workload: workload, Policy: policy, HW: hw},
		Description: "a fabricated " + workload,
		Samples:     2,
		Cycles:      cycles,
		LatencyMs:   float64(cycles) / 1e6,
		EnergyUJ:    energyUJ,
		NNAPILimit:  1,
		Digest:      fmt.Sprintf("%08x%056d", cycles, 0),
		RefDigest:   fmt.Sprintf("%064d", 0),
	}
	r.EnergyPJ[npu.CompArray] = 0.6 * energyUJ * 1e6
	r.EnergyPJ[npu.CompDRAM] = 0.3 * energyUJ * 1e6
	r.EnergyPJ[npu.CompStatic] = 0.1 * energyUJ * 1e6
	d := &r.Output
	d.Histogram = hist
	changed, sum := 0, int64(0)
	for _, b := range hist {
		d.Elements += b.Count
		d.MaxLSB = max(d.MaxLSB, b.Diff, -b.Diff)
		sum += b.Diff * int64(b.Count)
		if b.Diff != 0 {
			changed += b.Count
		}
	}
	d.Changed = float64(changed) / float64(d.Elements)
	d.MeanError = float64(sum) / float64(d.Elements)
	if changed > 0 {
		snr := 40 - 10*float64(d.MaxLSB)
		d.SNRdB = &snr
	}
	r.NNAPIPass = d.MaxLSB <= r.NNAPILimit
	for i, lsb := range layerLSB {
		r.Layers = append(r.Layers, experiment.LayerResult{
			Name: fmt.Sprintf("layer%d", i), Kind: "CONV_2D", Cycles: cycles / uint64(len(layerLSB)),
			Deviation: experiment.Deviation{MaxLSB: lsb},
		})
	}
	return r
}

func top1(r *experiment.Result, share float64) *experiment.Result {
	r.Top1Agreement = &share
	return r
}

func divergence(r *experiment.Result, step int) *experiment.Result {
	r.DivergenceStep = &step
	return r
}

func failed(workload, policy, hw, err string) *experiment.Result {
	return &experiment.Result{Cell: experiment.Cell{Workload: workload, Policy: policy, HW: hw}, Error: err}
}

// withArea gives a result the area summary of a small design.
func withArea(r *experiment.Result) *experiment.Result {
	r.Hardware = &area.Summary{Digest: "0123456789abcdef", NodeNM: 7, TotalMM2: 0.0379, ExactMM2: 0.00095, ExactShare: 0.025, MACs: 64,
		Requant: []string{"double-rounding:8", "mult16:16"}, Accumulators: []string{"acc32-wrap"}}
	return r
}

var exact = []experiment.Bin{{Diff: 0, Count: 1000}}

// sweepResults is a small sweep:
//
//	digits-cnn on mobile-npu: reference (10000 cycles, 5 uJ), mult16 (8000,
//	4 uJ: speed 1.25x, energy 0.80x), truncate (9000, 4.5 uJ), vendor-b
//	(12500, 6 uJ: speed 0.80x, energy 1.20x, exact) and acc24, which failed;
//	the Pareto front is mult16 then reference.
//	rnn-unrolled on mobile-npu: reference and mult16, diverging at step 3.
//	mac2x3 on tiny: mult16 only, without a reference, with an area summary.
func sweepResults() []*experiment.Result {
	return []*experiment.Result{
		top1(fabricated("digits-cnn", "reference", "mobile-npu", 10000, 5, exact, 0, 0, 0, 0), 1),
		top1(fabricated("digits-cnn", "mult16", "mobile-npu", 8000, 4, []experiment.Bin{{Diff: -1, Count: 20}, {Diff: 0, Count: 950}, {Diff: 1, Count: 30}}, 0, 1, 1, 1), 0.99),
		top1(fabricated("digits-cnn", "truncate", "mobile-npu", 9000, 4.5, []experiment.Bin{{Diff: -2, Count: 5}, {Diff: -1, Count: 100}, {Diff: 0, Count: 895}}, 1, 2, 2, 2), 0.97),
		top1(fabricated("digits-cnn", "vendor-b", "mobile-npu", 12500, 6, exact, 0, 0, 0, 0), 1),
		failed("digits-cnn", "acc24", "mobile-npu", "policy acc24 asks for 24-bit wrap accumulators, which mobile-npu does not implement"),
		divergence(fabricated("rnn-unrolled", "reference", "mobile-npu", 4000, 2, exact, 0, 0, 0), 0),
		divergence(fabricated("rnn-unrolled", "mult16", "mobile-npu", 3200, 1.6, []experiment.Bin{{Diff: -3, Count: 1}, {Diff: 0, Count: 999}}, 0, 1, 3), 3),
		withArea(fabricated("mac2x3", "mult16", "tiny", 100, 0.01, []experiment.Bin{{Diff: 1, Count: 1}}, 1)),
	}
}
