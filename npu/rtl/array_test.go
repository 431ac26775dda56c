package rtl

import (
	"fmt"
	"testing"

	"github.com/npusim/npusim/npu"
)

// countingMatMul is an M x K x N product whose operands name themselves:
// A[m][k] = m+1 and B[k][n] = k+1 (unsigned, zero point 0), so a register
// holding an activation tells which row it is, and a weight which reduction
// step.
func countingMatMul(m, k, n int) *MatMul {
	mm := &MatMul{M: m, K: k, N: n, A: make([]byte, m*k), B: make([]byte, k*n), Acc: make([]int32, m*n),
		Mode: npu.Accumulation{Bits: 32, Overflow: npu.Wrap}}
	for i := range mm.A {
		mm.A[i] = byte(i/k + 1)
	}
	for i := range mm.B {
		mm.B[i] = byte(i/n + 1)
	}
	return mm
}

// TestWeightStationaryTiming follows one fold cycle by cycle and holds every
// event to docs/timing.md: weights shift in during cycles 0..r-1, activation
// row m meets the weight of PE (k, n) at cycle r+m+k+n, and the partial sum
// of output (m, n) is written at cycle r+m+(r-1)+n.
func TestWeightStationaryTiming(t *testing.T) {
	const r, c, m = 3, 4, 5 // one fold: K = r rows, N = c columns
	a := MakeArrayBuilder().WithSize(r, c).Build("npu.array")
	mm := countingMatMul(m, r, c)
	var errs []string
	meets, writes := 0, 0
	a.clock.probe = func(cycle uint64) {
		now := int(cycle)
		if a.fold.phase == PhaseLoad != (now < r) {
			errs = append(errs, fmt.Sprintf("cycle %d: phase %v", now, a.fold.phase))
		}
		for k := range r {
			for n := range c {
				if q := a.next[k*c+n]; q.DownValid { // PE (k, n) multiplies this cycle
					meets++
					if row := int(q.Act) - 1; now != r+row+k+n {
						errs = append(errs, fmt.Sprintf("row %d meets PE (%d, %d) at cycle %d, want %d", row, k, n, now, r+row+k+n))
					}
				}
			}
		}
		for n, p := range a.ports {
			if p.enable {
				writes++
				if want := r + int(p.row) + r - 1 + n; now != want {
					errs = append(errs, fmt.Sprintf("output (%d, %d) written at cycle %d, want %d", p.row, n, now, want))
				}
			}
		}
	}
	cycles, err := a.Run(mm)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Error(e)
	}
	if want := npu.FoldCycles(r, c, m); cycles != want || meets != m*r*c || writes != m*c {
		t.Errorf("%d cycles, %d products, %d writes; want %d, %d, %d", cycles, meets, writes, want, m*r*c, m*c)
	}
}

// TestOutputStationaryTiming holds an output-stationary fold to
// docs/timing.md: a[m][k] and b[k][n] meet in PE (m, n) at cycle m+n+k, and
// after the last product (cycle r+c+K-3) row r-1-j of sums is written at
// cycle r+c+K-2+j.
func TestOutputStationaryTiming(t *testing.T) {
	const r, c, k = 4, 3, 6
	a := MakeArrayBuilder().WithSize(r, c).WithDataflow(npu.OutputStationary).Build("npu.array")
	mm := countingMatMul(r, k, c)
	var errs []string
	meets, writes := 0, 0
	a.clock.probe = func(cycle uint64) {
		now := int(cycle)
		for m := range r {
			for n := range c {
				if q := a.next[m*c+n]; q.ActValid && q.DownValid {
					meets++
					if row, step := int(q.Act)-1, int(q.Down)-1; row != m || now != m+n+step {
						errs = append(errs, fmt.Sprintf("a[%d][%d] meets PE (%d, %d) at cycle %d, want a[%d] at cycle %d", row, step, m, n, now, m, m+n+step))
					}
				}
			}
		}
		for n, p := range a.ports {
			if p.enable {
				writes++
				if want := r + c + k - 2 + (r - 1 - int(p.row)); now != want {
					errs = append(errs, fmt.Sprintf("output (%d, %d) written at cycle %d, want %d", p.row, n, now, want))
				}
			}
		}
	}
	cycles, err := a.Run(mm)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Error(e)
	}
	if want := npu.FoldCycles(r, c, k); cycles != want || meets != r*c*k || writes != r*c {
		t.Errorf("%d cycles, %d products, %d writes; want %d, %d, %d", cycles, meets, writes, want, r*c*k, r*c)
	}
	// acc[m][n] = sum over k of (m+1)(k+1) = (m+1) K(K+1)/2.
	for i, v := range mm.Acc {
		if want := int32(i/c+1) * k * (k + 1) / 2; v != want {
			t.Errorf("acc[%d][%d] = %d, want %d", i/c, i%c, v, want)
		}
	}
}

// TestMatMulCycles holds multi-fold commands to npu.MatMulCycles on arrays
// with rows != cols, for shapes that leave partial folds in every dimension.
func TestMatMulCycles(t *testing.T) {
	cases := []struct {
		rows, cols int
		df         npu.Dataflow
		m, k, n    int
		want       int
	}{
		// WS: K 10 = 4+4+2 rows, N 7 = 3+3+1 columns, M 5 streams.
		{4, 3, npu.WeightStationary, 5, 10, 7, (2*4+3+5-2)*2*2 + (2*2+3+5-2)*2 + (2*4+1+5-2)*2 + (2*2 + 1 + 5 - 2)},
		// OS: M 9 = 4+4+1 rows, N 4 = 3+1 columns, K 6 streams.
		{4, 3, npu.OutputStationary, 9, 6, 4, (2*4+3+6-2)*2 + (2*4+1+6-2)*2 + (2*1 + 3 + 6 - 2) + (2*1 + 1 + 6 - 2)},
		// A single PE: every fold is 2 + 1 + t - 2 = t + 1 cycles.
		{1, 1, npu.WeightStationary, 7, 2, 3, 6 * 8},
		{1, 1, npu.OutputStationary, 2, 7, 3, 6 * 8},
	}
	for _, c := range cases {
		a := MakeArrayBuilder().WithSize(c.rows, c.cols).WithDataflow(c.df).Build("npu.array")
		got, err := a.Run(countingMatMul(c.m, c.k, c.n))
		formula := npu.MatMulCycles(&npu.MatMul{M: c.m, K: c.k, N: c.n}, c.rows, c.cols, c.df)
		if err != nil || got != c.want || formula != c.want {
			t.Errorf("%dx%d %s, %dx%dx%d: %d cycles (%v), npu.MatMulCycles %d, want %d", c.rows, c.cols, c.df, c.m, c.k, c.n, got, err, formula, c.want)
		}
	}
}

func TestRunRejectsBadCommands(t *testing.T) {
	a := MakeArrayBuilder().Build("npu.array")
	good := countingMatMul(2, 2, 2)
	cases := []struct {
		name  string
		spoil func(mm *MatMul)
	}{
		{"zero dimension", func(mm *MatMul) { mm.K = 0 }},
		{"short operand", func(mm *MatMul) { mm.B = mm.B[:3] }},
		{"accumulator bits", func(mm *MatMul) { mm.Mode.Bits = 20 }},
		{"overflow", func(mm *MatMul) { mm.Mode.Overflow = npu.Overflow(9) }},
		{"zero point", func(mm *MatMul) { mm.AOperand = npu.Operand8{Signed: true, Zero: 128} }},
	}
	for _, c := range cases {
		mm := *good
		c.spoil(&mm)
		if _, err := a.Run(&mm); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
