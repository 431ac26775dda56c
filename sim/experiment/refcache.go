package experiment

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/npusim/npusim/internal/diskcache"
	"github.com/npusim/npusim/internal/kernels"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

// NewCachedReferences returns References that also keep the reference
// values in a disk cache (package diskcache), so that the next process
// reads them instead of running the interpreter. An entry is keyed by a
// digest of the model (every tensor's type, shape, grid and constant
// values, every op) and of the sample's inputs, and holds the bytes of
// every op's output. A nil cache is no cache.
func NewCachedReferences(c *diskcache.Cache) *References {
	return &References{disk: c, models: new(models)}
}

// refKind names the entries of reference values.
const refKind = "reference-values"

// compute returns the reference values of a sample from the disk cache, or
// runs the interpreter and writes them there.
func (r *References) compute(w *workloads.Workload, sample int) (*sampleValues, error) {
	in := w.Inputs[sample]
	var key []byte
	if r.disk != nil {
		if model, err := r.models.digests.Get(w.Name, func() ([]byte, error) { return modelDigest(w.Model) }); err == nil {
			key = slices.Concat(model, inputsDigest(in), []byte(quant.VariantDoubleRounding.String()))
		} // else a model without a digest (a NaN) is not cached
	}
	if data, ok := r.disk.Get(refKind, key); ok && key != nil {
		if v, err := decodeValues(w.Model, in, data); err == nil {
			return v, nil
		}
	}
	v, err := referenceStored(w.Model, in, &r.models.filters)
	if err != nil {
		return nil, err
	}
	exact := true
	for _, op := range w.Model.Ops {
		exact = exact && v.bytes[op.Output] != nil
	}
	if key != nil && exact {
		_ = r.disk.Put(refKind, key, slices.Concat(v.bytes...)) // a failed write only costs the next process a run
	}
	return v, nil
}

// storedBytes are a tensor's stored bytes (quant.Tensor.Bytes), and
// whether they hold its values exactly: an int32 tensor, or an 8-bit one
// whose bytes decode to its values.
func storedBytes(t *quant.Tensor) ([]byte, bool) {
	if !t.Type.Is8Bit() {
		return t.Bytes(), t.Type == quant.Int32
	}
	b := make([]byte, len(t.Data))
	if !kernels.NarrowExact(b, t.Data, t.Type.Signed()) {
		return nil, false
	}
	return b, true
}

// decodeValues rebuilds what RunReference returns from the stored bytes
// of every op's output, in op order: constants as the model's, inputs as
// given, each op's output decoded from its bytes when first asked for.
func decodeValues(m *workloads.Model, inputs []*quant.Tensor, data []byte) (*sampleValues, error) {
	v := &sampleValues{values: make([]*quant.Tensor, len(m.Tensors)), bytes: make([][]byte, len(m.Tensors)),
		decoded: make([]sync.Once, len(m.Tensors)), model: m}
	for i, t := range m.Tensors {
		if t.Constant() {
			v.values[i] = &t.Tensor
		}
	}
	for k, i := range m.Inputs {
		v.values[i] = inputs[k]
	}
	for _, op := range m.Ops {
		t := m.Tensors[op.Output]
		n := quant.NumElements(t.Shape) * t.Type.Bytes()
		if n > len(data) {
			return nil, fmt.Errorf("%d bytes for %s, %d left", n, op.Name, len(data))
		}
		v.bytes[op.Output], data = data[:n:n], data[n:]
	}
	if len(data) != 0 {
		return nil, fmt.Errorf("%d bytes too many", len(data))
	}
	return v, nil
}

// decodeStored converts stored bytes of a type (quant.Tensor.Bytes) back
// into values.
func decodeStored(t quant.Type, b []byte) []int32 {
	if t.Is8Bit() {
		return decodeBytes(t, b)
	}
	out := make([]int32, len(b)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// modelDigest is a SHA-256 of everything the reference interpreter reads
// from a model: its ops and, per tensor, type, shape, grid, range and
// constant values. It fails only on values JSON cannot hold (NaN).
func modelDigest(m *workloads.Model) ([]byte, error) {
	h := sha256.New()
	enc := json.NewEncoder(h)
	if err := enc.Encode([]any{m.Ops, m.Inputs, m.Outputs}); err != nil {
		return nil, err
	}
	for _, t := range m.Tensors {
		head := []any{t.Name, t.Type, t.Shape, t.Params, t.Range, t.Constant(), len(t.Data)}
		if err := enc.Encode(head); err != nil {
			return nil, err
		}
		_ = binary.Write(h, binary.LittleEndian, t.Data) // a hash never fails
	}
	return h.Sum(nil), nil
}

// inputsDigest is a SHA-256 of a sample's input tensors.
func inputsDigest(in []*quant.Tensor) []byte {
	h := sha256.New()
	for _, t := range in {
		fmt.Fprintf(h, "%d %v %d %v %d %d\n",
			t.Type, t.Shape, t.Params.ZeroPoint, t.Params.Scales, t.Params.Axis, len(t.Data))
		_ = binary.Write(h, binary.LittleEndian, t.Params.Scale) // a hash never fails
		_ = binary.Write(h, binary.LittleEndian, t.Data)
	}
	return h.Sum(nil)
}

// decodeBytes is quant.DecodeBytes (a value per byte, sign-extended when
// the type is signed) with the SIMD kernel.
func decodeBytes(t quant.Type, b []byte) []int32 {
	out := make([]int32, len(b))
	kernels.Widen(out, b, t.Signed())
	return out
}
