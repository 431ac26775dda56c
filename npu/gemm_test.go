package npu_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	. "github.com/npusim/npusim/npu" //nolint:revive // the tests read as if inside package npu
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
)

// fcCase is a random fully connected layer with its reference output.
type fcCase struct {
	in, w, bias, want *quant.Tensor
	act               quant.Activation
	v                 quant.Variant
}

func randomFC(rng *rand.Rand, m, k, n int, variants []quant.Variant, symmetric bool) fcCase {
	typ := []quant.Type{quant.Uint8, quant.Int8}[rng.IntN(2)]
	in := randomTensor(rng, typ, []int{m, k}, quant.Params{Scale: 0.01 + rng.Float32(), ZeroPoint: typ.Min() + rng.Int32N(256)})
	var w *quant.Tensor
	if symmetric || rng.IntN(2) == 0 {
		scales := make([]float32, n)
		for i := range scales {
			scales[i] = 0.0005 + rng.Float32()/100
		}
		w = randomTensor(rng, quant.Int8PerChannel, []int{n, k}, quant.Params{Scales: scales})
	} else {
		w = randomTensor(rng, typ, []int{n, k}, quant.Params{Scale: 0.0005 + rng.Float32()/100, ZeroPoint: typ.Min() + rng.Int32N(256)})
	}
	bias := quant.NewTensor(quant.Int32, []int{n}, quant.Params{})
	for i := range bias.Data {
		bias.Data[i] = rng.Int32N(40001) - 20000
	}
	want := quant.NewTensor(typ, []int{m, n}, quant.Params{Scale: 0.05 + rng.Float32(), ZeroPoint: typ.Min() + rng.Int32N(256)})
	c := fcCase{in: in, w: w, bias: bias, want: want, act: quant.Activation(rng.IntN(4)), v: variants[rng.IntN(len(variants))]}
	if err := reference.FullyConnected(in, w, bias, want, c.act, c.v); err != nil {
		panic(err)
	}
	return c
}

// fcProgram loads the whole layer, multiplies, requantizes and stores.
func fcProgram(c fcCase) *Program {
	m, k, n := c.in.Shape[0], c.in.Shape[1], c.w.Shape[0]
	var b progBuilder
	aAddr, bAddr, rAddr := b.data(c.in.Bytes()), b.data(c.w.Bytes()), b.data(records(c.in, c.w, c.want, c.bias, c.v))
	out := b.output("out", m*n)
	la := b.load(aAddr, ActivationSRAM, 0, m*k)
	lb := b.load(bAddr, WeightSRAM, 0, n*k)
	lr := b.load(rAddr, WeightSRAM, n*k, n*RecordBytes)
	mm := b.add(Command{Deps: []int{la, lb}, Op: &MatMul{M: m, K: k, N: n, A: matrixOperand(0, m, k, 0), AOperand: operand(c.in),
		B: 0, BColStride: k, BRowStride: 1, BOperand: operand(c.w), Acc: AccRegion{RowStride: n}, Mode: Accumulation{Bits: 32, Overflow: Wrap}}})
	lo, hi := c.act.Range(c.want.Type, c.want.Params.Scale, c.want.Params.ZeroPoint)
	rq := b.add(Command{Deps: []int{lr, mm}, Op: &Requant{M: m, N: n, Acc: AccRegion{RowStride: n}, Records: n * k, Variant: c.v,
		ZeroPoint: c.want.Params.ZeroPoint, Lo: lo, Hi: hi, Out: m * k, OutRowStride: n}})
	b.store(ActivationSRAM, m*k, out, m*n, rq)
	return b.program()
}

func TestGEMMMatchesReference(t *testing.T) {
	cfg := mustPreset("mobile-npu")
	for seed := range uint64(60) {
		rng := rand.New(rand.NewPCG(seed, 21))
		m, k, n := 1+rng.IntN(90), 1+rng.IntN(200), 1+rng.IntN(70)
		c := randomFC(rng, m, k, n, cfg.RequantVariants(), false)
		res, err := platform.Run(cfg, fcProgram(c))
		if err != nil {
			t.Fatalf("seed %d (%dx%dx%d): %v", seed, m, k, n, err)
		}
		if got := quant.DecodeBytes(c.want.Type, res.Outputs[0]); !slices.Equal(got, c.want.Data) {
			t.Fatalf("seed %d (%dx%dx%d, %v, %v): NPU output differs from the reference", seed, m, k, n, c.v, c.want.Type)
		}
	}
}

// TestMatMulCyclesMatchFormula checks the matrix unit's busy time for one
// command against the per-fold formula, for both dataflows.
func TestMatMulCyclesMatchFormula(t *testing.T) {
	for _, df := range []Dataflow{WeightStationary, OutputStationary} {
		cfg := mustPreset("mobile-npu")
		cfg.Array.Dataflow = df
		rng := rand.New(rand.NewPCG(9, 9))
		c := randomFC(rng, 70, 100, 40, []quant.Variant{quant.VariantDoubleRounding}, true)
		res, err := platform.Run(cfg, fcProgram(c))
		if err != nil {
			t.Fatal(err)
		}
		st := res.Stats.Commands[3]
		// WS: K=100 folds into 32+32+32+4 rows, N=40 into 32+8 columns, M=70 streams.
		// OS: M=70 folds into 32+32+6 rows, N into 32+8, K=100 streams.
		var want int
		switch df {
		case WeightStationary:
			for _, r := range []int{32, 32, 32, 4} {
				for _, col := range []int{32, 8} {
					want += 2*r + col + 70 - 2
				}
			}
		case OutputStationary:
			for _, r := range []int{32, 32, 6} {
				for _, col := range []int{32, 8} {
					want += 2*r + col + 100 - 2
				}
			}
		}
		if got := int(st.End - st.Start); st.Name != "matmul" || got != want {
			t.Errorf("%s: %s took %d cycles, want %d", df, st.Name, got, want)
		}
	}
}

func ExampleFoldCycles() {
	// One weight-stationary fold on a 32x32 array: 32 reduction rows, 32
	// columns, 3025 streamed rows (AlexNet conv1's output pixels).
	fmt.Println(FoldCycles(32, 32, 3025))
	// Output: 3119
}
