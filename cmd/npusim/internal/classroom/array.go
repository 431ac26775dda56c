package classroom

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/rtl"
	"github.com/npusim/npusim/quant"
)

// ArrayHW is the hardware panel 2 animates: the 8 x 8 teaching array.
const ArrayHW = "tiny"

// MaxArrayDim bounds each of M, K and N in panel 2: up to two folds of the
// tiny array in each direction, a few hundred cycles to step through.
const MaxArrayDim = 16

// maxArrayFrames bounds the cycles recorded (far above what MaxArrayDim
// allows).
const maxArrayFrames = 4096

// ArrayRequest is panel 2's input: an M x K by K x N product of seeded
// operands, then requantization by Multiplier under Variant.
type ArrayRequest struct {
	M          int     `json:"m"`
	K          int     `json:"k"`
	N          int     `json:"n"`
	Seed       uint64  `json:"seed"`
	Variant    string  `json:"variant"`
	Multiplier float64 `json:"multiplier"`
}

// DefaultArrayRequest is a product small enough to follow by hand: one fold
// of 4 rows and 3 columns streaming 5 activation rows.
func DefaultArrayRequest() ArrayRequest {
	return ArrayRequest{M: 5, K: 4, N: 3, Seed: 1, Variant: "double-rounding", Multiplier: 0.3}
}

// ArrayView is panel 2: the product, its folds with their cycle formula, and
// every cycle of the register-level model.
type ArrayView struct {
	HW       string  `json:"hw"`
	Rows     int     `json:"rows"`
	Cols     int     `json:"cols"`
	Dataflow string  `json:"dataflow"`
	ClockMHz float64 `json:"clockMHz"`
	M        int     `json:"m"`
	K        int     `json:"k"`
	N        int     `json:"n"`
	// A (M x K) and B (K x N) are the operands; Acc their product as the
	// array left it in the accumulator memory; Out the requantized codes.
	A   [][]int32 `json:"a"`
	B   [][]int32 `json:"b"`
	Acc [][]int32 `json:"acc"`
	Out [][]int32 `json:"out"`
	// Variant, Multiplier (Q and shift, or a float32 scale) and Lanes
	// describe the requantization.
	Variant    string `json:"variant"`
	Multiplier string `json:"multiplier"`
	Lanes      int    `json:"lanes"`
	Folds      []Fold `json:"folds"`
	// MatMulCycles is what the array took, FastCycles what the fast model's
	// formula gives (docs/timing.md); RequantCycles what the pipeline took
	// and RequantFormula ceil(M N / lanes) + depth.
	MatMulCycles   int      `json:"matmulCycles"`
	FastCycles     int      `json:"fastCycles"`
	RequantCycles  int      `json:"requantCycles"`
	RequantFormula string   `json:"requantFormula"`
	Stages         []string `json:"stages"`
	Frames         []Frame  `json:"frames"`
}

// Fold is one fold of the product: the array rows and columns it uses, the
// rows it streams, its first cycle and its length by the formula
// 2r + c + t - 2.
type Fold struct {
	Index    int    `json:"index"`
	Rows     int    `json:"r"`
	Cols     int    `json:"c"`
	Streamed int    `json:"t"`
	K0       int    `json:"k0"`
	N0       int    `json:"n0"`
	Start    int    `json:"start"`
	Cycles   int    `json:"cycles"`
	Formula  string `json:"formula"`
}

// Frame is one cycle: the unit at work, the array's registers and edges, the
// accumulator memory and the requantization pipeline. Values that are not
// valid in the cycle are null.
type Frame struct {
	Cycle int    `json:"cycle"`
	Unit  string `json:"unit"` // "array", "requant" or "done"
	Phase string `json:"phase"`
	Fold  int    `json:"fold"`
	T     int    `json:"t"`
	// PEs[r][c] holds the PE's weight, activation and partial sum.
	PEs   [][]PE   `json:"pes"`
	West  []*int32 `json:"west"`
	North []*int32 `json:"north"`
	// Writes are this cycle's accumulator writes.
	Writes []Write `json:"writes"`
	// Acc is the accumulator memory at the start of the cycle (null where
	// nothing has been written yet); Out the outputs written so far.
	Acc [][]*int32 `json:"acc"`
	Out [][]*int32 `json:"out"`
	// Stages[s][l] is requantization stage s of lane l: the element it
	// carries and its value.
	Stages [][]*Stage `json:"stages"`
}

// PE is one processing element's registers (null when not valid).
type PE struct {
	Weight *int32 `json:"w"`
	Act    *int32 `json:"a"`
	Psum   *int32 `json:"p"`
}

// Write is one accumulator write: output row Row, column Col takes Value.
type Write struct {
	Row   int   `json:"row"`
	Col   int   `json:"col"`
	Value int32 `json:"value"`
}

// Stage is one valid requantization register: output element (Row, Col)
// and the stage's value, formatted (a float in fp32's multiply and round
// stages).
type Stage struct {
	Row   int    `json:"row"`
	Col   int    `json:"col"`
	Value string `json:"value"`
}

// validate checks a request; errors name the field as the page does.
func (r ArrayRequest) validate() (quant.Variant, error) {
	for _, d := range []struct {
		name string
		v    int
	}{{"m", r.M}, {"k", r.K}, {"n", r.N}} {
		if d.v < 1 || d.v > MaxArrayDim {
			return quant.Variant{}, fmt.Errorf("%s: must be from 1 to %d, got %d", d.name, MaxArrayDim, d.v)
		}
	}
	if !(r.Multiplier > 0 && r.Multiplier < 1) {
		return quant.Variant{}, fmt.Errorf("multiplier: must be above 0 and below 1, got %v", r.Multiplier)
	}
	v, err := quant.ParseVariant(r.Variant)
	if err != nil {
		return quant.Variant{}, fmt.Errorf("variant: %w", err)
	}
	return v, nil
}

// Animate runs the request's product on the tiny array's register-level
// model, then its requantization, recording every cycle.
func Animate(req ArrayRequest) (*ArrayView, error) {
	variant, err := req.validate()
	if err != nil {
		return nil, err
	}
	cfg, err := npu.LoadConfig(ArrayHW)
	if err != nil {
		return nil, err
	}
	mode, ok := cfg.RequantMode(variant)
	if !ok {
		return nil, fmt.Errorf("variant: %s has no %v mode", cfg.Name, variant)
	}
	acc := cfg.Array.Accumulators[0]
	mm, rc := operands(req, variant, npu.Accumulation{Bits: acc.Bits, Overflow: acc.Overflow})
	clk := rtl.NewClock()
	array := rtl.MakeArrayBuilder().WithConfig(cfg.Array).WithClock(clk).Build("npu.array")
	requant := rtl.MakeRequantBuilder().WithVariant(variant).WithLanes(mode.Lanes).WithClock(clk).Build("npu.requant")
	rec := rtl.NewRecorder(maxArrayFrames)
	rec.RecordArray(array)
	rec.RecordRequant(requant)
	if err := rec.Attach(clk); err != nil {
		return nil, err
	}
	v := &ArrayView{HW: cfg.Name, Rows: cfg.Array.Rows, Cols: cfg.Array.Cols, Dataflow: string(cfg.Array.Dataflow),
		ClockMHz: cfg.ClockMHz, M: req.M, K: req.K, N: req.N,
		Variant: variant.String(), Multiplier: formatMultiplier(variant, rc.Multipliers[0]), Lanes: mode.Lanes}
	if v.MatMulCycles, err = array.Run(mm); err != nil {
		return nil, err
	}
	if v.RequantCycles, err = requant.Run(rc); err != nil {
		return nil, err
	}
	frames, err := rec.Close()
	if err != nil {
		return nil, err
	}
	v.A, v.B = matrix(values(mm.A, mm.AOperand), req.M, req.K), matrix(values(mm.B, mm.BOperand), req.K, req.N)
	v.Acc, v.Out = matrix(mm.Acc, req.M, req.N), matrix(rc.Out, req.M, req.N)
	v.FastCycles = npu.MatMulCycles(&npu.MatMul{M: req.M, K: req.K, N: req.N},
		cfg.Array.Rows, cfg.Array.Cols, cfg.Array.Dataflow)
	requantCycles := (req.M*req.N+mode.Lanes-1)/mode.Lanes + rtl.RequantDepth
	v.RequantFormula = fmt.Sprintf("ceil(%d / %d) + %d = %d", req.M*req.N, mode.Lanes, rtl.RequantDepth, requantCycles)
	for s := range rtl.RequantDepth {
		v.Stages = append(v.Stages, rtl.StageName(s))
	}
	v.Frames, v.Folds = v.frames(frames, variant, v.MatMulCycles)
	return v, nil
}

// operands draws the seeded operands, small enough to multiply in one's
// head (-5..5), and the requantization command for the product.
func operands(req ArrayRequest, v quant.Variant, acc npu.Accumulation) (*rtl.MatMul, *rtl.RequantCommand) {
	rng := rand.New(rand.NewPCG(req.Seed, 0xc1a55))
	draw := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(int8(rng.IntN(11) - 5))
		}
		return b
	}
	mm := &rtl.MatMul{M: req.M, K: req.K, N: req.N, A: draw(req.M * req.K), B: draw(req.K * req.N),
		AOperand: npu.Operand8{Signed: true}, BOperand: npu.Operand8{Signed: true},
		Acc: make([]int32, req.M*req.N), Mode: acc}
	rc := &rtl.RequantCommand{M: req.M, N: req.N, Acc: mm.Acc,
		Bias: make([]int32, req.N), Multipliers: make([]quant.Multiplier, req.N),
		Lo: math.MinInt8, Hi: math.MaxInt8, Out: make([]int32, req.M*req.N)}
	for i := range rc.Multipliers {
		rc.Multipliers[i] = v.MultiplierFromReal(req.Multiplier)
	}
	return mm, rc
}

func formatMultiplier(v quant.Variant, m quant.Multiplier) string {
	if v.Mode == quant.FP32 {
		return fmt.Sprintf("scale %.9g", m.Scale)
	}
	exp := m.Shift - v.FracBits()
	return fmt.Sprintf("%d × 2^%d = %.9g", m.Q, exp, math.Ldexp(float64(m.Q), exp))
}

func values(b []byte, o npu.Operand8) []int32 {
	v := make([]int32, len(b))
	for i, x := range b {
		v[i] = o.Value(x)
	}
	return v
}

func matrix(v []int32, m, n int) [][]int32 {
	out := make([][]int32, m)
	for i := range out {
		out[i] = append([]int32(nil), v[i*n:(i+1)*n]...)
	}
	return out
}
