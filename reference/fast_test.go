package reference

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/npusim/npusim/quant"
)

// withPlainLoops runs f with the plain loops of conv.go instead of the kernels.
func withPlainLoops(f func() error) error {
	fastKernels = false
	defer func() { fastKernels = true }()
	return f()
}

// TestKernelsEqualPlainLoops holds the kernel paths of CONV_2D,
// DEPTHWISE_CONV_2D and FULLY_CONNECTED equal, bit for bit, to the plain
// loops on random layers under every requantization variant.
func TestKernelsEqualPlainLoops(t *testing.T) {
	for seed := range uint64(600) {
		rng := rand.New(rand.NewPCG(seed, 31))
		v := quant.Variants()[seed%uint64(len(quant.Variants()))]
		kind := seed % 3
		c := randomConv(rng, kind == 1)
		run := func(out *quant.Tensor) error {
			switch kind {
			case 0:
				return Conv2D(c.in, c.filter, c.bias, out, c.p, v)
			case 1:
				return DepthwiseConv2D(c.in, c.filter, c.bias, out, c.p, v)
			}
			// The input's pixels as a batch of fully connected rows.
			units, size := c.filter.Shape[0], c.in.Shape[3]
			w := c.filter.Clone()
			w.Shape, w.Data = []int{units, size}, w.Data[:units*size]
			fc := quant.NewTensor(out.Type, []int{c.in.Len() / size, units}, out.Params)
			err := FullyConnected(c.in, w, c.bias, fc, c.p.Activation, v)
			out.Data = fc.Data
			return err
		}
		fast, plain := c.out.Clone(), c.out.Clone()
		if err := run(fast); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if err := withPlainLoops(func() error { return run(plain) }); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !slices.Equal(fast.Data, plain.Data) {
			t.Fatalf("seed %d (kind %d, %v, %v, stride %dx%d dilation %dx%d pad %+v): kernels and plain loops differ",
				seed, kind, v, c.in.Type, c.p.StrideH, c.p.StrideW, c.p.DilationH, c.p.DilationW, c.p.Padding)
		}
	}
}

// TestAddTablesEqualPlainLoop holds ADD of tensors of the output's shape,
// by tables of each input's first step on their stored bytes (AddStored),
// equal to the element-by-element algorithm on random grids, types,
// activations and values, some outside their type's range.
func TestAddTablesEqualPlainLoop(t *testing.T) {
	types := []quant.Type{quant.Int8, quant.Uint8}
	acts := []quant.Activation{quant.ActNone, quant.ActRelu, quant.ActRelu6}
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 47))
		shape := []int{1, 1 + rng.IntN(5), 1 + rng.IntN(7), 1 + rng.IntN(9)}
		tensor := func(typ quant.Type) *quant.Tensor {
			p := quant.Params{Scale: float32(0.001 + rng.Float64()), ZeroPoint: typ.Min() + rng.Int32N(256)}
			x := quant.NewTensor(typ, shape, p)
			for i := range x.Data {
				x.Data[i] = typ.Min() + rng.Int32N(256)
			}
			if rng.IntN(4) == 0 { // a value outside the type's range: only the plain loop holds it
				x.Data[rng.IntN(len(x.Data))] += 256 * (1 - 2*rng.Int32N(2))
			}
			return x
		}
		a, b, out := tensor(types[rng.IntN(2)]), tensor(types[rng.IntN(2)]), tensor(types[rng.IntN(2)])
		act := acts[rng.IntN(len(acts))]
		fast, plain := out.Clone(), out.Clone()
		if err := Add(a, b, fast, act); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if err := withPlainLoops(func() error { return Add(a, b, plain, act) }); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !slices.Equal(fast.Data, plain.Data) {
			t.Fatalf("seed %d (%v + %v -> %v, %v): tables and plain loop differ", seed, a.Type, b.Type, out.Type, act)
		}
	}
}
