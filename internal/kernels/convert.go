package kernels

// Narrow stores the low byte of every src value in dst (the storage
// encoding of 8-bit values held as int32) with the best implementation.
func Narrow(dst []byte, src []int32) { best.Narrow(dst, src) }

// Widen decodes bytes into int32 values, sign-extended when signed, with the
// best implementation.
func Widen(dst []int32, src []byte, signed bool) { best.Widen(dst, src, signed) }

// convertSIMD holds the SIMD conversions, per implementation: they convert
// a prefix of the slices and return its length.
var (
	narrowSIMD [numImpls]func(dst []byte, src []int32) int
	widenSIMD  [numImpls]func(dst []int32, src []byte, signed bool) int
)

// Narrow stores byte(src[i]) in dst[i] for i < len(src); dst must be as long.
func (im Impl) Narrow(dst []byte, src []int32) {
	dst = dst[:len(src)]
	i := 0
	if narrowSIMD[im] != nil {
		i = narrowSIMD[im](dst, src)
	}
	for ; i < len(src); i++ {
		dst[i] = byte(src[i])
	}
}

// Widen stores src[i] read as int8 (signed) or uint8 in dst[i] for i <
// len(src); dst must be as long.
func (im Impl) Widen(dst []int32, src []byte, signed bool) {
	dst = dst[:len(src)]
	i := 0
	if widenSIMD[im] != nil {
		i = widenSIMD[im](dst, src, signed)
	}
	for ; i < len(src); i++ {
		if signed {
			dst[i] = int32(int8(src[i]))
		} else {
			dst[i] = int32(src[i])
		}
	}
}
