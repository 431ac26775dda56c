package experiment

import (
	"github.com/npusim/npusim/internal/memo"
	"github.com/npusim/npusim/quant"
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
	values memo.Map[referenceKey, []*quant.Tensor]
	texts  memo.Map[string, *GeneratedText]
}

type referenceKey struct {
	workload string
	sample   int
}

// NewReferences returns an empty References.
func NewReferences() *References { return &References{} }

// Values returns the reference interpreter's value of every tensor of the
// workload's model on its input sample (see RunReference), with
// TFLite's double-rounding requantization, computing them the first time.
func (r *References) Values(w *workloads.Workload, sample int) ([]*quant.Tensor, error) {
	return r.values.Get(referenceKey{w.Name, sample}, func() ([]*quant.Tensor, error) {
		return RunReference(w.Model, w.Inputs[sample], quant.VariantDoubleRounding)
	})
}

// Text returns the text the reference interpreter generates for a
// language-model workload (see ReferenceText), generating it the first time.
func (r *References) Text(w *workloads.Workload) (*GeneratedText, error) {
	return r.texts.Get(w.Name, func() (*GeneratedText, error) { return ReferenceText(w) })
}
