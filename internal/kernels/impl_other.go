//go:build !amd64 || purego

package kernels

func supported(im Impl) bool { return im == PureGo }
