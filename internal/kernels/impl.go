package kernels

// Impl names one implementation of the kernels.
type Impl int

// The implementations, slowest first.
const (
	// PureGo is the portable specification.
	PureGo Impl = iota
	// AVX2 uses 256-bit vectors and VPMADDWD on 16-bit operands.
	AVX2
	// AVX512VNNI uses 512-bit vectors and VPDPBUSD on 8-bit operands.
	AVX512VNNI
	numImpls
)

var implNames = [...]string{"purego", "avx2", "avx512vnni"}

// String names the implementation.
func (im Impl) String() string { return implNames[im] }

// Available lists the implementations this CPU runs, slowest first; the
// last is [Best].
func Available() []Impl {
	var out []Impl
	for im := range numImpls {
		if supported(im) {
			out = append(out, im)
		}
	}
	return out
}

var best = func() Impl {
	a := Available()
	return a[len(a)-1]
}()

// Best is the fastest implementation this CPU runs.
func Best() Impl { return best }
