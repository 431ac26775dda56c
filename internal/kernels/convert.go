package kernels

// Narrow stores the low byte of every src value in dst (the storage
// encoding of 8-bit values held as int32) with the best implementation.
func Narrow(dst []byte, src []int32) { best.Narrow(dst, src) }

// NarrowExact is Narrow, and reports whether every src value is one of an
// 8-bit type's (int8 when signed, uint8 otherwise): whether Widen gives src
// back.
func NarrowExact(dst []byte, src []int32, signed bool) bool {
	return best.NarrowExact(dst, src, signed)
}

// Widen decodes bytes into int32 values, sign-extended when signed, with the
// best implementation.
func Widen(dst []int32, src []byte, signed bool) { best.Widen(dst, src, signed) }

// convertSIMD holds the SIMD conversions, per implementation: they convert
// a prefix of the slices and return its length.
var (
	narrowSIMD [numImpls]func(dst []byte, src []int32) int
	// narrowExactSIMD also returns the OR of src[i]+offset over the prefix.
	narrowExactSIMD [numImpls]func(dst []byte, src []int32, offset int32) (int, uint32)
	widenSIMD       [numImpls]func(dst []int32, src []byte, signed bool) int
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

// NarrowExact stores byte(src[i]) in dst[i] for i < len(src) and reports
// whether every src[i] is in -128..127 (signed) or 0..255: whether each
// src[i] plus 128 (signed) or 0, as an unsigned number, is below 256, so
// whether the OR of them all is.
func (im Impl) NarrowExact(dst []byte, src []int32, signed bool) bool {
	dst = dst[:len(src)]
	offset := int32(0)
	if signed {
		offset = 128
	}
	i, bits := 0, uint32(0)
	if narrowExactSIMD[im] != nil {
		i, bits = narrowExactSIMD[im](dst, src, offset)
	}
	for ; i < len(src); i++ {
		dst[i] = byte(src[i])
		bits |= uint32(src[i] + offset)
	}
	return bits < 256
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
