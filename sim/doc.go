// Package sim runs experiments: a workload through a driver on the simulated
// NPU, compared layer by layer with the bit-exact reference interpreter.
//
// The reference side walks a workloads.Model op by op with package reference's
// kernels; every tensor's values are kept so that a deviation can be traced to
// the first layer where it appears. Everything here is deterministic: the same
// experiment gives the same bytes on every run and at any GOMAXPROCS.
package sim
