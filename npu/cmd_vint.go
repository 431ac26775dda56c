package npu

import (
	"encoding/binary"
	"fmt"
	"math"
)

// This file holds the vector unit's integer commands: the few primitives of
// a DSP's vector datapath over blocks of int32 lanes in the accumulator
// scratchpad (add and subtract, shifts, logic, compare and select, minimum
// and maximum, 16x16 multiplies of lane halves and, where the hardware has
// them, 32x32 multiplies), a load of a per-column operand from the
// requantization records and a narrowing store of 8-bit outputs. A driver
// builds from them the arithmetic the requantization unit or the array
// lacks. Each command is one operation per lane: M x N lane operations
// stream through the datapath's lanes behind the vector pipeline.

// VSource is an operand of a vector integer command: an immediate when Imm
// is set, else element (m, n) of a block of int32 lanes in the accumulator
// scratchpad at Base + 4*(m*RowStride + n*ColStride). A stride of 0
// broadcasts: RowStride 0 gives every row the same values (a per-column
// operand), ColStride 0 every column (a per-row operand).
type VSource struct {
	Imm       *int32 `json:"imm,omitempty"`
	Base      int    `json:"base,omitempty"`
	RowStride int    `json:"rowStride,omitempty"`
	ColStride int    `json:"colStride,omitempty"`
}

// Imm returns an immediate operand.
func Imm(v int32) VSource { return VSource{Imm: &v} }

// Block returns the operand of an accumulator block, element (m, n) at
// r.Base + 4*(m*r.RowStride + n).
func Block(r AccRegion) VSource { return VSource{Base: r.Base, RowStride: r.RowStride, ColStride: 1} }

// Row returns a per-column operand: the row of int32 at base, the same for
// every row of the command.
func Row(base int) VSource { return VSource{Base: base, ColStride: 1} }

// Column returns a per-row operand: element m at base + 4*m*stride, the
// same for every column of the command.
func Column(base, stride int) VSource { return VSource{Base: base, RowStride: stride} }

// span is the byte range an operand of an m x n command reads, and whether
// it reads at all.
func (s VSource) span(m, n int) (Span, bool) {
	if s.Imm != nil {
		return Span{}, false
	}
	return Span{SRAM: AccumulatorSRAM, Lo: s.Base, Hi: s.Base + 4*((m-1)*s.RowStride+(n-1)*s.ColStride) + 4}, true
}

// elements is the number of distinct lanes an operand of an m x n command
// reads: a broadcast operand is read once.
func (s VSource) elements(m, n int) int {
	switch {
	case s.Imm != nil:
		return 0
	case s.RowStride == 0 && s.ColStride == 0:
		return 1
	case s.RowStride == 0:
		return n
	case s.ColStride == 0:
		return m
	}
	return m * n
}

func (s VSource) check() error {
	if s.Imm == nil && (s.Base < 0 || s.RowStride < 0 || s.ColStride < 0) {
		return fmt.Errorf("bad operand %+v", s)
	}
	return nil
}

// row reads row m of the operand into dst (n lanes).
func (s VSource) row(acc *Scratchpad, m int, dst []int32) {
	if s.Imm != nil {
		for i := range dst {
			dst[i] = *s.Imm
		}
		return
	}
	at := s.Base + 4*m*s.RowStride
	if s.ColStride == 1 {
		for i := range dst {
			dst[i] = int32(binary.LittleEndian.Uint32(acc.data[at+4*i:]))
		}
		return
	}
	for i := range dst {
		dst[i] = int32(binary.LittleEndian.Uint32(acc.data[at+4*i*s.ColStride:]))
	}
}

// storeRow writes n lanes to row m of an accumulator block.
func storeRow(acc *Scratchpad, r AccRegion, m int, v []int32) {
	at := r.Base + 4*m*r.RowStride
	for i, x := range v {
		binary.LittleEndian.PutUint32(acc.data[at+4*i:], uint32(x))
	}
}

// checkVectorInt verifies an integer command's shape against the hardware.
func checkVectorInt(cfg *Config, m, n int, srcs ...VSource) error {
	if cfg.Vector.Integer == nil {
		return fmt.Errorf("the vector unit of %s has no integer datapath", cfg.Name)
	}
	if !positive(m, n) {
		return fmt.Errorf("bad dimensions %dx%d", m, n)
	}
	for _, s := range srcs {
		if err := s.check(); err != nil {
			return err
		}
	}
	return nil
}

// intCycles is the cycle count of n lane operations on the integer datapath.
func intCycles(cfg *Config, n int) int {
	return pipelined(n, cfg.Vector.Integer.Lanes, cfg.Vector.PipelineDepth)
}

// intCounters counts n lane operations reading srcs and writing wrote lanes
// of int32 to the accumulator scratchpad.
func intCounters(m, n, wrote int, srcs ...VSource) Counters {
	var k Counters
	k.VectorInt.Ops = uint64(m * n)
	for _, s := range srcs {
		k.SRAMRead[AccumulatorSRAM] += 4 * uint64(s.elements(m, n))
	}
	k.SRAMWrite[AccumulatorSRAM] = 4 * uint64(wrote)
	return k
}

// VALUOp is an operation of the vector integer ALU.
type VALUOp string

// The ALU operations. Shifts take their amount from the low 5 bits of B,
// as 32-bit SIMD shifters do; comparisons give -1 (all ones) where they
// hold and 0 elsewhere, the mask a select takes.
const (
	VAdd VALUOp = "add" // A + B, wrapping
	VSub VALUOp = "sub" // A - B, wrapping
	VAnd VALUOp = "and"
	VOr  VALUOp = "or"
	VXor VALUOp = "xor"
	VShl VALUOp = "shl" // A << B, wrapping
	VLsr VALUOp = "lsr" // A >> B, logical
	VAsr VALUOp = "asr" // A >> B, arithmetic
	VMin VALUOp = "min"
	VMax VALUOp = "max"
	VEq  VALUOp = "eq"  // A == B
	VGt  VALUOp = "gt"  // A > B, signed
	VGtu VALUOp = "gtu" // A > B, unsigned
	VSel VALUOp = "sel" // C != 0 ? A : B
)

// aluOps lists the operations aluRow computes (select is separate).
var aluOps = map[VALUOp]bool{VAdd: true, VSub: true, VAnd: true, VOr: true, VXor: true, VShl: true, VLsr: true,
	VAsr: true, VMin: true, VMax: true, VEq: true, VGt: true, VGtu: true}

// aluRow computes a[i] = op(a[i], b[i]) for a row of lanes.
func aluRow(op VALUOp, a, b []int32) {
	b = b[:len(a)]
	switch op {
	case VAdd:
		for i := range a {
			a[i] += b[i]
		}
	case VSub:
		for i := range a {
			a[i] -= b[i]
		}
	case VAnd:
		for i := range a {
			a[i] &= b[i]
		}
	case VOr:
		for i := range a {
			a[i] |= b[i]
		}
	case VXor:
		for i := range a {
			a[i] ^= b[i]
		}
	default:
		aluShiftCompare(op, a, b)
	}
}

// aluShiftCompare is aluRow for shifts, minimum and maximum, and compares.
func aluShiftCompare(op VALUOp, a, b []int32) {
	for i := range a {
		x, y := a[i], b[i]
		switch op {
		case VShl:
			a[i] = x << (y & 31)
		case VLsr:
			a[i] = int32(uint32(x) >> (y & 31))
		case VAsr:
			a[i] = x >> (y & 31)
		case VMin:
			a[i] = min(x, y)
		case VMax:
			a[i] = max(x, y)
		case VEq:
			a[i] = mask(x == y)
		case VGt:
			a[i] = mask(x > y)
		case VGtu:
			a[i] = mask(uint32(x) > uint32(y))
		}
	}
}

func mask(ok bool) int32 {
	if ok {
		return -1
	}
	return 0
}

// VALU applies an ALU operation lane by lane to an M x N block: Dst(m, n)
// = Op(A(m, n), B(m, n)), or for a select C(m, n) != 0 ? A(m, n) : B(m, n).
type VALU struct {
	Op  VALUOp    `json:"op"`
	M   int       `json:"m"`
	N   int       `json:"n"`
	A   VSource   `json:"a"`
	B   VSource   `json:"b"`
	C   VSource   `json:"c,omitzero"`
	Dst AccRegion `json:"dst"`
}

// Unit implements Operation.
func (v *VALU) Unit() Unit { return UnitVector }

// Name implements Operation.
func (v *VALU) Name() string { return "vector." + string(v.Op) }

func (v *VALU) key() string { return "valu" }

func (v *VALU) sources() []VSource {
	if v.Op == VSel {
		return []VSource{v.A, v.B, v.C}
	}
	return []VSource{v.A, v.B}
}

// AppendFootprint implements Operation.
func (v *VALU) AppendFootprint(s []Span) []Span {
	return intFootprint(s, v.M, v.N, v.Dst, v.sources()...)
}

// intFootprint appends to s the footprint of an m x n integer command:
// its block operands read, its destination written.
func intFootprint(s []Span, m, n int, dst AccRegion, srcs ...VSource) []Span {
	for _, src := range srcs {
		if sp, ok := src.span(m, n); ok {
			s = append(s, sp)
		}
	}
	return append(s, accSpan(dst, m, n, true))
}

// Check implements Operation.
func (v *VALU) Check(cfg *Config, _ uint64) error {
	if !aluOps[v.Op] && v.Op != VSel {
		return fmt.Errorf("unknown vector integer operation %q", v.Op)
	}
	return checkVectorInt(cfg, v.M, v.N, v.sources()...)
}

// Cycles implements Compute: one lane operation per element.
func (v *VALU) Cycles(cfg *Config) int { return intCycles(cfg, v.M*v.N) }

// Counters implements Compute.
func (v *VALU) Counters(*Config) Counters { return intCounters(v.M, v.N, v.M*v.N, v.sources()...) }

// MACpJ implements Compute.
func (v *VALU) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute: row by row over the whole block.
func (v *VALU) Execute(sp *Scratchpads, _ *Config) {
	acc := sp[AccumulatorSRAM]
	a, b, c := make([]int32, v.N), make([]int32, v.N), make([]int32, v.N)
	for m := range v.M {
		v.A.row(acc, m, a)
		v.B.row(acc, m, b)
		if v.Op == VSel {
			v.C.row(acc, m, c)
			for i := range a {
				if c[i] == 0 {
					a[i] = b[i]
				}
			}
		} else {
			aluRow(v.Op, a, b)
		}
		storeRow(acc, v.Dst, m, a)
	}
}

// VMul16 multiplies 16-bit halves of its operands' lanes into 32-bit
// products: Dst(m, n) = half(A(m, n)) * half(B(m, n)), each half the high
// or low 16 bits, read as signed or unsigned. Every such product fits 32
// bits; an unsigned x unsigned one is stored as its 32-bit pattern.
type VMul16 struct {
	M       int       `json:"m"`
	N       int       `json:"n"`
	A       VSource   `json:"a"`
	AHigh   bool      `json:"aHigh,omitempty"`
	ASigned bool      `json:"aSigned,omitempty"`
	B       VSource   `json:"b"`
	BHigh   bool      `json:"bHigh,omitempty"`
	BSigned bool      `json:"bSigned,omitempty"`
	Dst     AccRegion `json:"dst"`
}

// Unit implements Operation.
func (v *VMul16) Unit() Unit { return UnitVector }

// Name implements Operation.
func (v *VMul16) Name() string { return "vector.mul16" }

func (v *VMul16) key() string { return "vmul16" }

// AppendFootprint implements Operation.
func (v *VMul16) AppendFootprint(s []Span) []Span { return intFootprint(s, v.M, v.N, v.Dst, v.A, v.B) }

// Check implements Operation.
func (v *VMul16) Check(cfg *Config, _ uint64) error { return checkVectorInt(cfg, v.M, v.N, v.A, v.B) }

// Cycles implements Compute: one multiply per lane.
func (v *VMul16) Cycles(cfg *Config) int { return intCycles(cfg, v.M*v.N) }

// Counters implements Compute.
func (v *VMul16) Counters(*Config) Counters {
	k := intCounters(v.M, v.N, v.M*v.N, v.A, v.B)
	k.VectorInt.Ops, k.VectorInt.Mul16 = 0, uint64(v.M*v.N)
	return k
}

// MACpJ implements Compute.
func (v *VMul16) MACpJ(*Config) (float64, error) { return 0, nil }

// half extracts a 16-bit half of a lane.
func half(x int32, high, signed bool) int64 {
	if high {
		x >>= 16
	}
	if signed {
		return int64(int16(x))
	}
	return int64(uint16(x))
}

// Execute implements Compute.
func (v *VMul16) Execute(sp *Scratchpads, _ *Config) {
	acc := sp[AccumulatorSRAM]
	a, b := make([]int32, v.N), make([]int32, v.N)
	for m := range v.M {
		v.A.row(acc, m, a)
		v.B.row(acc, m, b)
		for i := range a {
			a[i] = int32(half(a[i], v.AHigh, v.ASigned) * half(b[i], v.BHigh, v.BSigned))
		}
		storeRow(acc, v.Dst, m, a)
	}
}

// VMul32 multiplies whole lanes, signed, into 64-bit products and writes
// their high 32 bits to Hi and their low 32 bits to Lo. It needs a 32-bit
// datapath.
type VMul32 struct {
	M  int       `json:"m"`
	N  int       `json:"n"`
	A  VSource   `json:"a"`
	B  VSource   `json:"b"`
	Hi AccRegion `json:"hi"`
	Lo AccRegion `json:"lo"`
}

// Unit implements Operation.
func (v *VMul32) Unit() Unit { return UnitVector }

// Name implements Operation.
func (v *VMul32) Name() string { return "vector.mul32" }

func (v *VMul32) key() string { return "vmul32" }

// AppendFootprint implements Operation.
func (v *VMul32) AppendFootprint(s []Span) []Span {
	return append(intFootprint(s, v.M, v.N, v.Hi, v.A, v.B), accSpan(v.Lo, v.M, v.N, true))
}

// Check implements Operation.
func (v *VMul32) Check(cfg *Config, _ uint64) error {
	if err := checkVectorInt(cfg, v.M, v.N, v.A, v.B); err != nil {
		return err
	}
	if cfg.Vector.Integer.MultiplierBits < 32 {
		return fmt.Errorf("the vector unit of %s has %d-bit multipliers, not 32x32",
			cfg.Name, cfg.Vector.Integer.MultiplierBits)
	}
	return nil
}

// Cycles implements Compute: one multiply per lane.
func (v *VMul32) Cycles(cfg *Config) int { return intCycles(cfg, v.M*v.N) }

// Counters implements Compute.
func (v *VMul32) Counters(*Config) Counters {
	k := intCounters(v.M, v.N, 2*v.M*v.N, v.A, v.B)
	k.VectorInt.Ops, k.VectorInt.Mul32 = 0, uint64(v.M*v.N)
	return k
}

// MACpJ implements Compute.
func (v *VMul32) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (v *VMul32) Execute(sp *Scratchpads, _ *Config) {
	acc := sp[AccumulatorSRAM]
	a, b := make([]int32, v.N), make([]int32, v.N)
	for m := range v.M {
		v.A.row(acc, m, a)
		v.B.row(acc, m, b)
		for i := range a {
			p := int64(a[i]) * int64(b[i])
			a[i], b[i] = int32(p>>32), int32(p)
		}
		storeRow(acc, v.Hi, m, a)
		storeRow(acc, v.Lo, m, b)
	}
}

// RecordField names a field of the requantization records.
type RecordField string

// The fields a VField command reads.
const (
	FieldBias  RecordField = "bias"
	FieldQ     RecordField = "q"
	FieldShift RecordField = "shift"
)

var fieldOffset = map[RecordField]int{FieldBias: 0, FieldQ: 4, FieldShift: 8}

// VField loads one field of N consecutive requantization records (in the
// weight scratchpad at Records) into a row of N int32 lanes at Dst: the
// per-column operands of an emulated requantization.
type VField struct {
	N       int         `json:"n"`
	Records int         `json:"records"`
	Field   RecordField `json:"field"`
	Dst     int         `json:"dst"`
}

// Unit implements Operation.
func (v *VField) Unit() Unit { return UnitVector }

// Name implements Operation.
func (v *VField) Name() string { return "vector.field" }

func (v *VField) key() string { return "vfield" }

// AppendFootprint implements Operation.
func (v *VField) AppendFootprint(s []Span) []Span {
	return append(s, Span{SRAM: WeightSRAM, Lo: v.Records, Hi: v.Records + v.N*RecordBytes},
		Span{SRAM: AccumulatorSRAM, Lo: v.Dst, Hi: v.Dst + 4*v.N, Write: true})
}

// Check implements Operation.
func (v *VField) Check(cfg *Config, _ uint64) error {
	if _, ok := fieldOffset[v.Field]; !ok {
		return fmt.Errorf("unknown record field %q", v.Field)
	}
	return checkVectorInt(cfg, 1, v.N)
}

// Cycles implements Compute: one lane per column.
func (v *VField) Cycles(cfg *Config) int { return intCycles(cfg, v.N) }

// Counters implements Compute.
func (v *VField) Counters(*Config) Counters {
	k := intCounters(1, v.N, v.N)
	k.SRAMRead[WeightSRAM] = 4 * uint64(v.N)
	return k
}

// MACpJ implements Compute.
func (v *VField) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (v *VField) Execute(sp *Scratchpads, _ *Config) {
	wgt, acc := sp[WeightSRAM], sp[AccumulatorSRAM]
	off := fieldOffset[v.Field]
	for n := range v.N {
		acc.putInt32(v.Dst+4*n, wgt.int32At(v.Records+n*RecordBytes+off))
	}
}

// VNarrow stores an M x N block of int32 lanes as 8-bit outputs, saturated
// to the signed or unsigned 8-bit range: output (m, n) goes to activation
// address Out + m*OutRowStride + n.
type VNarrow struct {
	M            int     `json:"m"`
	N            int     `json:"n"`
	A            VSource `json:"a"`
	Signed       bool    `json:"signed,omitempty"`
	Out          int     `json:"out"`
	OutRowStride int     `json:"outRowStride"`
}

// Unit implements Operation.
func (v *VNarrow) Unit() Unit { return UnitVector }

// Name implements Operation.
func (v *VNarrow) Name() string { return "vector.narrow" }

func (v *VNarrow) key() string { return "vnarrow" }

// AppendFootprint implements Operation.
func (v *VNarrow) AppendFootprint(s []Span) []Span {
	a, _ := v.A.span(v.M, v.N)
	return append(s, a, Span{SRAM: ActivationSRAM, Lo: v.Out, Hi: v.Out + (v.M-1)*v.OutRowStride + v.N, Write: true})
}

// Check implements Operation.
func (v *VNarrow) Check(cfg *Config, _ uint64) error {
	if v.A.Imm != nil {
		return fmt.Errorf("narrowing an immediate")
	}
	return checkVectorInt(cfg, v.M, v.N, v.A)
}

// Cycles implements Compute: one lane per output.
func (v *VNarrow) Cycles(cfg *Config) int { return intCycles(cfg, v.M*v.N) }

// Counters implements Compute.
func (v *VNarrow) Counters(*Config) Counters {
	k := intCounters(v.M, v.N, 0, v.A)
	k.SRAMWrite[ActivationSRAM] = uint64(v.M * v.N)
	return k
}

// MACpJ implements Compute.
func (v *VNarrow) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (v *VNarrow) Execute(sp *Scratchpads, _ *Config) {
	acc, act := sp[AccumulatorSRAM], sp[ActivationSRAM]
	lo, hi := int64(0), int64(math.MaxUint8)
	if v.Signed {
		lo, hi = math.MinInt8, math.MaxInt8
	}
	a := make([]int32, v.N)
	for m := range v.M {
		v.A.row(acc, m, a)
		out := act.data[v.Out+m*v.OutRowStride:]
		for i, x := range a {
			out[i] = byte(min(max(int64(x), lo), hi))
		}
	}
}
