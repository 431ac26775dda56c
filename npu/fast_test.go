package npu

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/quant"
)

// This file holds the fast kernels (fast.go) to the plain loops, the
// specification, on random commands: edge tiles, padding, strides,
// dilation, channel slices, every accumulator mode, every requantization
// variant, unaligned accumulators and zero points the kernels cannot take.

// testScratchpads returns a set of scratchpads of the given sizes filled
// with random bytes.
func testScratchpads(rng *rand.Rand, act, wgt, acc int) *Scratchpads {
	work := &workspace{}
	sp := Scratchpads{newScratchpad(ActivationSRAM, act, act, work), newScratchpad(WeightSRAM, wgt, wgt, work),
		newScratchpad(AccumulatorSRAM, acc, acc, work)}
	for _, s := range sp {
		for i := range s.data {
			s.data[i] = byte(rng.Uint32())
		}
	}
	return &sp
}

// clone copies a set of scratchpads (fresh workspace).
func (sp *Scratchpads) clone() *Scratchpads {
	work := &workspace{}
	var c Scratchpads
	for k, s := range sp {
		c[k] = newScratchpad(s.Kind, s.capacity, len(s.data), work)
		copy(c[k].data, s.data)
	}
	return &c
}

// equalScratchpads names the first scratchpad that differs, or "".
func equalScratchpads(a, b *Scratchpads) string {
	for k := range a {
		if !bytes.Equal(a[k].data, b[k].data) {
			return a[k].Kind.String()
		}
	}
	return ""
}

// randomOperand is an 8-bit operand whose zero point is usually a stored
// value and sometimes not (the kernels then decline).
func randomOperand(rng *rand.Rand) Operand8 {
	o := Operand8{Signed: rng.IntN(2) == 0}
	lo, hi := int32(0), int32(255)
	if o.Signed {
		lo, hi = -128, 127
	}
	switch rng.IntN(8) {
	case 0:
		o.Zero = lo
	case 1:
		o.Zero = hi
	case 2:
		o.Zero = hi + 1 + rng.Int32N(300)
	default:
		o.Zero = lo + rng.Int32N(hi-lo+1)
	}
	return o
}

// randomWindow is a convolution's input window over a tile of an NHWC
// image: padding, strides, dilation, a slice of the pixel's channels, and
// pixels output pixels from a random first one. It returns the window and
// the bytes the tile occupies from Base.
func randomWindow(rng *rand.Rand, base int) (w Im2col, pixels int) {
	w = Im2col{Base: base, FilterH: 1 + rng.IntN(3), FilterW: 1 + rng.IntN(3), StrideH: 1 + rng.IntN(2), StrideW: 1 + rng.IntN(2),
		DilationH: 1 + rng.IntN(2), DilationW: 1 + rng.IntN(2), PadTop: rng.IntN(3), PadLeft: rng.IntN(3),
		ImageH: 1 + rng.IntN(9), ImageW: 1 + rng.IntN(9), Channels: 1 + rng.IntN(40)}
	w.Channel = rng.IntN(3)
	w.PixelStride = w.Channel + w.Channels + rng.IntN(3)
	outH := (w.ImageH+2*w.PadTop-w.DilationH*(w.FilterH-1)-1)/w.StrideH + 1
	outW := (w.ImageW+2*w.PadLeft-w.DilationW*(w.FilterW-1)-1)/w.StrideW + 1
	if outH < 1 || outW < 1 {
		return randomWindow(rng, base)
	}
	w.OutY, w.OutX = rng.IntN(outH), rng.IntN(outW)
	w.OutW = 1 + rng.IntN(outW-w.OutX)
	pixels = 1 + rng.IntN((outH-w.OutY)*w.OutW)
	rows := (pixels + w.OutW - 1) / w.OutW
	// The tile: every input row and column the pixels read, and a margin.
	w.TileY = max(w.OutY*w.StrideH-w.PadTop, 0) - rng.IntN(2)
	w.TileX = max(w.OutX*w.StrideW-w.PadLeft, 0) - rng.IntN(2)
	w.TileH = min((w.OutY+rows-1)*w.StrideH-w.PadTop+(w.FilterH-1)*w.DilationH, w.ImageH-1) - w.TileY + 1 + rng.IntN(2)
	w.TileW = min((w.OutX+min(pixels, w.OutW)-1)*w.StrideW-w.PadLeft+(w.FilterW-1)*w.DilationW, w.ImageW-1) - w.TileX + 1 + rng.IntN(2)
	w.TileH, w.TileW = max(w.TileH, 1), max(w.TileW, 1)
	w.RowStride = w.TileW*w.PixelStride + rng.IntN(5)
	return w, pixels
}

func randomAccumulation(rng *rand.Rand) Accumulation {
	return Accumulation{Bits: []int{16, 24, 32}[rng.IntN(3)], Overflow: []Overflow{Wrap, Wrap, Saturate}[rng.IntN(3)]}
}

// randomAcc is an accumulator region for rows x cols values: word-aligned
// but for one command in eight.
func randomAcc(rng *rand.Rand, cols int) AccRegion {
	base := 4 * rng.IntN(8)
	if rng.IntN(8) == 0 {
		base += 1 + rng.IntN(3)
	}
	return AccRegion{Base: base, RowStride: cols + rng.IntN(5)}
}

// randomMatMul is a MatMul on a random window, with the spans it needs.
func randomMatMul(rng *rand.Rand) (*MatMul, [numSRAMs]int) {
	w, m := randomWindow(rng, rng.IntN(16))
	taps := w.FilterH * w.FilterW * w.Channels
	w.K0 = rng.IntN(taps)
	c := &MatMul{M: m, K: 1 + rng.IntN(taps-w.K0), N: 1 + rng.IntN(70), A: w, AOperand: randomOperand(rng),
		B: rng.IntN(32), BOperand: randomOperand(rng), Accumulate: rng.IntN(2) == 0, Mode: randomAccumulation(rng)}
	c.Acc = randomAcc(rng, c.N)
	if rng.IntN(2) == 0 { // N x K, rows of K (and padding)
		c.BColStride, c.BRowStride = c.K+rng.IntN(3), 1
	} else { // K x N
		c.BColStride, c.BRowStride = 1, c.N+rng.IntN(3)
	}
	var size [numSRAMs]int
	for _, s := range c.AppendFootprint(nil) {
		size[s.SRAM] = max(size[s.SRAM], s.Hi+rng.IntN(8))
	}
	return c, size
}

// TestMatMulKernelsMatchPlainLoops runs random MatMuls through Execute and
// through the array-order loops, on both dataflows and arrays of several
// sizes, and requires identical scratchpads. It also requires that the
// kernels computed most of the commands they can take.
func TestMatMulKernelsMatchPlainLoops(t *testing.T) {
	fast, eligible := 0, 0
	for seed := range uint64(1500) {
		rng := rand.New(rand.NewPCG(seed, 0x3a7))
		c, size := randomMatMul(rng)
		if err := c.A.checkWindow(c.M); err != nil {
			t.Fatalf("seed %d: the generator made a bad window: %v", seed, err)
		}
		rows, cols, df := 1+rng.IntN(16), 1+rng.IntN(16), []Dataflow{WeightStationary, OutputStationary}[rng.IntN(2)]
		sp := testScratchpads(rng, size[ActivationSRAM], size[WeightSRAM], size[AccumulatorSRAM])
		want := sp.clone()
		execMatMul(c, rows, df, want[ActivationSRAM], want[WeightSRAM], want[AccumulatorSRAM])
		cfg := &Config{Array: ArrayConfig{Rows: rows, Cols: cols, Dataflow: df}}
		if c.Mode.Overflow == Wrap && storedZero(c.AOperand) && storedZero(c.BOperand) && c.Acc.Base%4 == 0 {
			eligible++
			if c.executeFast(sp.clone()) {
				fast++
			}
		}
		c.Execute(sp, cfg)
		if which := equalScratchpads(sp, want); which != "" {
			t.Fatalf("seed %d: %+v: the %s scratchpad differs", seed, *c, which)
		}
	}
	// Only padding whose zero point has no byte sends an eligible command
	// back to the loops, and randomOperand never makes one.
	if fast != eligible || eligible < 500 {
		t.Errorf("kernels computed %d of %d eligible commands; want all, and at least 500", fast, eligible)
	}
}

// randomDepthwise is a Depthwise on a random window, with the spans it
// needs.
func randomDepthwise(rng *rand.Rand) (*Depthwise, [numSRAMs]int) {
	w, pixels := randomWindow(rng, rng.IntN(16))
	c := &Depthwise{In: w, Pixels: pixels, Multiplier: []int{1, 1, 1, 2, 3}[rng.IntN(5)], AOperand: randomOperand(rng),
		W: rng.IntN(32), WOperand: randomOperand(rng), Mode: randomAccumulation(rng)}
	c.WTapStride = w.Channels*c.Multiplier + rng.IntN(4)
	c.Acc = randomAcc(rng, w.Channels*c.Multiplier)
	var size [numSRAMs]int
	for _, s := range c.AppendFootprint(nil) {
		size[s.SRAM] = max(size[s.SRAM], s.Hi+rng.IntN(8))
	}
	return c, size
}

// TestDepthwiseKernelsMatchPlainLoops runs random depthwise commands
// through Execute and through the plain loops and requires identical
// scratchpads, and that the kernels computed every command they can take.
func TestDepthwiseKernelsMatchPlainLoops(t *testing.T) {
	fast, eligible := 0, 0
	for seed := range uint64(1500) {
		rng := rand.New(rand.NewPCG(seed, 0xd3))
		c, size := randomDepthwise(rng)
		if err := c.In.checkWindow(c.Pixels); err != nil {
			t.Fatalf("seed %d: the generator made a bad window: %v", seed, err)
		}
		sp := testScratchpads(rng, size[ActivationSRAM], size[WeightSRAM], size[AccumulatorSRAM])
		want := sp.clone()
		execDepthwise(c, want[ActivationSRAM], want[WeightSRAM], want[AccumulatorSRAM])
		if c.Mode.Overflow == Wrap && storedZero(c.AOperand) && storedZero(c.WOperand) && c.Acc.Base%4 == 0 {
			eligible++
			if c.executeFast(sp.clone()) {
				fast++
			}
		}
		c.Execute(sp, nil)
		if which := equalScratchpads(sp, want); which != "" {
			t.Fatalf("seed %d: %+v: the %s scratchpad differs", seed, *c, which)
		}
	}
	if fast != eligible || eligible < 500 {
		t.Errorf("kernels computed %d of %d eligible commands; want all, and at least 500", fast, eligible)
	}
}

// randomMultiplier derives a variant's multiplier from a real between 2^-70
// and 2^3, or 0: inside and outside the kernels' shift range.
func randomMultiplier(rng *rand.Rand, v quant.Variant) quant.Multiplier {
	if rng.IntN(20) == 0 {
		return v.MultiplierFromReal(0)
	}
	return v.MultiplierFromReal(math.Exp2(-70 + 73*rng.Float64()))
}

// randomRequant is a Requant of random accumulators with random records
// written into the weight scratchpad.
func randomRequant(rng *rand.Rand) (*Requant, *Scratchpads) {
	variants := quant.Variants()
	c := &Requant{M: 1 + rng.IntN(40), N: 1 + rng.IntN(70), Records: rng.IntN(64), Variant: variants[rng.IntN(len(variants))],
		ZeroPoint: rng.Int32N(300) - 150, Out: rng.IntN(16)}
	c.Acc = randomAcc(rng, c.N)
	c.Lo = rng.Int32N(256) - 128
	c.Hi = c.Lo + rng.Int32N(256)
	c.OutRowStride = c.N + rng.IntN(4)
	var size [numSRAMs]int
	for _, s := range c.AppendFootprint(nil) {
		size[s.SRAM] = max(size[s.SRAM], s.Hi+rng.IntN(8))
	}
	sp := testScratchpads(rng, size[ActivationSRAM], size[WeightSRAM], size[AccumulatorSRAM])
	small := rng.IntN(2) == 0 // accumulators of a plausible size, or any int32
	for m := range c.M {
		for n := range c.N {
			if v := int32(rng.Uint32()); small {
				sp[AccumulatorSRAM].putInt32(c.Acc.Base+4*(m*c.Acc.RowStride+n), v>>12)
			}
		}
	}
	for n := range c.N {
		rec := EncodeRecord(rng.Int32N(1<<20)-1<<19, randomMultiplier(rng, c.Variant))
		copy(sp[WeightSRAM].data[c.Records+n*RecordBytes:], rec)
	}
	return c, sp
}

// TestRequantKernelsMatchPlainLoops runs random requantizations under
// every variant through Execute and through the plain loop and requires
// identical scratchpads.
func TestRequantKernelsMatchPlainLoops(t *testing.T) {
	fast := 0
	for seed := range uint64(2000) {
		rng := rand.New(rand.NewPCG(seed, 0x7e))
		c, sp := randomRequant(rng)
		perChannel := seed%4 != 0 // a quarter of the commands on a per-tensor requantizer
		cfg := &Config{}
		if !perChannel {
			cfg.Requant.Multipliers = PerTensor
		}
		want := sp.clone()
		execRequant(c, perChannel, want[ActivationSRAM], want[WeightSRAM], want[AccumulatorSRAM])
		if c.executeFast(sp.clone(), perChannel) {
			fast++
		}
		c.Execute(sp, cfg)
		if which := equalScratchpads(sp, want); which != "" {
			t.Fatalf("seed %d: %s %dx%d (per-channel %v): the %s scratchpad differs", seed, c.Variant, c.M, c.N, perChannel, which)
		}
	}
	if fast < 1700 {
		t.Errorf("kernels computed %d of 2000 commands; want the word-aligned ones, at least 1700", fast)
	}
}

// randomAddParams are ADD parameters derived from random scales and zero
// points, or one time in four raw random multipliers and shifts.
func randomAddParams(rng *rand.Rand, signed bool) quant.AddParams {
	zero := func() int32 {
		if signed {
			return rng.Int32N(256) - 128
		}
		return rng.Int32N(256)
	}
	scale := func() float32 { return float32(math.Exp2(-12 + 14*rng.Float64())) }
	if rng.IntN(4) == 0 {
		return quant.AddParams{InOffset: [2]int32{-zero(), -zero()}, InQ: [2]int32{rng.Int32(), rng.Int32()},
			InShift: [2]int{rng.IntN(12) - 10, rng.IntN(12) - 10}, OutOffset: zero(), OutQ: rng.Int32(), OutShift: rng.IntN(30) - 20}
	}
	return quant.NewAddParams(quant.Params{Scale: scale(), ZeroPoint: zero()}, quant.Params{Scale: scale(), ZeroPoint: zero()},
		quant.Params{Scale: scale(), ZeroPoint: zero()})
}

// TestEltwiseAddMatchesPlainLoop runs random element-wise ADDs (and LUTs
// and MULs, which keep the plain loop) through Execute and through the
// plain loop and requires identical scratchpads.
func TestEltwiseAddMatchesPlainLoop(t *testing.T) {
	fast := 0
	for seed := range uint64(1000) {
		rng := rand.New(rand.NewPCG(seed, 0xadd))
		c := &Eltwise{Kind: []EltwiseKind{EltAdd, EltAdd, EltAdd, EltLUT, EltMul}[rng.IntN(5)], Rows: 1 + rng.IntN(6), Cols: 1 + rng.IntN(90),
			Signed: rng.IntN(2) == 0, MulOffsets: [2]int32{rng.Int32N(256) - 128, rng.Int32N(256) - 128}, LUT: rng.IntN(64), Out: rng.IntN(16)}
		c.Add = randomAddParams(rng, c.Signed)
		c.Lo = rng.Int32N(256) - 128
		c.Hi = c.Lo + rng.Int32N(256)
		c.A, c.B = rng.IntN(900), rng.IntN(900)
		c.AColStride, c.BColStride = rng.IntN(3), rng.IntN(3) // 0 broadcasts
		c.ARowStride, c.BRowStride = rng.IntN(2)*(c.Cols*2+rng.IntN(4)), rng.IntN(2)*(c.Cols*2+rng.IntN(4))
		c.OutRowStride, c.Acc = c.Cols+rng.IntN(4), randomAcc(rng, c.Cols)
		var size [numSRAMs]int
		for _, s := range c.AppendFootprint(nil) {
			size[s.SRAM] = max(size[s.SRAM], s.Hi+rng.IntN(8))
		}
		sp := testScratchpads(rng, size[ActivationSRAM], max(size[WeightSRAM], 1), max(size[AccumulatorSRAM], 1))
		want := sp.clone()
		execEltwise(c, want[ActivationSRAM], want[WeightSRAM], want[AccumulatorSRAM])
		if c.executeFast(sp.clone()) {
			fast++
		}
		c.Execute(sp, nil)
		if which := equalScratchpads(sp, want); which != "" {
			t.Fatalf("seed %d: %+v: the %s scratchpad differs", seed, *c, which)
		}
	}
	if fast < 500 {
		t.Errorf("the tables computed %d of about 600 additions; want at least 500", fast)
	}
}
