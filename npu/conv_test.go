package npu_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	. "github.com/npusim/npusim/npu" //nolint:revive // the tests read as if inside package npu
	"github.com/npusim/npusim/npu/platform"
	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/reference"
)

// convCase is a random convolution or depthwise convolution on a whole
// input that fits the scratchpads, with its reference output.
type convCase struct {
	in, filter, bias, want *quant.Tensor
	p                      reference.ConvParams
	v                      quant.Variant
}

func randomConvCase(rng *rand.Rand, depthwise bool, variants []quant.Variant) convCase {
	typ := []quant.Type{quant.Uint8, quant.Int8}[rng.IntN(2)]
	h, w, inC := 3+rng.IntN(12), 3+rng.IntN(12), 1+rng.IntN(9)
	fh, fw := 1+rng.IntN(3), 1+rng.IntN(3)
	p := reference.ConvParams{StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(2), DilationH: 1 + rng.IntN(2), DilationW: 1,
		Padding:    reference.Padding{Top: rng.IntN(2), Bottom: rng.IntN(2), Left: rng.IntN(2), Right: rng.IntN(2)},
		Activation: quant.Activation(rng.IntN(4)), DepthMultiplier: 1}
	for (fh-1)*p.DilationH+1 > h+p.Top+p.Bottom {
		h++
	}
	for fw > w+p.Left+p.Right {
		w++
	}
	in := randomTensor(rng, typ, []int{1, h, w, inC}, quant.Params{Scale: 0.02 + rng.Float32()/4, ZeroPoint: typ.Min() + rng.Int32N(256)})
	outC, axis := 1+rng.IntN(40), 0
	var shape []int
	if depthwise {
		p.DepthMultiplier = 1 + rng.IntN(2)
		outC = inC * p.DepthMultiplier
		shape, axis = []int{1, fh, fw, outC}, 3
	} else {
		shape = []int{outC, fh, fw, inC}
	}
	scales := make([]float32, outC)
	for i := range scales {
		scales[i] = 0.001 + rng.Float32()/50
	}
	filter := randomTensor(rng, quant.Int8PerChannel, shape, quant.Params{Scales: scales, Axis: axis})
	bias := quant.NewTensor(quant.Int32, []int{outC}, quant.Params{})
	for i := range bias.Data {
		bias.Data[i] = rng.Int32N(4001) - 2000
	}
	oh := quant.ConvOutputSize(h, fh, p.StrideH, p.DilationH, p.Top, p.Bottom)
	ow := quant.ConvOutputSize(w, fw, p.StrideW, p.DilationW, p.Left, p.Right)
	want := quant.NewTensor(typ, []int{1, oh, ow, outC}, quant.Params{Scale: 0.05 + rng.Float32()/2, ZeroPoint: typ.Min() + rng.Int32N(256)})
	c := convCase{in, filter, bias, want, p, variants[rng.IntN(len(variants))]}
	var err error
	if depthwise {
		err = reference.DepthwiseConv2D(in, filter, bias, want, p, c.v)
	} else {
		err = reference.Conv2D(in, filter, bias, want, p, c.v)
	}
	if err != nil {
		panic(err)
	}
	return c
}

// window describes the whole input at address 0 as an im2col operand.
func (c convCase) window() Im2col {
	h, w, inC := c.in.Shape[1], c.in.Shape[2], c.in.Shape[3]
	return Im2col{RowStride: w * inC, PixelStride: inC, TileH: h, TileW: w, ImageH: h, ImageW: w, OutW: c.want.Shape[2],
		FilterH: c.filter.Shape[1], FilterW: c.filter.Shape[2], StrideH: c.p.StrideH, StrideW: c.p.StrideW,
		DilationH: c.p.DilationH, DilationW: c.p.DilationW, PadTop: c.p.Top, PadLeft: c.p.Left, Channels: inC}
}

// convProgram loads the layer, accumulates it with compute (which returns
// the accumulating commands' indices), requantizes and stores.
func convProgram(c convCase, compute func(b *progBuilder, deps []int) []int) *Program {
	var b progBuilder
	pixels, outC := c.want.Shape[1]*c.want.Shape[2], c.want.Shape[3]
	inBytes, wBytes := c.in.Len(), c.filter.Len()
	aAddr, wAddr, rAddr := b.data(c.in.Bytes()), b.data(c.filter.Bytes()), b.data(records(c.in, c.filter, c.want, c.bias, c.v))
	out := b.output("out", c.want.Len())
	la := b.load(aAddr, ActivationSRAM, 0, inBytes)
	lw := b.load(wAddr, WeightSRAM, 0, wBytes)
	lr := b.load(rAddr, WeightSRAM, wBytes, outC*RecordBytes)
	deps := append(compute(&b, []int{la, lw}), lr)
	lo, hi := c.p.Activation.Range(c.want.Type, c.want.Params.Scale, c.want.Params.ZeroPoint)
	rq := b.add(Command{Deps: deps, Op: &Requant{M: pixels, N: outC, Acc: AccRegion{RowStride: outC}, Records: wBytes,
		Variant: c.v, ZeroPoint: c.want.Params.ZeroPoint, Lo: lo, Hi: hi, Out: inBytes, OutRowStride: outC}})
	b.store(ActivationSRAM, inBytes, out, c.want.Len(), rq)
	return b.program()
}

var acc32 = Accumulation{Bits: 32, Overflow: Wrap}

func checkConv(t *testing.T, cfg *Config, c convCase, p *Program, what string, seed uint64) {
	t.Helper()
	res, err := platform.Run(cfg, p)
	if err != nil {
		t.Fatalf("%s seed %d: %v", what, seed, err)
	}
	if got := quant.DecodeBytes(c.want.Type, res.Outputs[0]); !slices.Equal(got, c.want.Data) {
		t.Fatalf("%s seed %d (%v in %v, filter %v, %+v, %v): NPU output differs from the reference", what, seed, c.want.Type, c.in.Shape, c.filter.Shape, c.p, c.v)
	}
}

func TestConvViaIm2colMatchesReference(t *testing.T) {
	for _, hw := range []string{"mobile-npu", "tiny"} {
		cfg := mustPreset(hw)
		ran := 0
		for seed := range uint64(40) {
			rng := rand.New(rand.NewPCG(seed, 31))
			c := randomConvCase(rng, false, cfg.RequantVariants())
			if c.in.Len()+c.want.Len() > cfg.Bytes(ActivationSRAM) || c.want.Len()*4 > cfg.Bytes(AccumulatorSRAM) ||
				c.filter.Len()+c.want.Shape[3]*RecordBytes > cfg.Bytes(WeightSRAM) {
				continue // this whole-layer program does not tile
			}
			p := convProgram(c, func(b *progBuilder, deps []int) []int {
				pixels, k := c.want.Shape[1]*c.want.Shape[2], c.filter.Len()/c.filter.Shape[0]
				return []int{b.add(Command{Deps: deps, Op: &MatMul{M: pixels, K: k, N: c.filter.Shape[0], A: c.window(), AOperand: operand(c.in),
					BColStride: k, BRowStride: 1, BOperand: operand(c.filter), Acc: AccRegion{RowStride: c.filter.Shape[0]}, Mode: acc32}})}
			})
			checkConv(t, cfg, c, p, hw+" conv", seed)
			ran++
		}
		if ran < 20 {
			t.Errorf("%s: only %d of 40 random convolutions fit a whole-layer program", hw, ran)
		}
	}
}

func TestDepthwiseMatchesReference(t *testing.T) {
	cfg := mustPreset("mobile-npu")
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 41))
		c := randomConvCase(rng, true, cfg.RequantVariants())
		pixels, outC, inC, dm := c.want.Shape[1]*c.want.Shape[2], c.want.Shape[3], c.in.Shape[3], c.p.DepthMultiplier
		taps := c.filter.Shape[1] * c.filter.Shape[2]
		// on the array: one input channel at a time, K = taps, N = multiplier
		onArray := convProgram(c, func(b *progBuilder, deps []int) []int {
			var mms []int
			for ic := range inC {
				a := c.window()
				a.Channel, a.Channels = ic, 1
				mms = append(mms, b.add(Command{Deps: deps, Op: &MatMul{M: pixels, K: taps, N: dm, A: a, AOperand: operand(c.in),
					B: ic * dm, BColStride: 1, BRowStride: outC, BOperand: operand(c.filter),
					Acc: AccRegion{Base: 4 * ic * dm, RowStride: outC}, Mode: acc32}}))
			}
			return mms
		})
		checkConv(t, cfg, c, onArray, "depthwise on the array", seed)
		onVector := convProgram(c, func(b *progBuilder, deps []int) []int {
			return []int{b.add(Command{Deps: deps, Op: &Depthwise{In: c.window(), Pixels: pixels, Multiplier: dm,
				AOperand: operand(c.in), WTapStride: outC, WOperand: operand(c.filter), Acc: AccRegion{RowStride: outC}, Mode: acc32}})}
		})
		checkConv(t, cfg, c, onVector, "depthwise on the vector unit", seed)
	}
}

func TestPoolsMatchReference(t *testing.T) {
	cfg := mustPreset("tiny")
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 51))
		typ := []quant.Type{quant.Uint8, quant.Int8}[rng.IntN(2)]
		h, w, ch := 2+rng.IntN(10), 2+rng.IntN(10), 1+rng.IntN(8)
		pp := reference.PoolParams{StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(3), FilterH: 1 + rng.IntN(min(h, 3)), FilterW: 1 + rng.IntN(min(w, 3)),
			Padding: reference.Padding{Top: rng.IntN(2), Left: rng.IntN(2), Bottom: rng.IntN(2), Right: rng.IntN(2)}, Activation: quant.Activation(rng.IntN(4))}
		pp.Top, pp.Bottom, pp.Left, pp.Right = min(pp.Top, pp.FilterH-1), min(pp.Bottom, pp.FilterH-1), min(pp.Left, pp.FilterW-1), min(pp.Right, pp.FilterW-1)
		params := quant.Params{Scale: 0.1, ZeroPoint: typ.Min() + rng.Int32N(256)}
		in := randomTensor(rng, typ, []int{1, h, w, ch}, params)
		oh := quant.ConvOutputSize(h, pp.FilterH, pp.StrideH, 1, pp.Top, pp.Bottom)
		ow := quant.ConvOutputSize(w, pp.FilterW, pp.StrideW, 1, pp.Left, pp.Right)
		for _, isMax := range []bool{false, true} {
			want := quant.NewTensor(typ, []int{1, oh, ow, ch}, params)
			kernel := reference.AveragePool2D
			if isMax {
				kernel = reference.MaxPool2D
			}
			if err := kernel(in, want, pp); err != nil {
				t.Fatal(err)
			}
			var b progBuilder
			addr := b.data(in.Bytes())
			out := b.output("out", want.Len())
			ld := b.load(addr, ActivationSRAM, 0, in.Len())
			lo, hi := pp.Activation.Range(typ, params.Scale, params.ZeroPoint)
			win := Im2col{RowStride: w * ch, PixelStride: ch, TileH: h, TileW: w, ImageH: h, ImageW: w, OutW: ow, FilterH: pp.FilterH, FilterW: pp.FilterW,
				StrideH: pp.StrideH, StrideW: pp.StrideW, DilationH: 1, DilationW: 1, PadTop: pp.Top, PadLeft: pp.Left, Channels: ch}
			pl := b.add(Command{Deps: []int{ld}, Op: &Pool{Max: isMax, In: win, Pixels: oh * ow, Signed: typ.Signed(), Lo: lo, Hi: hi, Out: in.Len(), OutPixelStride: ch}})
			b.store(ActivationSRAM, in.Len(), out, want.Len(), pl)
			res, err := platform.Run(cfg, b.program())
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if got := quant.DecodeBytes(typ, res.Outputs[0]); !slices.Equal(got, want.Data) {
				t.Fatalf("seed %d max=%v: pool output %v, reference %v", seed, isMax, got, want.Data)
			}
		}
	}
}
