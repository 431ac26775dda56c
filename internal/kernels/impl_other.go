//go:build !amd64

package kernels

func supported(im Impl) bool { return im == PureGo }
