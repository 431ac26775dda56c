// Package scalesim speaks SCALE-Sim v2, the systolic-array simulator most
// accelerator researchers start from (Samajdar et al., "SCALE-Sim: Systolic
// CNN Accelerator Simulator", arXiv:1811.02883, and "A Systematic
// Methodology for Characterizing Scalability of DNN Accelerators using
// SCALE-Sim", ISPASS 2020): it reads SCALE-Sim's configuration and topology
// files and computes SCALE-Sim's reports for its stall-free CALC mode, from
// formulas per fold instead of a cycle-by-cycle run, so that a layer list
// gives SCALE-Sim's COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and
// DETAILED_ACCESS_REPORT.csv in milliseconds.
//
// # The one idea
//
// SCALE-Sim turns every layer into a matrix product and every dataflow into
// a choice of which two of its three dimensions lie on the array. A
// convolution with M output pixels, a window of K weights and N filters is
// M x K times K x N; the dataflow lays two dimensions on the R x C array
// and streams the third through it (see Mapping):
//
//	os  M on the rows, N on the columns, K streamed
//	ws  K on the rows, N on the columns, M streamed
//	is  K on the rows, M on the columns, N streamed
//
// The spatial problem is cut into folds of at most R x C, and every fold
// takes the same time however much of the array it uses: for ws and is,
// R cycles to load the stationary operand, then the T streamed rows with
// their skew across the R rows and C columns, 2R + C + T - 2 cycles; for os
// R + C + T - 2. A layer takes folds x that, and SCALE-Sim reports the index
// of the last cycle, one less: AlexNet's first layer (55 x 55 = 3025 pixels,
// K = 11 x 11 x 3 = 363, N = 96) on a 32 x 32 ws array is 12 x 3 = 36 folds
// of 2 x 32 + 32 + 3025 - 2 = 3119 cycles, reported as 112283.
//
// # What is computed how
//
// The compute report and the SRAM columns are closed forms over the folds.
// The utilisations are averaged fold by fold with SCALE-Sim's float
// operations in its order (a left-to-right sum, as Python before 3.12 does
// it), so that every printed digit agrees.
//
// The DRAM columns follow SCALE-Sim's CALC-mode bookkeeping, which never
// stalls the array. A read buffer cuts the stream of addresses the array
// requests into chunks of 50 x (words / 100) distinct addresses and fetches
// each chunk from DRAM once; counting that needs the addresses, so the IFMAP
// and filter streams are replayed address by address (not cycle by cycle)
// through a table of the current chunk. The OFMAP write buffer is replayed
// drain by drain, the writes of each fold being a parallelogram of known
// shape.
//
// SCALE-Sim computes output sizes without padding, ceil((H - R + S) / S),
// and reads nothing (address -1) where the last window hangs over the
// bottom or right edge; those reads still count in the SRAM columns, as in
// SCALE-Sim. Layers whose name contains "DP" are depthwise: SCALE-Sim runs
// one single-channel layer per channel (see Expand).
//
// # Files
//
// ReadConfig reads a .cfg, ReadTopology a topology in either of SCALE-Sim's
// layouts (convolution layers or M, N, K products), with SCALE-Sim's rules
// and one-line errors that name the file, line and column; Run writes
// COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv
// with SCALE-Sim's headers and number formatting (see PyFloat).
//
// # The same layers on npusim
//
// A topology gives only layer shapes. Topology.Workload turns it into a
// quantized network npusim can run: each layer a convolution, depthwise
// convolution or fully connected op of the same shapes and MACs, with
// seeded synthetic weights, quantized on seeded inputs. This is what
// npusim's --workload flags do with a .csv path (LoadWorkload), and what
// package scalesim/compare runs on the NPU a configuration describes. How
// SCALE-Sim's timing differs from npusim's own model (package npu) is the
// subject of docs/scalesim.md.
package scalesim
