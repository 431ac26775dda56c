//go:build !purego

package kernels

func init() {
	narrowSIMD[AVX512VNNI] = func(dst []byte, src []int32) int {
		n := len(src) &^ 15
		if n > 0 {
			narrowAVX512(&dst[0], &src[0], n)
		}
		return n
	}
	narrowExactSIMD[AVX512VNNI] = func(dst []byte, src []int32, offset int32) (int, uint32) {
		n := len(src) &^ 15
		if n == 0 {
			return 0, 0
		}
		return n, narrowExactAVX512(&dst[0], &src[0], n, offset)
	}
	widenSIMD[AVX512VNNI] = func(dst []int32, src []byte, signed bool) int {
		n := len(src) &^ 15
		if n > 0 {
			widenAVX512(&dst[0], &src[0], n, signed)
		}
		return n
	}
}

// narrowAVX512 and widenAVX512 convert n values, a multiple of 16.
//
//go:noescape
func narrowAVX512(dst *byte, src *int32, n int)

// narrowExactAVX512 narrows n values, a multiple of 16, and returns the OR
// of every value plus offset.
//
//go:noescape
func narrowExactAVX512(dst *byte, src *int32, n int, offset int32) uint32

//go:noescape
func widenAVX512(dst *int32, src *byte, n int, signed bool)
