package experiment

import (
	"slices"
	"sync"

	"github.com/npusim/npusim/internal/diskcache"
	"github.com/npusim/npusim/internal/memo"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
	"github.com/npusim/npusim/workloads"
)

// References keeps the reference interpreter's values of workload samples.
// They depend on neither the driver policy nor the hardware, so the
// experiments of a sweep, which run each workload under many policies on
// many devices, compute each sample's reference once when they share one
// References. The caller creates it (NewReferences), passes it to every
// experiment that may share it, and decides how long it lives. It is safe
// for concurrent use.
//
// Values are kept by workload name and sample: workloads given to one
// References must have one name per model and input set, as those of a
// loader.Loader have (zoo workloads are named by their canonical spec, files
// by their path, users' inputs by their digest).
type References struct {
	values memo.Map[referenceKey, *sampleValues]
	texts  memo.Map[string, *GeneratedText]
	// signals are the signal sums of the samples' deviations (signals.go).
	signals memo.Map[referenceKey, *signalSums]
	// disk keeps values and signal sums across processes
	// (NewCachedReferences), under the digests of the models and of the
	// inputs, kept by workload name (and sample).
	disk   *diskcache.Cache
	chains memo.Map[referenceKey, []byte]
	models *models
}

// models is what References know of the models themselves, kept by
// workload name and shared by Fresh References: their digests (the disk
// cache's keys) and their filters prepared for the interpreter's kernels.
type models struct {
	digests memo.Map[string, []byte]
	filters reference.Filters
}

type referenceKey struct {
	workload string
	sample   int
}

// NewReferences returns an empty References.
func NewReferences() *References { return &References{models: new(models)} }

// Fresh returns References that keep none of r's values but share its
// disk cache and what it knows of the models (their digests, and their
// filters prepared for the interpreter's kernels): a sample's reference
// values are computed, or read from the disk, again, as for a new sweep,
// without preparing the models again. npusim bench times the reference of
// an inference this way.
func (r *References) Fresh() *References { return &References{disk: r.disk, models: r.models} }

// Values returns the reference interpreter's value of every tensor of the
// workload's model on its input sample (see RunReference), with
// TFLite's double-rounding requantization, computing them the first time.
func (r *References) Values(w *workloads.Workload, sample int) ([]*quant.Tensor, error) {
	v, err := r.sampleValues(w, sample)
	if err != nil {
		return nil, err
	}
	values := make([]*quant.Tensor, len(v.values))
	for i := range values {
		values[i] = v.tensor(i)
	}
	return values, nil
}

// sampleValues is the reference's values of a sample and, where they hold
// them exactly, the stored bytes of each op output (nil elsewhere), which
// experiments compare with the NPU's bytes. Values read from the disk
// cache are decoded from their bytes when first asked for (tensor).
type sampleValues struct {
	values []*quant.Tensor
	bytes  [][]byte
	// decoded guards each op output decoded from its bytes.
	decoded []sync.Once
	model   *workloads.Model
}

// tensor returns the value of tensor i, decoding it the first time.
func (v *sampleValues) tensor(i int) *quant.Tensor {
	v.decoded[i].Do(func() {
		if v.values[i] == nil && v.bytes[i] != nil {
			t := v.model.Tensors[i]
			v.values[i] = &quant.Tensor{Type: t.Type, Shape: slices.Clone(t.Shape), Params: t.Params,
				Data: decodeStored(t.Type, v.bytes[i])}
		}
	})
	return v.values[i]
}

// sampleValues returns a sample's values, computing them the first time.
func (r *References) sampleValues(w *workloads.Workload, sample int) (*sampleValues, error) {
	return r.values.Get(referenceKey{w.Name, sample}, func() (*sampleValues, error) { return r.compute(w, sample) })
}

// Text returns the text the reference interpreter generates for a
// language-model workload (see ReferenceText), generating it the first time.
func (r *References) Text(w *workloads.Workload) (*GeneratedText, error) {
	return r.texts.Get(w.Name, func() (*GeneratedText, error) { return ReferenceText(w) })
}
