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

//go:noescape
func widenAVX512(dst *int32, src *byte, n int, signed bool)
