// Package rtl is a register-transfer-level model of the NPU's matrix unit
// and requantization unit: the hardware the fast model in package npu
// summarizes as formulas, built here out of registers and clocked one cycle
// at a time.
//
// The one idea to hold: every cycle, every register's next value is computed
// from the current registers and the wires at the edges only, and then all
// registers change at once (the clock edge). Nothing moves faster than one
// register per cycle, so the cycle counts of docs/timing.md are not
// programmed in; they fall out of how far the data has to travel.
//
// # Matrix unit
//
// An Array is an R x C grid of processing elements (PE). Each PE has three
// data registers and their valid bits:
//
//   - Stationary: the weight in a weight-stationary (WS) array, the output's
//     running sum in an output-stationary (OS) one;
//   - Act: the activation, passed one column right per cycle;
//   - Down: the partial sum (WS) or the weight (OS), passed one row down per
//     cycle.
//
// Data registers load only when their input is valid (they are clock gated);
// the valid bits follow the data. Operands arrive at the west edge (one
// activation per array row) and at the north edge (one weight per column);
// their feeders skew the streams so that the operands of one product meet in
// the right PE in the right cycle.
//
// A MatMul command is cut into folds that fit the array, run back to back:
//
//   - WS (column folds outer, reduction folds inner): r cycles shift the fold's
//     r x c weights down into the PEs; then activation row m enters array row
//     k at fold cycle r+m+k; each PE adds activation x weight to the partial
//     sum from above; the partial sum leaves the last used row, r-1, and is
//     added into the accumulator memory in the same cycle.
//   - OS (row folds outer, column folds inner): a[m][k] enters row m at cycle
//     m+k and b[k][n] column n at cycle k+n; PE (m, n) accumulates its K
//     products in place; when the last one lands, the r rows of sums shift
//     down and out of row r-1, one row per cycle, into the accumulator memory.
//
// Either way a fold using r rows and c columns that streams t operand rows
// takes 2r + c + t - 2 cycles, npu.FoldCycles. Accumulation saturates or
// wraps at the command's accumulator width at every addition, in the same
// order as the fast model's execMatMul, so the two agree bit for bit.
//
// # Requantization unit
//
// A Requant pipeline has L lanes of RequantDepth register stages (bias,
// multiply, first rounding, shift and second rounding, zero point, clamp),
// each with a valid bit. It accepts L accumulators per cycle and turns n of
// them into outputs in ceil(n/L) + RequantDepth cycles; its results equal
// quant.Variant.Requantize for every variant.
//
// # Waveforms
//
// A Tracer attached to the Clock samples chosen signals once per cycle and
// writes a Value Change Dump (package vcd) that any waveform viewer opens:
// the clock, the array's edge inputs and control, its accumulator write
// ports, every PE's registers (npu.array.pe_2_3.psum) and the requantization
// stages.
//
// The timing model this package reproduces is docs/timing.md; its section on
// the register-level model says what differs (the requantization depth).
package rtl
