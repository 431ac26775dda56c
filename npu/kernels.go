package npu

import (
	"encoding/binary"
	"math"

	"github.com/npusim/npusim/quant"
)

// This file computes the values of every compute command from the
// scratchpads' contents, in the exact accumulation order of the hardware.

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

// execMatMul computes a MatMul from the scratchpads. A wrapping accumulator
// is associative, so any summation order gives the hardware's result and a
// blocked kernel computes it; a saturating one is summed in the array's
// order: per fold of R reduction rows (weight stationary) or over all of K in
// each PE (output stationary), each partial saturated at every step.
func execMatMul(c *MatMul, rows, cols int, df Dataflow, act, wgt, acc *Scratchpad) {
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

// record is one decoded per-channel requantization record.
type record struct {
	bias int32
	mult quant.Multiplier
}

func readRecord(wgt *Scratchpad, addr int) record {
	d := wgt.data[addr : addr+RecordBytes]
	return record{
		bias: int32(binary.LittleEndian.Uint32(d)),
		mult: quant.Multiplier{
			Q:     int32(binary.LittleEndian.Uint32(d[4:])),
			Shift: int(int32(binary.LittleEndian.Uint32(d[8:]))),
			Scale: math.Float32frombits(binary.LittleEndian.Uint32(d[12:])),
		},
	}
}

// EncodeRecord lays out one requantization record as the requantization unit
// reads it (RecordBytes bytes).
func EncodeRecord(bias int32, m quant.Multiplier) []byte {
	d := make([]byte, RecordBytes)
	binary.LittleEndian.PutUint32(d, uint32(bias))
	binary.LittleEndian.PutUint32(d[4:], uint32(m.Q))
	binary.LittleEndian.PutUint32(d[8:], uint32(int32(m.Shift)))
	binary.LittleEndian.PutUint32(d[12:], math.Float32bits(m.Scale))
	return d
}

// execRequant adds each column's bias (wrapping in 32 bits, as the int32
// accumulator would) and requantizes with the column's multiplier.
func execRequant(c *Requant, act, wgt, acc *Scratchpad) {
	for n := range c.N {
		r := readRecord(wgt, c.Records+n*RecordBytes)
		for m := range c.M {
			v := acc.int32At(c.Acc.Base+4*(m*c.Acc.RowStride+n)) + r.bias
			q := c.Variant.Requantize(v, r.mult, c.ZeroPoint, c.Lo, c.Hi)
			act.data[c.Out+m*c.OutRowStride+n] = byte(q)
		}
	}
}

// execPsum narrows accumulators to rounded, saturated int16 or widens them
// back.
func execPsum(c *Psum, acc *Scratchpad) {
	for m := range c.M {
		for n := range c.N {
			wide := c.Acc.Base + 4*(m*c.Acc.RowStride+n)
			half := c.Half + 2*(m*c.HalfRowStride+n)
			if c.Narrow {
				v := quant.RoundingDivideByPOT(acc.int32At(wide), c.Shift)
				binary.LittleEndian.PutUint16(acc.data[half:], uint16(int16(quant.Clamp(int64(v), math.MinInt16, math.MaxInt16))))
			} else {
				v := int32(int16(binary.LittleEndian.Uint16(acc.data[half:])))
				acc.putInt32(wide, v<<c.Shift)
			}
		}
	}
}

// execEltwise runs an element-wise operation.
func execEltwise(c *Eltwise, act, wgt, acc *Scratchpad) {
	in := Operand8{Signed: c.Signed}
	for r := range c.Rows {
		for col := range c.Cols {
			x := in.Value(act.data[c.A+r*c.ARowStride+col*c.AColStride])
			switch c.Kind {
			case EltLUT:
				act.data[c.Out+r*c.OutRowStride+col] = wgt.data[c.LUT+int(byte(x))]
			case EltAdd:
				y := in.Value(act.data[c.B+r*c.BRowStride+col*c.BColStride])
				act.data[c.Out+r*c.OutRowStride+col] = byte(quant.Clamp(int64(c.Add.Apply(x, y)), c.Lo, c.Hi))
			case EltMul:
				y := in.Value(act.data[c.B+r*c.BRowStride+col*c.BColStride])
				acc.putInt32(c.Acc.Base+4*(r*c.Acc.RowStride+col), (x+c.MulOffsets[0])*(y+c.MulOffsets[1]))
			}
		}
	}
}

// execPool reduces each window of each channel.
func execPool(c *Pool, act *Scratchpad) {
	in := Operand8{Signed: c.Signed}
	a := &c.In
	for p := range c.Pixels {
		iy0, ix0 := a.pixel(p)
		for ch := range a.Channels {
			var best, sum, count int32
			for ky := range a.FilterH {
				iy := iy0 + ky*a.DilationH
				for kx := range a.FilterW {
					ix := ix0 + kx*a.DilationW
					if iy < 0 || iy >= a.ImageH || ix < 0 || ix >= a.ImageW {
						continue
					}
					v := in.Value(act.data[a.Base+(iy-a.TileY)*a.RowStride+(ix-a.TileX)*a.PixelStride+a.Channel+ch])
					if count == 0 || v > best {
						best = v
					}
					sum += v
					count++
				}
			}
			v := best
			if !c.Max {
				v = quant.AveragePoolRound(sum, count)
			}
			act.data[c.Out+p*c.OutPixelStride+ch] = byte(quant.Clamp(int64(v), c.Lo, c.Hi))
		}
	}
}

// execSoftmax runs the fixed-point softmax row by row.
func execSoftmax(c *Softmax, act *Scratchpad) {
	in := Operand8{Signed: c.Signed}
	t := quant.Uint8
	if c.Signed {
		t = quant.Int8
	}
	row, out := make([]int32, c.Depth), make([]int32, c.Depth)
	for r := range c.Rows {
		for i := range row {
			row[i] = in.Value(act.data[c.In+r*c.InRowStride+i])
		}
		c.Params.SoftmaxRow(row, out, t)
		for i, v := range out {
			act.data[c.Out+r*c.OutRowStride+i] = byte(v)
		}
	}
}

// execDepthwise accumulates each output channel's taps in (row, column)
// order, in the command's accumulation mode.
func execDepthwise(c *Depthwise, act, wgt, acc *Scratchpad) {
	a := &c.In
	ac := newAccumulator(c.Mode)
	outC := a.Channels * c.Multiplier
	for p := range c.Pixels {
		iy0, ix0 := a.pixel(p)
		for j := range outC {
			ch := a.Channel + j/c.Multiplier
			var s int64
			for ky := range a.FilterH {
				iy := iy0 + ky*a.DilationH
				for kx := range a.FilterW {
					ix := ix0 + kx*a.DilationW
					if iy < 0 || iy >= a.ImageH || ix < 0 || ix >= a.ImageW {
						continue
					}
					x := c.AOperand.Value(act.data[a.Base+(iy-a.TileY)*a.RowStride+(ix-a.TileX)*a.PixelStride+ch])
					w := c.WOperand.Value(wgt.data[c.W+(ky*a.FilterW+kx)*c.WTapStride+j])
					s = ac.add(s, int64(x)*int64(w))
				}
			}
			acc.putInt32(c.Acc.Base+4*(p*c.Acc.RowStride+j), int32(s))
		}
	}
}
