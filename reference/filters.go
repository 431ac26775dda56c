package reference

import (
	"github.com/npusim/npusim/internal/kernels"
	"github.com/npusim/npusim/internal/memo"
	"github.com/npusim/npusim/quant"
)

// Filters keeps constant filters in the form the kernels on stored
// activations read them: packed for the GEMM of Conv2D and FullyConnected,
// narrowed to bytes for DepthwiseConv2D. Preparing a filter can cost more
// than the products that read it (MobileNet v2's convolutions: packing
// took twice as long as the GEMMs, every inference), so a caller that runs
// a model on several inputs keeps one Filters for the model's constants,
// which must not change afterwards. A nil *Filters prepares each filter
// afresh. The zero Filters is empty and ready to use, and safe for
// concurrent use; it must not be copied after first use.
type Filters struct {
	packed memo.Map[*quant.Tensor, *kernels.PackedB]
	bytes  memo.Map[*quant.Tensor, []byte]
}

// packedB returns the n x k filter packed for the GEMM, row n an output
// channel.
func (f *Filters) packedB(filter *quant.Tensor, n, k int) *kernels.PackedB {
	pack := func() (*kernels.PackedB, error) {
		b := new(kernels.PackedB)
		kernels.PackB(b, weightBytes(filter), n, k, k, 1, operand(filter.Type, filter.Params))
		return b, nil
	}
	if f == nil {
		b, _ := pack()
		return b
	}
	b, _ := f.packed.Get(filter, pack) // pack returns no error
	return b
}

// stored returns the filter's values as bytes.
func (f *Filters) stored(filter *quant.Tensor) []byte {
	narrow := func() ([]byte, error) { return weightBytes(filter), nil }
	if f == nil {
		b, _ := narrow()
		return b
	}
	b, _ := f.bytes.Get(filter, narrow) // narrow returns no error
	return b
}
