//go:build !amd64 || purego

package kernels

func supported(im Impl) bool { return im == PureGo }

// panel8 is empty: the 8-bit layout is the AVX-512 VNNI implementation's.
type panel8 struct{}
