//go:build !linux

package platform_test

// threadCPU is unavailable here: benchmarks report wall-clock figures only.
func threadCPU() (float64, bool) { return 0, false }
