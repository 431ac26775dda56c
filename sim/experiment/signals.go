package experiment

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/npusim/npusim/workloads"
)

// An experiment's deviations sum the squares of the reference's real
// values, element by element and sample after sample, for their SNR
// (SignalSum). Those sums depend on the reference alone: the same for every
// cell of a workload, which all compare samples 0, 1, 2, ... in order. So
// References computes them once per sample, continuing the previous
// sample's sums, and the cells take them (Deviation.add) instead of adding
// a million squares each: the same sums, rounded the same way. A cell asks
// for them only where a deviation has noise (lazySums): a cell whose values
// equal the reference's everywhere, as the reference policy's do, has
// infinite SNRs and never makes References compute them.

// signalSums are the signal sums after sample s of a workload, over samples
// 0 to s in order.
type signalSums struct {
	// layers[i] is over op i's output.
	layers []float64
	// outputs[k] is over the model outputs, sample by sample and output by
	// output, up to output k of sample s.
	outputs []float64
}

// lazySums are the signal sums after a sample, fetched from References
// the first time a deviation asks for one: a cell whose values equal the
// reference's everywhere never needs them (its SNRs are infinite). err is
// the fetch's error, which the cell reports once its comparison is done.
type lazySums struct {
	refs   *References
	w      *workloads.Workload
	sample int
	sums   *signalSums
	err    error
}

// get returns the sums, nil after an error.
func (l *lazySums) get() *signalSums {
	if l.sums == nil && l.err == nil {
		l.sums, l.err = l.refs.signalSums(l.w, l.sample)
	}
	return l.sums
}

// layer is the signal of op i's output, NaN after an error.
func (l *lazySums) layer(i int) func() float64 {
	return func() float64 {
		if s := l.get(); s != nil {
			return s.layers[i]
		}
		return math.NaN()
	}
}

// output is the signal of the model outputs up to output k, NaN after an
// error.
func (l *lazySums) output(k int) func() float64 {
	return func() float64 {
		if s := l.get(); s != nil {
			return s.outputs[k]
		}
		return math.NaN()
	}
}

// signalSums returns the signal sums after a sample, computing them (and
// those of the samples before it) the first time.
func (r *References) signalSums(w *workloads.Workload, sample int) (*signalSums, error) {
	return r.signals.Get(referenceKey{w.Name, sample}, func() (*signalSums, error) {
		var key []byte
		if r.disk != nil {
			key, _ = r.chainKey(w, sample) // nil for a model without a digest: not cached
		}
		if data, ok := r.disk.Get(signalKind, key); ok && key != nil {
			if sums, err := decodeSums(w.Model, data); err == nil {
				return sums, nil
			}
		}
		sums, err := r.sumSample(w, sample)
		if err == nil && key != nil {
			_ = r.disk.Put(signalKind, key, encodeSums(sums)) // a failed write only costs the next process a sum
		}
		return sums, err
	})
}

// signalKind names the entries of signal sums.
const signalKind = "reference-signals"

// sumSample continues the previous sample's sums over this sample's
// reference values.
func (r *References) sumSample(w *workloads.Workload, sample int) (*signalSums, error) {
	m := w.Model
	sums := &signalSums{layers: make([]float64, len(m.Ops)), outputs: make([]float64, len(m.Outputs))}
	if sample > 0 {
		prev, err := r.signalSums(w, sample-1)
		if err != nil {
			return nil, err
		}
		copy(sums.layers, prev.layers)
		sums.outputs[0] = prev.outputs[len(prev.outputs)-1]
	}
	ref, err := r.Values(w, sample)
	if err != nil {
		return nil, err
	}
	for i, op := range m.Ops {
		sums.layers[i] = SignalSum(sums.layers[i], ref[op.Output])
	}
	for k, o := range m.Outputs {
		if k > 0 {
			sums.outputs[k] = sums.outputs[k-1]
		}
		sums.outputs[k] = SignalSum(sums.outputs[k], ref[o])
	}
	return sums, nil
}

// chainKey is the digest of the model and of the inputs of samples 0 to
// sample, which the sums after sample depend on; nil for a model without
// a digest.
func (r *References) chainKey(w *workloads.Workload, sample int) ([]byte, error) {
	return r.chains.Get(referenceKey{w.Name, sample}, func() ([]byte, error) {
		var prev []byte
		var err error
		if sample == 0 {
			prev, err = r.models.digests.Get(w.Name, func() ([]byte, error) { return modelDigest(w.Model) })
		} else {
			prev, err = r.chainKey(w, sample-1)
		}
		if err != nil {
			return nil, err
		}
		h := sha256.Sum256(slices.Concat(prev, inputsDigest(w.Inputs[sample])))
		return h[:], nil
	})
}

// encodeSums is the sums as little-endian float64 bits, layers first.
func encodeSums(s *signalSums) []byte {
	var b []byte
	for _, v := range slices.Concat(s.layers, s.outputs) {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// decodeSums reads encodeSums' bytes for a model.
func decodeSums(m *workloads.Model, b []byte) (*signalSums, error) {
	if len(b) != 8*(len(m.Ops)+len(m.Outputs)) {
		return nil, fmt.Errorf("%d bytes of signal sums for %d ops and %d outputs", len(b), len(m.Ops), len(m.Outputs))
	}
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return &signalSums{layers: v[:len(m.Ops)], outputs: v[len(m.Ops):]}, nil
}
