//go:build !linux

package main

// threadCPU is 0 where the system does not tell a thread's CPU time; bench
// then reports wall-clock time only.
func threadCPU() float64 { return 0 }

// threadCPUKnown says whether threadCPU measures anything.
const threadCPUKnown = false
