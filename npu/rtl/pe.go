package rtl

import (
	"fmt"

	"github.com/npusim/npusim/npu"
)

// Operand is the value on one wire of the array in one cycle, with its valid
// bit and a last bit that marks the final element of a stream.
type Operand struct {
	Value int32
	Valid bool
	Last  bool
}

// PE is the register state of one processing element.
type PE struct {
	// Stationary is the weight (weight stationary) or the output's running
	// sum (output stationary).
	Stationary int32
	// Act is the activation passing right; ActLast marks the last one of
	// its row's stream.
	Act int32
	// Down is the partial sum (weight stationary) or the weight (output
	// stationary) passing down.
	Down int32

	StationaryValid bool
	ActValid        bool
	ActLast         bool
	DownValid       bool
}

// east is what the PE drives to its right neighbour: its activation register.
func (p *PE) east() Operand { return Operand{Value: p.Act, Valid: p.ActValid, Last: p.ActLast} }

// south is what the PE drives to the neighbour below in a streaming cycle:
// its Down register.
func (p *PE) south() Operand { return Operand{Value: p.Down, Valid: p.DownValid} }

// stationary is what the PE drives down while the stationary registers
// shift (weight loading, result draining).
func (p *PE) stationary() Operand { return Operand{Value: p.Stationary, Valid: p.StationaryValid} }

// nextWS writes a weight-stationary PE's next state to q: the activation
// from the west moves into Act, and when it, the partial sum from the north
// and the weight are valid, Down becomes psum + activation x weight at the
// accumulator's width.
func (p *PE) nextWS(q *PE, west, psum Operand, acc *adder) {
	*q = *p
	q.ActValid, q.ActLast = west.Valid, west.Last
	if west.Valid {
		q.Act = west.Value
	}
	q.DownValid = west.Valid && psum.Valid && p.StationaryValid
	if q.DownValid {
		q.Down = acc.add(int64(psum.Value), int64(west.Value)*int64(p.Stationary))
	}
}

// nextOS writes an output-stationary PE's next state to q: the activation
// moves right into Act, the weight down into Down, and when both are valid
// their product is added to Stationary at the accumulator's width.
func (p *PE) nextOS(q *PE, west, north Operand, acc *adder) {
	*q = *p
	q.ActValid, q.ActLast = west.Valid, west.Last
	if west.Valid {
		q.Act = west.Value
	}
	q.DownValid = north.Valid
	if north.Valid {
		q.Down = north.Value
	}
	if west.Valid && north.Valid {
		q.Stationary = acc.add(int64(p.Stationary), int64(west.Value)*int64(north.Value))
		q.StationaryValid = true
	}
}

// adder is an accumulator's adder: a sum of two values, saturated or wrapped
// to the accumulator's width.
type adder struct {
	shift    uint // 64 - width
	saturate bool
	lo, hi   int64
}

func newAdder(m npu.Accumulation) (adder, error) {
	if m.Bits != 16 && m.Bits != 24 && m.Bits != 32 {
		return adder{}, fmt.Errorf("accumulator width %d, want 16, 24 or 32", m.Bits)
	}
	if m.Overflow != npu.Saturate && m.Overflow != npu.Wrap {
		return adder{}, fmt.Errorf("accumulator overflow %q, want saturate or wrap", m.Overflow)
	}
	return adder{shift: uint(64 - m.Bits), saturate: m.Overflow == npu.Saturate,
		lo: -1 << (m.Bits - 1), hi: 1<<(m.Bits-1) - 1}, nil
}

// add returns x + y saturated to [lo, hi] or wrapped to the width (its low
// bits, sign extended).
func (a *adder) add(x, y int64) int32 {
	s := x + y
	if a.saturate {
		return int32(min(max(s, a.lo), a.hi))
	}
	return int32(s << a.shift >> a.shift)
}

// narrow reads a stored 32-bit value into the accumulator's width: its low
// bits, sign extended.
func (a adder) narrow(x int32) int32 { return int32(int64(x) << a.shift >> a.shift) }
