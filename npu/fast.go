package npu

import (
	"math"
	"unsafe"

	"github.com/npusim/npusim/internal/kernels"
	"github.com/npusim/npusim/quant"
)

// This file computes the values of MatMul, Depthwise and Requant commands
// with the int8 kernels of internal/kernels (SIMD where the CPU has it).
// The plain loops of cmd_matmul.go, cmd_requant.go and cmd_vector.go stay
// the specification: a test runs both on random commands and requires
// identical scratchpads. The kernels sum in wrapping int32 arithmetic,
// which is associative, so they give the hardware's result whenever the
// accumulator wraps; a saturating accumulator depends on the order of the
// additions and keeps the plain loops. The kernels also need operands whose
// zero points are stored values (the byte range of their type) and
// accumulators they can address as int32s in place (word-aligned regions on
// a little-endian host); other commands take the plain loops.

// littleEndian reports whether the host stores an int32's low byte first,
// as the scratchpads' int32s are laid out.
var littleEndian = func() bool {
	x := uint32(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// wordBacked allocates n bytes that are also addressable as int32 words:
// the bytes and, on little-endian hosts, the words over the same memory.
func wordBacked(n int) ([]byte, []int32) {
	if n == 0 {
		return []byte{}, nil
	}
	words := make([]int32, (n+3)/4)
	data := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n)
	if !littleEndian {
		return data, nil
	}
	return data, words
}

// int32s returns the n int32s from byte addr as a view of the scratchpad,
// or nil when they cannot be addressed in place.
func (s *Scratchpad) int32s(addr, n int) []int32 {
	if s.words == nil || addr%4 != 0 {
		return nil
	}
	return s.words[addr/4 : addr/4+n]
}

// workspace holds what the fast kernels of one set of scratchpads reuse
// from command to command: packing buffers and decoded requantization
// records. The units of one NPU run on one engine thread, so one workspace
// serves them all. (Packed weight blocks are not kept from one MatMul to
// the next: on MobileNet v2 the weights packed are 4.5 MB against 280 M
// MACs, and keeping them measured no faster.)
type workspace struct {
	a    kernels.PackedA
	b    kernels.PackedB
	bias []int32
	mult []quant.Multiplier
}

// storedZero reports whether an operand's zero point is one of its stored
// values: what the kernels assume.
func storedZero(o Operand8) bool {
	if o.Signed {
		return o.Zero >= math.MinInt8 && o.Zero <= math.MaxInt8
	}
	return o.Zero >= 0 && o.Zero <= math.MaxUint8
}

// window is the kernels' description of an im2col operand.
func (a *Im2col) window() kernels.Window {
	return kernels.Window{Base: a.Base, RowStride: a.RowStride, PixelStride: a.PixelStride, TileY: a.TileY, TileX: a.TileX,
		ImageH: a.ImageH, ImageW: a.ImageW, OutY: a.OutY, OutX: a.OutX, OutW: a.OutW, FilterH: a.FilterH, FilterW: a.FilterW,
		StrideH: a.StrideH, StrideW: a.StrideW, DilationH: a.DilationH, DilationW: a.DilationW, PadTop: a.PadTop,
		PadLeft: a.PadLeft, Channel: a.Channel, Channels: a.Channels}
}

// wrapRows wraps rows x cols accumulators, stride apart, to a narrow
// wrapping accumulator's width.
func wrapRows(acc []int32, rows, cols, stride, bits int) {
	if bits >= 32 {
		return
	}
	for r := range rows {
		kernels.WrapInt32(acc[r*stride:][:cols], bits)
	}
}

// executeFast computes a MatMul with the GEMM kernel and reports whether
// it could.
func (m *MatMul) executeFast(sp *Scratchpads) bool {
	if m.Mode.Overflow != Wrap || !storedZero(m.AOperand) || !storedZero(m.BOperand) {
		return false
	}
	acc := sp[AccumulatorSRAM].int32s(m.Acc.Base, (m.M-1)*m.Acc.RowStride+m.N)
	if acc == nil {
		return false
	}
	work := sp[AccumulatorSRAM].work
	err := kernels.PackA(&work.a, sp[ActivationSRAM].data, m.A.window(), m.M, m.A.K0, m.K, kernels.Operand(m.AOperand))
	if err != nil {
		return false
	}
	kernels.PackB(&work.b, sp[WeightSRAM].data[m.B:], m.N, m.K, m.BColStride, m.BRowStride, kernels.Operand(m.BOperand))
	kernels.Gemm(acc, m.Acc.RowStride, &work.a, &work.b, m.Accumulate)
	wrapRows(acc, m.M, m.N, m.Acc.RowStride, m.Mode.Bits)
	return true
}

// executeFast computes a Depthwise with the depthwise kernel and reports
// whether it could.
func (d *Depthwise) executeFast(sp *Scratchpads) bool {
	if d.Mode.Overflow != Wrap || !storedZero(d.AOperand) || !storedZero(d.WOperand) {
		return false
	}
	outC := d.In.Channels * d.Multiplier
	acc := sp[AccumulatorSRAM].int32s(d.Acc.Base, (d.Pixels-1)*d.Acc.RowStride+outC)
	if acc == nil {
		return false
	}
	kernels.Depthwise(acc, d.Acc.RowStride, sp[ActivationSRAM].data, d.In.window(), d.Pixels, kernels.Operand(d.AOperand),
		sp[WeightSRAM].data[d.W:], d.WTapStride, kernels.Operand(d.WOperand), d.Multiplier)
	wrapRows(acc, d.Pixels, outC, d.Acc.RowStride, d.Mode.Bits)
	return true
}

// executeFast requantizes with the requantization kernel, the records
// decoded once per command, and reports whether it could.
func (r *Requant) executeFast(sp *Scratchpads, perChannel bool) bool {
	acc := sp[AccumulatorSRAM].int32s(r.Acc.Base, (r.M-1)*r.Acc.RowStride+r.N)
	if acc == nil {
		return false
	}
	work := sp[AccumulatorSRAM].work
	work.bias, work.mult = grow(work.bias, r.N), grow(work.mult, r.N)
	first := readRecord(sp[WeightSRAM], r.Records)
	for n := range r.N {
		rec := readRecord(sp[WeightSRAM], r.Records+n*RecordBytes)
		work.bias[n], work.mult[n] = rec.bias, rec.mult
		if !perChannel { // a per-tensor requantizer holds the first record's multiplier
			work.mult[n] = first.mult
		}
	}
	kernels.Requantize(sp[ActivationSRAM].data[r.Out:], r.OutRowStride, acc, r.Acc.RowStride, r.M, r.N,
		work.bias, work.mult, r.Variant, r.ZeroPoint, r.Lo, r.Hi)
	return true
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// executeFast computes an element-wise ADD with each input's scaling looked
// up and reports whether it could (an ADD, not another kind). TFLite's ADD
// (quant.AddParams.Apply) scales each input on its own to a common scale
// and requantizes their sum; a stored input has 256 values, so its scaled
// values fit a table, and each element costs one requantization instead of
// three.
func (e *Eltwise) executeFast(sp *Scratchpads) bool {
	if e.Kind != EltAdd {
		return false
	}
	tx, ty := addTables(e.Add, e.Signed)
	act := sp[ActivationSRAM].data
	for r := range e.Rows {
		a, b, out := e.A+r*e.ARowStride, e.B+r*e.BRowStride, act[e.Out+r*e.OutRowStride:][:e.Cols]
		for c := range out {
			v := e.Add.Combine(tx[act[a+c*e.AColStride]], ty[act[b+c*e.BColStride]])
			out[c] = byte(min(max(v, e.Lo), e.Hi))
		}
	}
	return true
}

// addTables returns each input's scaled value (quant.AddParams.ScaleInput)
// per stored byte.
func addTables(p quant.AddParams, signed bool) (tx, ty [256]int32) {
	in := Operand8{Signed: signed}
	for b := range 256 {
		v := in.Value(byte(b))
		tx[b], ty[b] = p.ScaleInput(0, v), p.ScaleInput(1, v)
	}
	return tx, ty
}
