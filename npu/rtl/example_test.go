package rtl_test

import (
	"fmt"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/rtl"
)

// A 2 x 3 by 3 x 2 product on a 2 x 2 weight-stationary array: K = 3 needs
// two reduction folds (2 rows, then 1), each streaming M = 2 rows across
// c = 2 columns: (2*2 + 2 + 2 - 2) + (2*1 + 2 + 2 - 2) = 10 cycles.
func ExampleArray_Run() {
	a := rtl.MakeArrayBuilder().WithSize(2, 2).WithDataflow(npu.WeightStationary).Build("npu.array")
	mm := &rtl.MatMul{
		M: 2, K: 3, N: 2,
		A:        []byte{1, 2, 3, 4, 5, 6},   // [[1 2 3] [4 5 6]]
		B:        []byte{1, 0, 0, 1, 255, 1}, // [[1 0] [0 1] [-1 1]], signed
		AOperand: npu.Operand8{}, BOperand: npu.Operand8{Signed: true},
		Acc:  make([]int32, 4),
		Mode: npu.Accumulation{Bits: 32, Overflow: npu.Wrap},
	}
	cycles, err := a.Run(mm)
	fmt.Println(mm.Acc, cycles, err)
	// Output: [-2 5 -2 11] 10 <nil>
}
