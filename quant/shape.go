package quant

import "fmt"

// This file holds the shape arithmetic of NHWC tensors that the interpreter,
// the model validator and the compiler share.

// ConvOutputSize is the output extent of a window of size filter, dilated by
// dilation, sliding with stride over in plus padHead and padTail pixels.
func ConvOutputSize(in, filter, stride, dilation, padHead, padTail int) int {
	effective := (filter-1)*dilation + 1
	return (in+padHead+padTail-effective)/stride + 1
}

// SamePadding returns NNAPI's implicit SAME padding of one spatial dimension:
// the output has ceil(in/stride) pixels, and an odd total padding puts the
// extra pixel at the tail (bottom or right).
func SamePadding(in, filter, stride, dilation int) (head, tail int) {
	effective := (filter-1)*dilation + 1
	out := (in + stride - 1) / stride
	total := max((out-1)*stride+effective-in, 0)
	return total / 2, total - total/2
}

// BroadcastShape returns the shape two operands broadcast to, NumPy style:
// dimensions aligned from the right, a dimension of 1 stretching.
func BroadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := dimFromRight(a, n-1-i), dimFromRight(b, n-1-i)
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

func dimFromRight(shape []int, fromRight int) int {
	if fromRight >= len(shape) {
		return 1
	}
	return shape[len(shape)-1-fromRight]
}

// BroadcastIndex maps the flat index of an element of the broadcast output
// shape onto the flat index of the element of shape (lower rank or with
// stretched dimensions) that it reads.
func BroadcastIndex(shape, out []int, flat int) int {
	f, stride := 0, 1
	for d := len(out) - 1; d >= 0; d-- {
		i := flat % out[d]
		flat /= out[d]
		sd := d - (len(out) - len(shape))
		if sd < 0 {
			break
		}
		if shape[sd] != 1 {
			f += i * stride
		}
		stride *= shape[sd]
	}
	return f
}
