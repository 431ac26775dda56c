package npu

import (
	"fmt"

	"github.com/npusim/npusim/quant"
)

// This file holds the vector unit's operations: element-wise arithmetic and
// table lookups, pooling, softmax and the depthwise path.

// EltwiseKind is an element-wise vector operation.
type EltwiseKind string

// The element-wise operations.
const (
	// EltAdd adds with TFLite's fixed-point ADD algorithm and clamps.
	EltAdd EltwiseKind = "add"
	// EltMul writes the zero-point-corrected products to accumulators, for
	// a Requant command to finish.
	EltMul EltwiseKind = "mul"
	// EltLUT maps every byte through a 256-entry table in the weight
	// scratchpad (logistic, standalone activations, regridding).
	EltLUT EltwiseKind = "lut"
)

// Eltwise is an element-wise operation over Rows x Cols elements. Element
// (r, c) of an operand X is at X + r*XRowStride + c*XColStride; a stride of 0
// broadcasts.
type Eltwise struct {
	Kind         EltwiseKind     `json:"kind"`
	Rows         int             `json:"rows"`
	Cols         int             `json:"cols"`
	A            int             `json:"a"`
	ARowStride   int             `json:"aRowStride"`
	AColStride   int             `json:"aColStride"`
	B            int             `json:"b,omitempty"`
	BRowStride   int             `json:"bRowStride,omitempty"`
	BColStride   int             `json:"bColStride,omitempty"`
	Signed       bool            `json:"signed,omitempty"`
	Add          quant.AddParams `json:"addParams"`
	MulOffsets   [2]int32        `json:"mulOffsets"`
	LUT          int             `json:"lut,omitempty"`
	Lo           int32           `json:"lo"`
	Hi           int32           `json:"hi"`
	Out          int             `json:"out,omitempty"`
	OutRowStride int             `json:"outRowStride,omitempty"`
	Acc          AccRegion       `json:"acc"`
}

// Unit implements Operation.
func (e *Eltwise) Unit() Unit { return UnitVector }

// Name implements Operation.
func (e *Eltwise) Name() string { return "vector." + string(e.Kind) }

func (e *Eltwise) key() string { return "eltwise" }

// AppendFootprint implements Operation.
func (e *Eltwise) AppendFootprint(s []Span) []Span {
	operand := func(base, rs, cs int) Span {
		return Span{SRAM: ActivationSRAM, Lo: base, Hi: base + (e.Rows-1)*rs + (e.Cols-1)*cs + 1}
	}
	s = append(s, operand(e.A, e.ARowStride, e.AColStride))
	switch e.Kind {
	case EltLUT:
		s = append(s, Span{SRAM: WeightSRAM, Lo: e.LUT, Hi: e.LUT + 256})
	default:
		s = append(s, operand(e.B, e.BRowStride, e.BColStride))
	}
	if e.Kind == EltMul {
		return append(s, accSpan(e.Acc, e.Rows, e.Cols, true))
	}
	return append(s, Span{SRAM: ActivationSRAM, Lo: e.Out, Hi: e.Out + (e.Rows-1)*e.OutRowStride + e.Cols, Write: true})
}

// Check implements Operation.
func (e *Eltwise) Check(*Config, uint64) error {
	if !positive(e.Rows, e.Cols) || e.Lo > e.Hi {
		return fmt.Errorf("bad dimensions %dx%d or clamp [%d, %d]", e.Rows, e.Cols, e.Lo, e.Hi)
	}
	if e.Kind != EltAdd && e.Kind != EltMul && e.Kind != EltLUT {
		return fmt.Errorf("unknown element-wise kind %q", e.Kind)
	}
	return nil
}

// Cycles implements Compute: one element per lane.
func (e *Eltwise) Cycles(cfg *Config) int {
	return pipelined(e.Rows*e.Cols, cfg.Vector.Lanes, cfg.Vector.PipelineDepth)
}

// Counters implements Compute.
func (e *Eltwise) Counters(*Config) Counters {
	var k Counters
	n := uint64(e.Rows * e.Cols)
	k.VectorOps = n
	switch e.Kind {
	case EltLUT:
		k.SRAMRead[ActivationSRAM], k.SRAMRead[WeightSRAM], k.SRAMWrite[ActivationSRAM] = n, n, n
	case EltAdd:
		k.SRAMRead[ActivationSRAM], k.SRAMWrite[ActivationSRAM] = 2*n, n
	case EltMul:
		k.SRAMRead[ActivationSRAM], k.SRAMWrite[AccumulatorSRAM] = 2*n, 4*n
	}
	return k
}

// MACpJ implements Compute.
func (e *Eltwise) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (e *Eltwise) Execute(sp *Scratchpads, _ *Config) {
	if e.executeFast(sp) {
		return
	}
	execEltwise(e, sp[ActivationSRAM], sp[WeightSRAM], sp[AccumulatorSRAM])
}

// Pool reduces windows of an NHWC tile: for every output pixel of the
// im2col description and every channel in [In.Channel, In.Channel+
// In.Channels), the maximum or the rounded mean of the in-bounds taps, then a
// clamp to [Lo, Hi]. Output pixel p, channel c goes to Out + p*OutPixelStride
// + c.
type Pool struct {
	Max            bool   `json:"max,omitempty"`
	In             Im2col `json:"in"`
	Pixels         int    `json:"pixels"`
	Signed         bool   `json:"signed,omitempty"`
	Lo             int32  `json:"lo"`
	Hi             int32  `json:"hi"`
	Out            int    `json:"out"`
	OutPixelStride int    `json:"outPixelStride"`
}

// Unit implements Operation.
func (p *Pool) Unit() Unit { return UnitVector }

// Name implements Operation.
func (p *Pool) Name() string {
	if p.Max {
		return "vector.maxpool"
	}
	return "vector.avgpool"
}

func (p *Pool) key() string { return "pool" }

// AppendFootprint implements Operation.
func (p *Pool) AppendFootprint(s []Span) []Span {
	end := (p.Pixels-1)*p.OutPixelStride + p.In.Channels
	return append(s, p.In.tileSpan(), Span{SRAM: ActivationSRAM, Lo: p.Out, Hi: p.Out + end, Write: true})
}

// Check implements Operation.
func (p *Pool) Check(*Config, uint64) error {
	if !positive(p.Pixels) || p.Lo > p.Hi {
		return fmt.Errorf("bad pixel count %d or clamp [%d, %d]", p.Pixels, p.Lo, p.Hi)
	}
	return p.In.checkWindow(p.Pixels)
}

// Cycles implements Compute: one window tap per lane.
func (p *Pool) Cycles(cfg *Config) int {
	return pipelined(p.taps(), cfg.Vector.Lanes, cfg.Vector.PipelineDepth)
}

func (p *Pool) taps() int { return p.Pixels * p.In.Channels * p.In.FilterH * p.In.FilterW }

// Counters implements Compute.
func (p *Pool) Counters(*Config) Counters {
	var k Counters
	k.VectorOps = uint64(p.taps())
	k.SRAMRead[ActivationSRAM], k.SRAMWrite[ActivationSRAM] = k.VectorOps, uint64(p.Pixels*p.In.Channels)
	return k
}

// MACpJ implements Compute.
func (p *Pool) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (p *Pool) Execute(sp *Scratchpads, _ *Config) { execPool(p, sp[ActivationSRAM]) }

// Softmax computes TFLite's fixed-point softmax over Rows rows of Depth
// elements.
type Softmax struct {
	Rows         int                 `json:"rows"`
	Depth        int                 `json:"depth"`
	In           int                 `json:"in"`
	InRowStride  int                 `json:"inRowStride"`
	Signed       bool                `json:"signed,omitempty"`
	Params       quant.SoftmaxParams `json:"params"`
	Out          int                 `json:"out"`
	OutRowStride int                 `json:"outRowStride"`
}

// Unit implements Operation.
func (s *Softmax) Unit() Unit { return UnitVector }

// Name implements Operation.
func (s *Softmax) Name() string { return "vector.softmax" }

func (s *Softmax) key() string { return "softmax" }

// AppendFootprint implements Operation.
func (s *Softmax) AppendFootprint(spans []Span) []Span {
	return append(spans, Span{SRAM: ActivationSRAM, Lo: s.In, Hi: s.In + (s.Rows-1)*s.InRowStride + s.Depth},
		Span{SRAM: ActivationSRAM, Lo: s.Out, Hi: s.Out + (s.Rows-1)*s.OutRowStride + s.Depth, Write: true})
}

// Check implements Operation.
func (s *Softmax) Check(*Config, uint64) error {
	if !positive(s.Rows, s.Depth) {
		return fmt.Errorf("bad dimensions %dx%d", s.Rows, s.Depth)
	}
	return nil
}

// Cycles implements Compute: three passes (maximum, sum of exponentials,
// outputs) and one reciprocal per row.
func (s *Softmax) Cycles(cfg *Config) int {
	return pipelined(3*s.Rows*s.Depth, cfg.Vector.Lanes, cfg.Vector.PipelineDepth) + s.Rows
}

// Counters implements Compute.
func (s *Softmax) Counters(*Config) Counters {
	var k Counters
	n := uint64(s.Rows * s.Depth)
	k.VectorOps = 3 * n
	k.SRAMRead[ActivationSRAM], k.SRAMWrite[ActivationSRAM] = 3*n, n
	return k
}

// MACpJ implements Compute.
func (s *Softmax) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (s *Softmax) Execute(sp *Scratchpads, _ *Config) { execSoftmax(s, sp[ActivationSRAM]) }

// Depthwise accumulates a depthwise convolution on the vector unit: output
// channel j of the block (j < In.Channels*Multiplier) reads input channel
// In.Channel + j/Multiplier; tap t of output channel j is at weight address
// W + t*WTapStride + j. Results go to accumulators (pixel, j).
type Depthwise struct {
	In         Im2col       `json:"in"`
	Pixels     int          `json:"pixels"`
	Multiplier int          `json:"multiplier"`
	AOperand   Operand8     `json:"aOperand"`
	W          int          `json:"w"`
	WTapStride int          `json:"wTapStride"`
	WOperand   Operand8     `json:"wOperand"`
	Acc        AccRegion    `json:"acc"`
	Mode       Accumulation `json:"mode"`
}

// Unit implements Operation.
func (d *Depthwise) Unit() Unit { return UnitVector }

// Name implements Operation.
func (d *Depthwise) Name() string { return "vector.depthwise" }

func (d *Depthwise) key() string { return "depthwise" }

// AppendFootprint implements Operation.
func (d *Depthwise) AppendFootprint(s []Span) []Span {
	outC := d.In.Channels * d.Multiplier
	return append(s, d.In.tileSpan(),
		Span{SRAM: WeightSRAM, Lo: d.W, Hi: d.W + (d.In.FilterH*d.In.FilterW-1)*d.WTapStride + outC},
		accSpan(d.Acc, d.Pixels, outC, true))
}

// Check implements Operation.
func (d *Depthwise) Check(cfg *Config, _ uint64) error {
	if !cfg.Vector.Depthwise {
		return fmt.Errorf("%s has no depthwise vector path", cfg.Name)
	}
	if !positive(d.Pixels, d.Multiplier) {
		return fmt.Errorf("bad pixel count %d or multiplier %d", d.Pixels, d.Multiplier)
	}
	if err := checkWeightZero(cfg, d.WOperand); err != nil {
		return err
	}
	if err := checkAccumulation(cfg, d.Mode); err != nil {
		return err
	}
	return d.In.checkWindow(d.Pixels)
}

// MACs is the number of multiply-accumulates of a depthwise command.
func (d *Depthwise) MACs() int {
	return d.Pixels * d.In.Channels * d.Multiplier * d.In.FilterH * d.In.FilterW
}

// Cycles implements Compute: one MAC per lane.
func (d *Depthwise) Cycles(cfg *Config) int {
	return pipelined(d.MACs(), cfg.Vector.Lanes, cfg.Vector.PipelineDepth)
}

// Counters implements Compute.
func (d *Depthwise) Counters(*Config) Counters {
	var k Counters
	k.VectorMACs = uint64(d.MACs())
	k.SRAMRead[ActivationSRAM], k.SRAMRead[WeightSRAM] = k.VectorMACs, k.VectorMACs
	k.SRAMWrite[AccumulatorSRAM] = 4 * uint64(d.Pixels*d.In.Channels*d.Multiplier)
	return k
}

// MACpJ implements Compute: vector MACs are priced by the vector unit's table.
func (d *Depthwise) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (d *Depthwise) Execute(sp *Scratchpads, _ *Config) {
	if d.executeFast(sp) {
		return
	}
	execDepthwise(d, sp[ActivationSRAM], sp[WeightSRAM], sp[AccumulatorSRAM])
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
