// Package experiment runs one experiment: a workload compiled by a driver
// policy for a hardware configuration, every input sample simulated on the
// NPU, and every layer and output compared with the bit-exact reference
// interpreter.
//
// A Cell names what runs (workload, policy and hardware, by preset name or
// file); Run loads them and RunOn runs already loaded ones. The Result holds
// the cost of one inference (cycles, latency, energy with its breakdown,
// DRAM traffic, per layer and in total) and how far the outputs are from
// the reference's: a Deviation per layer and for the outputs (largest
// difference in LSB, share of values changed, mean signed error, SNR and a
// histogram), the task's outcome (top-1 agreement and accuracy for
// classifiers, the first diverging step for recurrent workloads), NNAPI's
// verdict and the SHA-256 digests of the outputs.
//
// The reference side walks the model op by op with package reference's
// kernels (RunReference) and keeps every tensor's values, so that a
// deviation can be traced to the first layer where it appears; the NPU side
// writes the inputs into the program's DRAM image, runs it and decodes what
// the program left in DRAM (RunCompiled). CheckCase and CheckCaseOnNPU do
// the same for one op test case against its expected output.
//
// Experiments share nothing hidden: the workloads come from a
// loader.Loader and the reference values from a References, both created
// and owned by the caller, so that a sweep computes each once and a single
// run keeps nothing after it. Everything here is deterministic: the same
// experiment gives the same bytes on every run and at any GOMAXPROCS.
package experiment
