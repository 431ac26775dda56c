//go:build !linux

package reference

// threadCPU is unavailable here: benchmarks report wall-clock rates only.
func threadCPU() (float64, bool) { return 0, false }
