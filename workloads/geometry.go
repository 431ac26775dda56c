package workloads

import (
	"fmt"

	"github.com/npusim/npusim/internal/printable"
)

// MaxGeometry bounds every window attribute (filter size, stride,
// dilation, padding): with each at most 2^24, window arithmetic such as
// (filter-1) x dilation + 1 or input + padding stays far inside 64 bits,
// where a dilation of 2^62 would wrap a window of 5 to a window of 1.
const MaxGeometry = 1 << 24

// checkWindowGeometry checks a convolution's or pool's window attributes
// (fh x fw is its window) before any arithmetic on them, and NNAPI's rule
// for pools: every padding smaller than the window on its axis, so that no
// window lies wholly in padding, where an average has nothing to divide by
// and a maximum nothing to take (AOSP frameworks/ml, nn/common/operations/
// Pooling.cpp, PoolingParam::initialize, rejects the model the same way).
func checkWindowGeometry(op *Op, fh, fw int) error {
	dh, dw := op.Dilation()
	p := op.Padding
	for _, a := range []struct {
		field string
		v     int
	}{
		{"filterH", fh}, {"filterW", fw}, {"strideH", op.StrideH}, {"strideW", op.StrideW},
		{"dilationH", dh}, {"dilationW", dw},
		{"padding.top", p.Top}, {"padding.bottom", p.Bottom}, {"padding.left", p.Left}, {"padding.right", p.Right},
	} {
		if a.v > MaxGeometry {
			return fmt.Errorf("%s.%s: must be at most %d, got %d", op.Name, a.field, MaxGeometry, a.v)
		}
	}
	if op.Kind != AveragePool2D && op.Kind != MaxPool2D {
		return nil
	}
	if p.Top >= fh || p.Bottom >= fh || p.Left >= fw || p.Right >= fw {
		return fmt.Errorf("%s.padding: top %d, bottom %d, left %d, right %d: each must be smaller than "+
			"the %dx%d window (NNAPI: no pooling window may lie wholly in padding)",
			op.Name, p.Top, p.Bottom, p.Left, p.Right, fh, fw)
	}
	return nil
}

// checkNames rejects tensor and op names that hold control characters: a
// name from a file (an ONNX node, a SCALE-Sim layer) is printed in tables
// and reports, where an escape sequence would drive the terminal.
func (m *Model) checkNames() error {
	for i, t := range m.Tensors {
		if printable.String(t.Name) != t.Name {
			return fmt.Errorf("tensors[%d].name: %s holds control characters", i, printable.String(t.Name))
		}
	}
	for i, op := range m.Ops {
		if printable.String(op.Name) != op.Name {
			return fmt.Errorf("ops[%d].name: %s holds control characters", i, printable.String(op.Name))
		}
	}
	return nil
}
