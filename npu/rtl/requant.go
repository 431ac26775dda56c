package rtl

import (
	"fmt"
	"math"

	"github.com/npusim/npusim/quant"
)

// RequantDepth is the number of register stages of the requantization
// pipeline: bias, multiply, first rounding, shift and second rounding, zero
// point, clamp. An element read in cycle t is written out in cycle
// t + RequantDepth, so n elements on L lanes take ceil(n/L) + RequantDepth
// cycles: the fast model's formula with its pipeline_depth set to
// RequantDepth.
const RequantDepth = 6

// The stages, by index into a lane's registers.
const (
	stageBias = iota
	stageMultiply
	stageRound
	stageShift
	stageZeroPoint
	stageClamp
)

// stageNames name the stages in waveforms.
var stageNames = [RequantDepth]string{"bias", "multiply", "round", "shift", "zero_point", "clamp"}

// RequantCommand requantizes an M x N block of accumulators (row-major):
// output (m, n) is the variant's requantization of Acc[m][n] + Bias[n]
// (wrapping in 32 bits) with multiplier Multipliers[n], plus ZeroPoint,
// clamped to [Lo, Hi]; it goes to Out[m][n].
type RequantCommand struct {
	M, N        int
	Acc         []int32
	Bias        []int32
	Multipliers []quant.Multiplier
	ZeroPoint   int32
	Lo, Hi      int32
	Out         []int32
}

// stage is one pipeline register of one lane. X is the datapath value; the
// other fields travel with it to the stages that need them.
type stage struct {
	Valid bool
	// X is: the biased accumulator (bias stage); the 64-bit product, or the
	// float32 product's bits in FP32 mode (multiply); the product after the
	// first rounding, or the clamped float's bits (round); the scaled
	// integer (shift); plus the zero point (zero point); the output (clamp).
	X int64
	// Shift is the right shift still to do: the exponent of the second
	// rounding (double rounding) or the single rounding's total shift; in
	// the bias stage it is the record's shift.
	Shift int32
	// Sat is set when the doubling multiply saturates (INT32_MIN squared).
	Sat bool
	// Q and Scale are the record's multiplier, used by the multiply stage.
	Q     int32
	Scale float32
	// Index is the output element the value belongs to.
	Index int32
}

// Requant is a register-level requantization unit in one arithmetic mode:
// Lanes parallel pipelines of RequantDepth stages.
type Requant struct {
	name    string
	variant quant.Variant
	lanes   int
	clock   *Clock
	frac    int32 // fraction bits of the fixed-point multiplier

	// cur and next are the stage registers, lane-major within a stage:
	// [stage*lanes + lane].
	cur, next []stage
	// in and inBias are this cycle's inputs: the accumulators the lanes
	// read with their records, and the records' biases.
	in     []stage
	inBias []int32
	cmd    *RequantCommand
}

// RequantBuilder configures a Requant.
type RequantBuilder struct {
	variant quant.Variant
	lanes   int
	clock   *Clock
}

// MakeRequantBuilder returns a builder for an 8-lane double-rounding unit.
func MakeRequantBuilder() RequantBuilder {
	return RequantBuilder{variant: quant.VariantDoubleRounding, lanes: 8}
}

// WithVariant sets the arithmetic mode.
func (b RequantBuilder) WithVariant(v quant.Variant) RequantBuilder {
	b.variant = v
	return b
}

// WithLanes sets the number of outputs per cycle.
func (b RequantBuilder) WithLanes(n int) RequantBuilder {
	b.lanes = n
	return b
}

// WithClock sets the clock the unit shares with other components (by
// default it has its own).
func (b RequantBuilder) WithClock(c *Clock) RequantBuilder {
	b.clock = c
	return b
}

// Build returns the unit, named for its signals in waveforms
// ("npu.requant"). It panics on fewer than one lane or an unknown mode.
func (b RequantBuilder) Build(name string) *Requant {
	switch b.variant.Mode {
	case quant.DoubleRounding, quant.DoubleRoundingNoSat, quant.SingleRounding,
		quant.RoundHalfAway, quant.Truncate, quant.Mult24, quant.FP32:
	default:
		panic(fmt.Sprintf("rtl: unknown requantization mode %q", b.variant.Mode))
	}
	if b.lanes < 1 {
		panic(fmt.Sprintf("rtl: requantization unit with %d lanes", b.lanes))
	}
	clk := b.clock
	if clk == nil {
		clk = NewClock()
	}
	return &Requant{
		name: name, variant: b.variant, lanes: b.lanes, clock: clk, frac: int32(b.variant.FracBits()),
		cur: make([]stage, RequantDepth*b.lanes), next: make([]stage, RequantDepth*b.lanes),
		in: make([]stage, b.lanes), inBias: make([]int32, b.lanes),
	}
}

// Name is the unit's name.
func (p *Requant) Name() string { return p.name }

// Lanes is the number of lanes.
func (p *Requant) Lanes() int { return p.lanes }

// Variant is the unit's arithmetic mode.
func (p *Requant) Variant() quant.Variant { return p.variant }

// Run requantizes a block cycle by cycle and returns the cycles it took:
// lane l reads element g*Lanes + l (row-major) in cycle g, and the clamp
// stage's registers are written out one cycle after they fill.
func (p *Requant) Run(c *RequantCommand) (int, error) {
	n := c.M * c.N
	switch {
	case c.M < 1 || c.N < 1:
		return 0, fmt.Errorf("rtl: requant %dx%d: dimensions must be positive", c.M, c.N)
	case len(c.Acc) < n || len(c.Out) < n || len(c.Bias) < c.N || len(c.Multipliers) < c.N:
		return 0, fmt.Errorf("rtl: requant %dx%d: accumulators, outputs or records too short", c.M, c.N)
	case c.Lo > c.Hi:
		return 0, fmt.Errorf("rtl: requant clamp [%d, %d] is empty", c.Lo, c.Hi)
	}
	p.cmd = c
	clear(p.cur)
	start := p.clock.cycle
	written := 0
	for g := 0; written < n; g++ {
		for l := range p.in {
			p.in[l], p.inBias[l] = stage{}, 0
			if e := g*p.lanes + l; e < n {
				col := e % c.N
				m := c.Multipliers[col]
				p.in[l] = stage{Valid: true, X: int64(c.Acc[e]), Shift: int32(m.Shift),
					Q: m.Q, Scale: m.Scale, Index: int32(e)}
				p.inBias[l] = c.Bias[col]
			}
		}
		p.eval()
		written += p.commit()
	}
	clear(p.in)
	clear(p.inBias)
	p.cmd = nil
	return int(p.clock.cycle - start), nil
}

// eval computes every stage register's next value from the previous
// stage's current one (the first stage from the lanes' inputs).
func (p *Requant) eval() {
	for l, in := range p.in {
		// The bias stage latches the accumulator plus its column's bias
		// (a 32-bit wrapping adder) and the column's multiplier.
		in.X = int64(int32(in.X) + p.inBias[l])
		p.next[stageBias*p.lanes+l] = in
	}
	for s := stageMultiply; s < RequantDepth; s++ {
		prev, next := p.cur[(s-1)*p.lanes:s*p.lanes], p.next[s*p.lanes:(s+1)*p.lanes]
		for l := range prev {
			next[l] = prev[l]
			if prev[l].Valid {
				p.step(s, &next[l])
			}
		}
	}
}

// step applies stage s's logic to the value it latches.
func (p *Requant) step(s int, r *stage) {
	c := p.cmd
	switch s {
	case stageMultiply:
		p.multiply(r)
	case stageRound:
		p.round(r)
	case stageShift:
		p.shift(r)
	case stageZeroPoint:
		if p.variant.Mode == quant.FP32 {
			r.X = int64(int32(r.X) + c.ZeroPoint)
		} else {
			r.X += int64(c.ZeroPoint)
		}
	case stageClamp:
		if p.variant.Mode != quant.FP32 { // FP32 clamped before rounding
			r.X = min(max(r.X, int64(c.Lo)), int64(c.Hi))
		}
	}
}

// multiply is the multiply stage: the accumulator times the record's
// multiplier, in 64 bits or in float32.
func (p *Requant) multiply(r *stage) {
	x := int32(r.X)
	switch mode := p.variant.Mode; mode {
	case quant.DoubleRounding, quant.DoubleRoundingNoSat:
		// A wrapping left shift for a positive exponent, then the
		// 32 x 32 multiply; the right shift waits for stage 3.
		left, right := max(r.Shift, 0), max(-r.Shift, 0)
		x <<= left
		r.X = int64(x) * int64(r.Q)
		r.Sat = mode == quant.DoubleRounding && x == math.MinInt32 && r.Q == math.MinInt32
		r.Shift = right
	case quant.FP32:
		r.X = int64(math.Float32bits(float32(x) * r.Scale))
	default:
		r.X = int64(x) * int64(r.Q)
		r.Shift = p.frac - r.Shift // total right shift of the single rounding
	}
}

// round is the first rounding stage: the doubling high multiply, the float
// clamp, or the single rounding's constant.
func (p *Requant) round(r *stage) {
	c := p.cmd
	switch mode := p.variant.Mode; mode {
	case quant.DoubleRounding, quant.DoubleRoundingNoSat:
		// The doubling high multiply: round to nearest, ties up.
		if r.Sat {
			r.X = math.MaxInt32
			break
		}
		nudge := int64(1 << 30)
		if r.X < 0 {
			nudge = 1 - 1<<30
		}
		r.X = int64(int32((r.X + nudge) / (1 << 31)))
	case quant.FP32:
		// Clamp in float to the output range less the zero point.
		f := math.Float32frombits(uint32(r.X))
		f = min(max(f, float32(c.Lo-c.ZeroPoint)), float32(c.Hi-c.ZeroPoint))
		r.X = int64(math.Float32bits(f))
	default:
		r.X = addRoundingConstant(mode, r.X, r.Shift)
	}
}

// addRoundingConstant adds the single rounding's constant for a right shift
// by total bits to the product x: none when truncating or for shifts outside
// 1..62, half a unit otherwise, less one for negative x when rounding half
// away from zero.
func addRoundingConstant(mode quant.Mode, x int64, total int32) int64 {
	if total < 1 || total > 62 {
		return x
	}
	switch mode {
	case quant.Truncate:
	case quant.RoundHalfAway:
		if x < 0 {
			x--
		}
		x += 1 << (total - 1)
	default:
		x += 1 << (total - 1)
	}
	return x
}

// shift is the shift stage: the second rounding's right shift, the float's
// rounding to an integer, or the single rounding's shift and saturation.
func (p *Requant) shift(r *stage) {
	switch mode := p.variant.Mode; mode {
	case quant.DoubleRounding, quant.DoubleRoundingNoSat:
		r.X = int64(roundingShiftRight(int32(r.X), r.Shift))
	case quant.FP32:
		r.X = int64(int32(math.RoundToEven(float64(math.Float32frombits(uint32(r.X))))))
	default:
		r.X = int64(singleShift(mode, r.X, r.Shift))
	}
}

// roundingShiftRight divides by 2^exp rounding to nearest, ties away from
// zero (gemmlowp's RoundingDivideByPOT).
func roundingShiftRight(x, exp int32) int32 {
	mask := int32(int64(1)<<exp - 1)
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	q := x >> exp
	if x&mask > threshold {
		q++
	}
	return q
}

// singleShift finishes a single rounding: the product, with its rounding
// constant already added, shifted right by total (left when total <= 0),
// saturated to int32.
func singleShift(mode quant.Mode, p int64, total int32) int32 {
	switch {
	case total <= 0:
		if p == 0 {
			return 0
		}
		s := -total
		if s >= 31 || p > math.MaxInt64>>s || p < math.MinInt64>>s {
			if p > 0 {
				return math.MaxInt32
			}
			return math.MinInt32
		}
		return saturate32(p << s)
	case total > 62:
		// |p| < 2^62: the quotient rounds to 0, or to -1 when truncating.
		if mode == quant.Truncate && p < 0 {
			return -1
		}
		return 0
	}
	return saturate32(p >> total)
}

func saturate32(x int64) int32 { return int32(min(max(x, math.MinInt32), math.MaxInt32)) }

// commit is the clock edge: the probe samples the cycle, the clamp stage's
// valid outputs are written, and every stage register takes its next value.
// It returns the number of outputs written.
func (p *Requant) commit() int {
	p.clock.edge()
	written := 0
	for _, r := range p.cur[stageClamp*p.lanes:] {
		if r.Valid {
			p.cmd.Out[r.Index] = int32(r.X)
			written++
		}
	}
	p.cur, p.next = p.next, p.cur
	return written
}
