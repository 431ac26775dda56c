package npu

import "fmt"

// Im2col addresses an operand in the activation scratchpad as the im2col
// matrix of a convolution, without copying it: row m is output pixel m of a
// tile, column k is reduction index K0+k in (filter row, filter column,
// channel) order. The scratchpad holds a TileH x TileW window of the input
// whose first pixel has input coordinates (TileY, TileX); taps outside the
// ImageH x ImageW input are padding and read as the zero point. A fully
// connected layer is the 1x1 case: one image row of batch "pixels".
type Im2col struct {
	Base        int `json:"base"`
	RowStride   int `json:"rowStride"`
	PixelStride int `json:"pixelStride"`
	TileY       int `json:"tileY"`
	TileX       int `json:"tileX"`
	TileH       int `json:"tileH"`
	TileW       int `json:"tileW"`
	ImageH      int `json:"imageH"`
	ImageW      int `json:"imageW"`
	OutY        int `json:"outY"`
	OutX        int `json:"outX"`
	OutW        int `json:"outW"`
	FilterH     int `json:"filterH"`
	FilterW     int `json:"filterW"`
	StrideH     int `json:"strideH"`
	StrideW     int `json:"strideW"`
	DilationH   int `json:"dilationH"`
	DilationW   int `json:"dilationW"`
	PadTop      int `json:"padTop"`
	PadLeft     int `json:"padLeft"`
	// Channel is the first reduced channel (a byte offset within a pixel)
	// and Channels how many consecutive channels the reduction covers.
	Channel  int `json:"channel"`
	Channels int `json:"channels"`
	K0       int `json:"k0"`
}

// AccRegion is a block of int32 accumulators: element (m, n) at byte
// address Base + 4*(m*RowStride + n).
type AccRegion struct {
	Base      int `json:"base"`
	RowStride int `json:"rowStride"`
}

// Operand8 describes how an 8-bit operand is read: its signedness and the
// zero point the hardware subtracts.
type Operand8 struct {
	Signed bool  `json:"signed,omitempty"`
	Zero   int32 `json:"zero,omitempty"`
}

// Value decodes a stored byte and subtracts the zero point.
func (o Operand8) Value(b byte) int32 {
	if o.Signed {
		return int32(int8(b)) - o.Zero
	}
	return int32(b) - o.Zero
}

// Accumulation is the accumulator mode a command computes in.
type Accumulation struct {
	Bits     int      `json:"bits"`
	Overflow Overflow `json:"overflow"`
}

// taps holds, for each reduction index of an im2col operand, the input
// offsets of its filter tap and channel.
type taps struct {
	dy, dx, ch []int
}

func (a *Im2col) taps(k int) taps {
	t := taps{make([]int, k), make([]int, k), make([]int, k)}
	for i := range k {
		kk := a.K0 + i
		tap := kk / a.Channels
		t.ch[i] = a.Channel + kk%a.Channels
		t.dy[i] = tap / a.FilterW * a.DilationH
		t.dx[i] = tap % a.FilterW * a.DilationW
	}
	return t
}

// pixel returns the input coordinates of output row m's window origin.
func (a *Im2col) pixel(m int) (iy, ix int) {
	oy, ox := a.OutY+m/a.OutW, a.OutX+m%a.OutW
	return oy*a.StrideH - a.PadTop, ox*a.StrideW - a.PadLeft
}

// gather writes the M x K operand, zero-point corrected, into dst (row-major).
func (a *Im2col) gather(sp *Scratchpad, op Operand8, m, k int, dst []int32) {
	t := a.taps(k)
	for r := range m {
		iy0, ix0 := a.pixel(r)
		row := dst[r*k : (r+1)*k]
		for i := range k {
			iy, ix := iy0+t.dy[i], ix0+t.dx[i]
			if iy < 0 || iy >= a.ImageH || ix < 0 || ix >= a.ImageW {
				row[i] = 0 // padding is real zero
				continue
			}
			addr := a.Base + (iy-a.TileY)*a.RowStride + (ix-a.TileX)*a.PixelStride + t.ch[i]
			row[i] = op.Value(sp.data[addr])
		}
	}
}

// accumulator applies an accumulation mode's overflow to sums.
type accumulator struct {
	bits     uint
	saturate bool
	lo, hi   int64
}

func newAccumulator(m Accumulation) accumulator {
	return accumulator{bits: uint(m.Bits), saturate: m.Overflow == Saturate,
		lo: -1 << (m.Bits - 1), hi: 1<<(m.Bits-1) - 1}
}

// add returns a+b in the mode: saturated, or wrapped to the width.
func (ac accumulator) add(a, b int64) int64 {
	s := a + b
	if ac.saturate {
		return min(max(s, ac.lo), ac.hi)
	}
	return ac.wrap(s)
}

// wrap sign-extends the low bits of x.
func (ac accumulator) wrap(x int64) int64 {
	sh := 64 - ac.bits
	return x << sh >> sh
}

// checkWindow verifies that every in-image tap of the first pixels output
// pixels lies inside the tile held in the scratchpad.
func (a *Im2col) checkWindow(pixels int) error {
	if !positive(a.OutW, a.FilterH, a.FilterW, a.StrideH, a.StrideW, a.DilationH, a.DilationW,
		a.Channels, a.TileH, a.TileW, a.ImageH, a.ImageW) {
		return fmt.Errorf("im2col operand has a zero or negative extent: %+v", *a)
	}
	if a.Channel < 0 || a.Channel+a.Channels > a.PixelStride {
		return fmt.Errorf("im2col channels [%d, %d) outside the %d-byte pixel",
			a.Channel, a.Channel+a.Channels, a.PixelStride)
	}
	rows, cols := ceilDiv(pixels, a.OutW), min(pixels, a.OutW)
	check := func(what string, out0, outs, stride, pad, filter, dilation, image, tile0, tileN int) error {
		lo := max(out0*stride-pad, 0)
		hi := min((out0+outs-1)*stride-pad+(filter-1)*dilation, image-1)
		if lo > hi {
			return nil // all padding
		}
		if lo < tile0 || hi >= tile0+tileN {
			return fmt.Errorf("im2col reads input %s %d..%d, but the tile holds %d..%d", what, lo, hi, tile0, tile0+tileN-1)
		}
		return nil
	}
	err := check("rows", a.OutY, rows, a.StrideH, a.PadTop, a.FilterH, a.DilationH, a.ImageH, a.TileY, a.TileH)
	if err != nil {
		return err
	}
	return check("columns", a.OutX, cols, a.StrideW, a.PadLeft, a.FilterW, a.DilationW, a.ImageW, a.TileX, a.TileW)
}

// tileSpan is the byte range of the activation scratchpad an im2col tile
// occupies.
func (a *Im2col) tileSpan() Span {
	end := (a.TileH-1)*a.RowStride + (a.TileW-1)*a.PixelStride + a.PixelStride
	return Span{SRAM: ActivationSRAM, Lo: a.Base, Hi: a.Base + end}
}

// MatMul multiplies the M x K im2col operand A by the K x N weight block B
// on the systolic array, into the M x N accumulator region: Acc =
// (Accumulate ? Acc : 0) + A*B, in the hardware's accumulation order (see
// docs/timing.md). B[k][n] is at weight address B + n*BColStride +
// k*BRowStride.
type MatMul struct {
	M          int          `json:"m"`
	K          int          `json:"k"`
	N          int          `json:"n"`
	A          Im2col       `json:"a"`
	AOperand   Operand8     `json:"aOperand"`
	B          int          `json:"b"`
	BColStride int          `json:"bColStride"`
	BRowStride int          `json:"bRowStride"`
	BOperand   Operand8     `json:"bOperand"`
	Acc        AccRegion    `json:"acc"`
	Accumulate bool         `json:"accumulate,omitempty"`
	Mode       Accumulation `json:"mode"`
}

// Unit implements Operation.
func (m *MatMul) Unit() Unit { return UnitMatrix }

// Name implements Operation.
func (m *MatMul) Name() string { return "matmul" }

func (m *MatMul) key() string { return "matmul" }

// AppendFootprint implements Operation: the im2col tile and the weight block are
// read, the accumulators written.
func (m *MatMul) AppendFootprint(s []Span) []Span {
	return append(s, m.A.tileSpan(),
		Span{SRAM: WeightSRAM, Lo: m.B, Hi: m.B + (m.N-1)*m.BColStride + (m.K-1)*m.BRowStride + 1},
		accSpan(m.Acc, m.M, m.N, true))
}

// Check implements Operation.
func (m *MatMul) Check(cfg *Config, _ uint64) error {
	if !positive(m.M, m.K, m.N) {
		return fmt.Errorf("bad dimensions M=%d K=%d N=%d", m.M, m.K, m.N)
	}
	if taps := m.A.FilterH * m.A.FilterW * m.A.Channels; m.A.K0+m.K > taps {
		return fmt.Errorf("reduction [%d, %d) beyond the %d taps of the im2col operand", m.A.K0, m.A.K0+m.K, taps)
	}
	if err := checkWeightZero(cfg, m.BOperand); err != nil {
		return err
	}
	if err := checkAccumulation(cfg, m.Mode); err != nil {
		return err
	}
	return m.A.checkWindow(m.M)
}

// Cycles implements Compute: the sum of the array's folds.
func (m *MatMul) Cycles(cfg *Config) int {
	return MatMulCycles(m, cfg.Array.Rows, cfg.Array.Cols, cfg.Array.Dataflow)
}

// Counters implements Compute. Operand traffic follows the dataflow: weight
// stationary reads each weight once and streams A once per column fold;
// output stationary streams A once per column fold and B once per row fold.
func (m *MatMul) Counters(cfg *Config) Counters {
	var k Counters
	mk, kn, mn := uint64(m.M*m.K), uint64(m.K*m.N), uint64(m.M*m.N)
	nFolds := uint64(ceilDiv(m.N, cfg.Array.Cols))
	k.MACs = uint64(m.M) * kn
	k.SRAMRead[ActivationSRAM] = mk * nFolds
	folds := uint64(ceilDiv(m.K, cfg.Array.Rows)) // partial sums written per reduction fold
	k.SRAMRead[WeightSRAM] = kn
	if cfg.Array.Dataflow == OutputStationary {
		k.SRAMRead[WeightSRAM] = kn * uint64(ceilDiv(m.M, cfg.Array.Rows))
		folds = 1
	}
	k.SRAMWrite[AccumulatorSRAM] = 4 * mn * folds
	k.SRAMRead[AccumulatorSRAM] = 4 * mn * (folds - 1)
	if m.Accumulate {
		k.SRAMRead[AccumulatorSRAM] += 4 * mn
	}
	return k
}

// MACpJ implements Compute: the MAC energy of the command's accumulator mode.
func (m *MatMul) MACpJ(cfg *Config) (float64, error) {
	mode, ok := cfg.AccumulatorMode(m.Mode.Bits, m.Mode.Overflow)
	if !ok {
		return 0, checkAccumulation(cfg, m.Mode)
	}
	return mode.MACpJ, nil
}

// Execute implements Compute: with the GEMM kernel where the accumulator
// wraps (fast.go), else in the array's order.
func (m *MatMul) Execute(sp *Scratchpads, cfg *Config) {
	if m.executeFast(sp) {
		return
	}
	execMatMul(m, cfg.Array.Rows, cfg.Array.Dataflow, sp[ActivationSRAM], sp[WeightSRAM], sp[AccumulatorSRAM])
}

// execMatMul computes a MatMul from the scratchpads. A wrapping accumulator
// is associative, so any summation order gives the hardware's result and a
// blocked kernel computes it; a saturating one is summed in the array's
// order: per fold of R reduction rows (weight stationary) or over all of K in
// each PE (output stationary), each partial saturated at every step. The
// array's column count does not change that order.
func execMatMul(c *MatMul, rows int, df Dataflow, act, wgt, acc *Scratchpad) {
	a := make([]int32, c.M*c.K)
	c.A.gather(act, c.AOperand, c.M, c.K, a)
	b := make([]int32, c.N*c.K) // B transposed: b[n*K+k]
	for n := range c.N {
		for k := range c.K {
			b[n*c.K+k] = c.BOperand.Value(wgt.data[c.B+n*c.BColStride+k*c.BRowStride])
		}
	}
	ac := newAccumulator(c.Mode)
	initial := func(m, n int) int64 {
		if !c.Accumulate {
			return 0
		}
		return ac.wrap(int64(acc.int32At(c.Acc.Base + 4*(m*c.Acc.RowStride+n))))
	}
	store := func(m, n int, v int64) { acc.putInt32(c.Acc.Base+4*(m*c.Acc.RowStride+n), int32(v)) }
	switch {
	case !ac.saturate:
		sums := make([]int32, c.N)
		for m := range c.M {
			dotRow(a[m*c.K:(m+1)*c.K], b, c.K, sums)
			for n, s := range sums {
				store(m, n, ac.wrap(initial(m, n)+int64(s)))
			}
		}
	case df == WeightStationary:
		for m := range c.M {
			arow := a[m*c.K : (m+1)*c.K]
			for n := range c.N {
				bcol := b[n*c.K : (n+1)*c.K]
				v := initial(m, n)
				for k0 := 0; k0 < c.K; k0 += rows {
					var psum int64
					for k := k0; k < min(k0+rows, c.K); k++ {
						psum = ac.add(psum, int64(arow[k])*int64(bcol[k]))
					}
					v = ac.add(v, psum)
				}
				store(m, n, v)
			}
		}
	default: // output stationary
		for m := range c.M {
			arow := a[m*c.K : (m+1)*c.K]
			for n := range c.N {
				bcol := b[n*c.K : (n+1)*c.K]
				var reg int64
				for k := range c.K {
					reg = ac.add(reg, int64(arow[k])*int64(bcol[k]))
				}
				store(m, n, ac.add(initial(m, n), reg))
			}
		}
	}
}

// dotRow computes sums[n] = a . b[n*k : (n+1)*k] for every n, in wrapping
// int32 arithmetic, four columns at a time.
func dotRow(a, b []int32, k int, sums []int32) {
	n := 0
	for ; n+4 <= len(sums); n += 4 {
		b0, b1, b2, b3 := b[n*k:(n+1)*k], b[(n+1)*k:(n+2)*k], b[(n+2)*k:(n+3)*k], b[(n+3)*k:(n+4)*k]
		var s0, s1, s2, s3 int32
		for i, x := range a[:k] {
			s0 += x * b0[i]
			s1 += x * b1[i]
			s2 += x * b2[i]
			s3 += x * b3[i]
		}
		sums[n], sums[n+1], sums[n+2], sums[n+3] = s0, s1, s2, s3
	}
	for ; n < len(sums); n++ {
		bn := b[n*k : (n+1)*k]
		var s int32
		for i, x := range a[:k] {
			s += x * bn[i]
		}
		sums[n] = s
	}
}
