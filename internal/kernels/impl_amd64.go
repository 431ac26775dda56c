//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

func supported(im Impl) bool {
	switch im {
	case AVX2:
		return cpu.X86.HasAVX2
	case AVX512VNNI:
		return cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VNNI && cpu.X86.HasBMI2
	}
	return im == PureGo
}
