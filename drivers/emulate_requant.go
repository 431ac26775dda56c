package drivers

import (
	"math"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/quant"
)

// This file lowers a requantization the requantization unit cannot do to a
// sequence of the vector unit's integer commands (npu.VALU, VMul16, VMul32,
// VField, VNarrow): the 64-bit product of the accumulator and the channel's
// significand from 32x32 multiplies, or from four 16x16 ones where the
// multipliers are 16 bits wide, then the variant's rounding from shifts,
// masks, compares and selects, exactly as package quant defines it.
// docs/exact.md derives each sequence; the property tests hold them to
// quant over millions of random pairs.

// requantJob is one requantization of an m x n accumulator block: the
// requant command it replaces.
type requantJob struct {
	v         quant.Variant
	m, n      int
	acc       npu.AccRegion
	records   int
	zp, lo    int32
	hi        int32
	signed    bool
	out       int
	outStride int
}

// jobOf describes a requant command as a job.
func jobOf(r *npu.Requant, signed bool) requantJob {
	return requantJob{v: r.Variant, m: r.M, n: r.N, acc: r.Acc, records: r.Records, zp: r.ZeroPoint, lo: r.Lo, hi: r.Hi,
		signed: signed, out: r.Out, outStride: r.OutRowStride}
}

// vectorScratch is where a sequence keeps its temporaries in the
// accumulator scratchpad: blocks of m x n int32 from temps, and rows of n
// int32 (per-column operands) from rows.
type vectorScratch struct {
	temps, rows int
}

// emulatedVariant reports whether a sequence exists for the variant: every
// integer variant (fp32 is not integer arithmetic).
func emulatedVariant(v quant.Variant) bool { return v.Mode != quant.FP32 }

// scratchTemps is the number of m x n temporaries a variant's sequence uses
// on a datapath with multipliers of the given width.
func scratchTemps(v quant.Variant, bits int) int {
	switch {
	case !doubleRounding(v):
		return 4
	case bits < 32:
		return 3
	}
	return 2
}

// scratchRows is the number of per-column rows any sequence uses.
const scratchRows = 10

func doubleRounding(v quant.Variant) bool {
	return v.Mode == quant.DoubleRounding || v.Mode == quant.DoubleRoundingNoSat
}

// seq collects the commands of a sequence over m x n blocks.
type seq struct {
	m, n int
	s    vectorScratch
	ops  []npu.Operation
}

// t is temporary i, an m x n block.
func (q *seq) t(i int) npu.AccRegion {
	return npu.AccRegion{Base: q.s.temps + 4*i*q.m*q.n, RowStride: q.n}
}

// row is per-column row i as an operand; rowAt is its address.
func (q *seq) row(i int) npu.VSource { return npu.Row(q.rowAt(i)) }
func (q *seq) rowAt(i int) int       { return q.s.rows + 4*i*q.n }

// alu appends an ALU command over the whole block.
func (q *seq) alu(op npu.VALUOp, dst npu.AccRegion, a, b npu.VSource) {
	q.ops = append(q.ops, &npu.VALU{Op: op, M: q.m, N: q.n, A: a, B: b, Dst: dst})
}

// sel appends a select over the whole block: c != 0 ? a : b.
func (q *seq) sel(dst npu.AccRegion, c, a, b npu.VSource) {
	q.ops = append(q.ops, &npu.VALU{Op: npu.VSel, M: q.m, N: q.n, A: a, B: b, C: c, Dst: dst})
}

// rowALU appends an ALU command over per-column row dst.
func (q *seq) rowALU(op npu.VALUOp, dst int, a, b npu.VSource) {
	q.ops = append(q.ops, &npu.VALU{Op: op, M: 1, N: q.n, A: a, B: b, Dst: q.rowRegion(dst)})
}

// field appends the load of a record field into per-column row dst.
func (q *seq) field(f npu.RecordField, records, dst int) {
	q.ops = append(q.ops, &npu.VField{N: q.n, Records: records, Field: f, Dst: q.rowAt(dst)})
}

// mul16 appends a 16x16 multiply of halves (high?, signed?) of a and b.
func (q *seq) mul16(dst npu.AccRegion, a npu.VSource, aHigh, aSigned bool, b npu.VSource, bHigh, bSigned bool) {
	q.ops = append(q.ops, &npu.VMul16{M: q.m, N: q.n, Dst: dst,
		A: a, AHigh: aHigh, ASigned: aSigned, B: b, BHigh: bHigh, BSigned: bSigned})
}

func blk(r npu.AccRegion) npu.VSource { return npu.Block(r) }
func imm(v int32) npu.VSource         { return npu.Imm(v) }

// The per-column rows of a sequence.
const (
	rowBias = iota
	rowQ
	rowShift // the record's shift, then derived amounts
	rowLeft
	rowRight
	rowMask
	rowHalf
	rowRoundLo
	rowRoundHi
	rowPathB
)

// vectorRequant lowers a requantization job to vector integer commands on
// a datapath with bits-wide multipliers, using scratch s.
func vectorRequant(j requantJob, bits int, s vectorScratch) []npu.Operation {
	q := vectorScale(j, bits, s)
	q.output(j, j.acc)
	return q.ops
}

// vectorScale is the first part of a requantization: the bias and the
// variant's scaling of the accumulators in place (Variant.Scale).
func vectorScale(j requantJob, bits int, s vectorScratch) *seq {
	q := &seq{m: j.m, n: j.n, s: s}
	q.field(npu.FieldBias, j.records, rowBias)
	q.field(npu.FieldQ, j.records, rowQ)
	q.field(npu.FieldShift, j.records, rowShift)
	x := j.acc
	q.alu(npu.VAdd, x, blk(x), q.row(rowBias)) // the bias, wrapping as the accumulator does
	if doubleRounding(j.v) {
		q.doubleRounding(j.v, bits, x)
	} else {
		q.singleRounding(j.v, bits, x)
	}
	return q
}

// doubleRounding scales x in place: RoundingDivideByPOT(
// SaturatingRoundingDoublingHighMul(x << left, Q), right).
func (q *seq) doubleRounding(v quant.Variant, bits int, x npu.AccRegion) {
	q.rowALU(npu.VMax, rowLeft, q.row(rowShift), imm(0))
	q.rowALU(npu.VSub, rowRight, imm(0), q.row(rowShift))
	q.rowALU(npu.VMax, rowRight, q.row(rowRight), imm(0))
	q.rowALU(npu.VShl, rowMask, imm(1), q.row(rowRight))
	q.rowALU(npu.VSub, rowMask, q.row(rowMask), imm(1))
	q.rowALU(npu.VAsr, rowHalf, q.row(rowMask), imm(1))
	q.alu(npu.VShl, x, blk(x), q.row(rowLeft)) // wraps, as TFLite's int32 shift does
	hi, lo := q.t(0), q.t(1)
	if bits >= 32 {
		q.ops = append(q.ops, &npu.VMul32{M: q.m, N: q.n, A: blk(x), B: q.row(rowQ), Hi: hi, Lo: lo})
		q.alu(npu.VLsr, lo, blk(lo), imm(30)) // the top two bits of the low word
	} else {
		q.highAndTop2(x, hi, lo, q.t(2))
	}
	// floor((p + 2^30) / 2^31) = 2*hi + ((lo >>> 30) + 1) >> 1
	q.alu(npu.VAdd, lo, blk(lo), imm(1))
	q.alu(npu.VAsr, lo, blk(lo), imm(1))
	q.alu(npu.VShl, hi, blk(hi), imm(1))
	q.alu(npu.VAdd, x, blk(hi), blk(lo))
	if v.Mode == quant.DoubleRounding {
		// only INT32_MIN x INT32_MIN reaches 2^31, which wrapped to INT32_MIN
		q.alu(npu.VEq, hi, blk(x), imm(math.MinInt32))
		q.alu(npu.VAdd, x, blk(x), blk(hi))
	}
	q.roundingDivide(x, q.t(0), q.t(1))
}

// highAndTop2 computes, from four 16x16 products, the high word of the
// 64-bit product x*Q into hi and the top two bits of its low word into t2
// (Hacker's Delight's mulhs, u = Q, v = x), with scratch t.
func (q *seq) highAndTop2(x, hi, t2, t npu.AccRegion) {
	xs, qs := blk(x), q.row(rowQ)
	q.mul16(t2, xs, false, false, qs, false, false) // w0 = x.lo * Q.lo, unsigned
	q.mul16(hi, xs, false, false, qs, true, true)   // x.lo * Q.hi
	q.alu(npu.VLsr, t, blk(t2), imm(16))
	q.alu(npu.VAdd, hi, blk(hi), blk(t))         // t = x.lo*Q.hi + (w0 >>> 16)
	q.alu(npu.VAnd, t2, blk(hi), imm(0xffff))    // w1 = t & 0xffff
	q.alu(npu.VAsr, hi, blk(hi), imm(16))        // w2 = t >> 16
	q.mul16(t, xs, true, true, qs, false, false) // x.hi * Q.lo
	q.alu(npu.VAdd, t2, blk(t2), blk(t))         // w1 += x.hi*Q.lo
	q.mul16(t, xs, true, true, qs, true, true)   // x.hi * Q.hi
	q.alu(npu.VAdd, hi, blk(hi), blk(t))         // + w2
	q.alu(npu.VAsr, t, blk(t2), imm(16))         // + (w1 >> 16)
	q.alu(npu.VAdd, hi, blk(hi), blk(t))         // the high word
	q.alu(npu.VLsr, t2, blk(t2), imm(14))        // bits 30, 31 of the low word
	q.alu(npu.VAnd, t2, blk(t2), imm(3))         // are bits 14, 15 of w1
}

// roundingDivide divides x in place by 2^right, rounding to nearest with
// halves away from zero (RoundingDivideByPOT), with scratch a and b.
func (q *seq) roundingDivide(x, a, b npu.AccRegion) {
	q.alu(npu.VAnd, a, blk(x), q.row(rowMask))  // remainder
	q.alu(npu.VAsr, b, blk(x), imm(31))         // -1 where x < 0
	q.alu(npu.VSub, b, q.row(rowHalf), blk(b))  // threshold = half + (x < 0)
	q.alu(npu.VGt, a, blk(a), blk(b))           // -1 where remainder > threshold
	q.alu(npu.VAsr, x, blk(x), q.row(rowRight)) // floor
	q.alu(npu.VSub, x, blk(x), blk(a))          // + 1 where it rounds up
}

// output clamps x to the activation range less the zero point, adds the
// zero point and narrows to 8 bits: clamp(x + zp, lo, hi) without the
// wrap x + zp could make near INT32_MAX.
func (q *seq) output(j requantJob, x npu.AccRegion) {
	q.alu(npu.VMax, x, blk(x), imm(j.lo-j.zp))
	q.alu(npu.VMin, x, blk(x), imm(j.hi-j.zp))
	q.alu(npu.VAdd, x, blk(x), imm(j.zp))
	q.ops = append(q.ops, &npu.VNarrow{M: q.m, N: q.n, A: blk(x), Signed: j.signed, Out: j.out, OutRowStride: j.outStride})
}

// singleRounding scales x in place for the single-rounding family
// (single-rounding, round-half-away, truncate, any multiplier width, and
// mult24): the 64-bit product p = x*Q, rounded once and shifted right by
// total = F - shift, saturated to int32. It holds for totals from 1 to 62,
// which the compiler checks on the layer's records (singleRoundingOK).
func (q *seq) singleRounding(v quant.Variant, bits int, x npu.AccRegion) {
	q.totalRows(v)
	hi, lo := q.t(0), q.t(1)
	if bits >= 32 {
		q.ops = append(q.ops, &npu.VMul32{M: q.m, N: q.n, A: blk(x), B: q.row(rowQ), Hi: hi, Lo: lo})
	} else {
		q.product64(x, hi, lo, q.t(2), q.t(3))
	}
	a, b := q.t(2), q.t(3)
	if v.Mode == quant.RoundHalfAway { // p - 1 where p < 0
		q.alu(npu.VAsr, a, blk(hi), imm(31))
		q.alu(npu.VEq, b, blk(lo), imm(0))
		q.alu(npu.VAnd, b, blk(b), blk(a)) // the borrow
		q.alu(npu.VAdd, lo, blk(lo), blk(a))
		q.alu(npu.VAdd, hi, blk(hi), blk(b))
	}
	if v.Mode != quant.Truncate { // p + 2^(total-1), with the carry
		q.alu(npu.VAdd, lo, blk(lo), q.row(rowRoundLo))
		q.alu(npu.VGtu, a, q.row(rowRoundLo), blk(lo))
		q.alu(npu.VSub, hi, blk(hi), blk(a))
		q.alu(npu.VAdd, hi, blk(hi), q.row(rowRoundHi))
	}
	q.shiftRight64(x, hi, lo, a, b)
}

// totalRows derives the per-column rows of a single rounding from the
// record's shift: total = F - shift, the rounding constant 2^(total-1) as a
// high and a low word, and the amounts and path mask of a 64-bit shift.
func (q *seq) totalRows(v quant.Variant) {
	const total, over32 = rowShift, rowLeft
	q.rowALU(npu.VSub, total, imm(int32(v.FracBits())), q.row(rowShift))
	q.rowALU(npu.VGt, over32, q.row(total), imm(32))
	q.rowALU(npu.VSub, rowRoundLo, q.row(total), imm(1))
	q.rowALU(npu.VShl, rowRoundLo, imm(1), q.row(rowRoundLo))
	q.rowALU(npu.VSub, rowRoundHi, q.row(total), imm(33))
	q.rowALU(npu.VShl, rowRoundHi, imm(1), q.row(rowRoundHi))
	q.ops = append(q.ops,
		&npu.VALU{Op: npu.VSel, M: 1, N: q.n, A: imm(0), B: q.row(rowRoundLo), C: q.row(over32),
			Dst: q.rowRegion(rowRoundLo)},
		&npu.VALU{Op: npu.VSel, M: 1, N: q.n, A: q.row(rowRoundHi), B: imm(0), C: q.row(over32),
			Dst: q.rowRegion(rowRoundHi)})
	q.rowALU(npu.VSub, rowMask, imm(32), q.row(total))  // 32 - total
	q.rowALU(npu.VSub, rowRight, q.row(total), imm(32)) // total - 32
	q.rowALU(npu.VGt, rowPathB, q.row(total), imm(31))  // total >= 32
}

// rowRegion is per-column row i as a destination.
func (q *seq) rowRegion(i int) npu.AccRegion { return npu.AccRegion{Base: q.rowAt(i), RowStride: q.n} }

// product64 computes the 64-bit product x*Q from four 16x16 products: its
// high word into hi and its low word into lo, with scratch a and b.
func (q *seq) product64(x, hi, lo, a, b npu.AccRegion) {
	xs, qs := blk(x), q.row(rowQ)
	q.mul16(lo, xs, false, false, qs, false, false) // w0
	q.mul16(hi, xs, false, false, qs, true, true)
	q.alu(npu.VLsr, a, blk(lo), imm(16))
	q.alu(npu.VAdd, hi, blk(hi), blk(a))     // t
	q.alu(npu.VAnd, a, blk(hi), imm(0xffff)) // w1
	q.alu(npu.VAsr, hi, blk(hi), imm(16))    // w2
	q.mul16(b, xs, true, true, qs, false, false)
	q.alu(npu.VAdd, a, blk(a), blk(b)) // w1
	q.mul16(b, xs, true, true, qs, true, true)
	q.alu(npu.VAdd, hi, blk(hi), blk(b))
	q.alu(npu.VAsr, b, blk(a), imm(16))
	q.alu(npu.VAdd, hi, blk(hi), blk(b)) // the high word
	q.alu(npu.VShl, a, blk(a), imm(16))
	q.alu(npu.VAnd, lo, blk(lo), imm(0xffff))
	q.alu(npu.VOr, lo, blk(lo), blk(a)) // the low word: w1 << 16 | w0 & 0xffff
}

// shiftRight64 shifts (hi, lo) right arithmetically by total (1 to 62) and
// saturates the quotient to int32 into x, with scratch a and b: below 32
// the low word takes bits of both words, from 32 on only the high word's.
func (q *seq) shiftRight64(x, hi, lo, a, b npu.AccRegion) {
	q.alu(npu.VLsr, a, blk(lo), q.row(rowShift))
	q.alu(npu.VShl, b, blk(hi), q.row(rowMask))
	q.alu(npu.VOr, a, blk(a), blk(b))            // low word, total < 32
	q.alu(npu.VAsr, b, blk(hi), q.row(rowRight)) // low word, total >= 32
	q.sel(a, q.row(rowPathB), blk(b), blk(a))
	q.alu(npu.VAsr, b, blk(hi), q.row(rowShift)) // high word, total < 32
	q.alu(npu.VAsr, lo, blk(hi), imm(31))        // high word, total >= 32
	q.sel(b, q.row(rowPathB), blk(lo), blk(b))
	q.alu(npu.VAsr, lo, blk(a), imm(31))
	q.alu(npu.VEq, lo, blk(lo), blk(b)) // the quotient fits int32
	q.alu(npu.VAsr, b, blk(b), imm(31))
	q.alu(npu.VXor, b, blk(b), imm(math.MaxInt32)) // else INT32_MIN or INT32_MAX
	q.sel(x, blk(lo), blk(a), blk(b))
}

// singleRoundingOK reports whether every multiplier's total right shift,
// F - shift, lies in 1..62, where the single-rounding sequence holds.
func singleRoundingOK(v quant.Variant, mults []quant.Multiplier) bool {
	for _, m := range mults {
		if t := v.FracBits() - m.Shift; t < 1 || t > 62 {
			return false
		}
	}
	return true
}
