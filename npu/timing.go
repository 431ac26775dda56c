package npu

// This file holds the cycle counts of the compute commands; docs/timing.md
// derives them.

// FoldCycles is the cycle count of one fold of the systolic array that uses r
// rows and c columns and streams t operand rows through them: the r-cycle
// stationary load (weights for WS; for OS the r-cycle drain of the outputs),
// then t + r + c - 2 cycles until the last partial sum leaves the array.
// Weight stationary: r = reduction rows, t = M. Output stationary: r = output
// rows, t = K.
func FoldCycles(r, c, t int) int { return 2*r + c + t - 2 }

// MatMulCycles is the cycle count of a MatMul on a rows x cols array: the sum
// of its folds. Weight stationary folds tile K by rows and N by cols, each
// streaming all M rows; output stationary folds tile M by rows and N by cols,
// each streaming all K reduction steps.
func MatMulCycles(m *MatMul, rows, cols int, df Dataflow) int {
	r, t := m.K, m.M
	if df == OutputStationary {
		r, t = m.M, m.K
	}
	total := 0
	for r0 := 0; r0 < r; r0 += rows {
		for n0 := 0; n0 < m.N; n0 += cols {
			total += FoldCycles(min(rows, r-r0), min(cols, m.N-n0), t)
		}
	}
	return total
}

// pipelined is the cycle count of n operations on lanes parallel lanes behind a
// pipeline of depth stages.
func pipelined(n, lanes, depth int) int {
	return (n+lanes-1)/lanes + depth
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
