package npu

import (
	"encoding/binary"
	"fmt"

	"github.com/npusim/npusim/quant"
)

// The commands of vendor-fused layers, on the datapaths of FusionConfig.

// RequantAdd requantizes an M x N block of accumulators and adds a residual
// before the one rounding: output (m, n) is
//
//	clamp(ZeroPoint + RoundedSum(acc + bias, mult, skip - SkipZero, SkipMult), Lo, Hi)
//
// with the bias and multiplier of record n (a multiplier from
// QuantizeMultiplier) and skip the 8-bit value at activation address
// Skip + m*SkipRowStride + n. A convolution followed by an ADD rounds its
// output, then the ADD rescales both operands and rounds again; this rounds
// once (quant.RoundedSum).
type RequantAdd struct {
	M             int              `json:"m"`
	N             int              `json:"n"`
	Acc           AccRegion        `json:"acc"`
	Records       int              `json:"records"`
	Skip          int              `json:"skip"`
	SkipRowStride int              `json:"skipRowStride"`
	SkipOperand   Operand8         `json:"skipOperand"`
	SkipMult      quant.Multiplier `json:"skipMult"`
	ZeroPoint     int32            `json:"zeroPoint"`
	Lo            int32            `json:"lo"`
	Hi            int32            `json:"hi"`
	Out           int              `json:"out"`
	OutRowStride  int              `json:"outRowStride"`
}

// Unit implements Operation.
func (r *RequantAdd) Unit() Unit { return UnitRequant }

// Name implements Operation.
func (r *RequantAdd) Name() string { return "requant.add" }

func (r *RequantAdd) key() string { return "requantAdd" }

// AppendFootprint implements Operation: accumulators, records and the skip
// operand are read, the outputs written.
func (r *RequantAdd) AppendFootprint(s []Span) []Span {
	return append(s, accSpan(r.Acc, r.M, r.N, false),
		Span{SRAM: WeightSRAM, Lo: r.Records, Hi: r.Records + r.N*RecordBytes},
		Span{SRAM: ActivationSRAM, Lo: r.Skip, Hi: r.Skip + (r.M-1)*r.SkipRowStride + r.N},
		Span{SRAM: ActivationSRAM, Lo: r.Out, Hi: r.Out + (r.M-1)*r.OutRowStride + r.N, Write: true})
}

// Check implements Operation.
func (r *RequantAdd) Check(cfg *Config, _ uint64) error {
	if !positive(r.M, r.N) || r.Lo > r.Hi {
		return fmt.Errorf("bad dimensions %dx%d or clamp [%d, %d]", r.M, r.N, r.Lo, r.Hi)
	}
	if cfg.Fusion.Residual == nil {
		return fmt.Errorf("the requantization unit of %s has no residual path (fusion.residual)", cfg.Name)
	}
	return nil
}

// Cycles implements Compute: the outputs stream through the residual lanes.
func (r *RequantAdd) Cycles(cfg *Config) int {
	return pipelined(r.M*r.N, cfg.Fusion.Residual.Lanes, cfg.Requant.PipelineDepth)
}

// Counters implements Compute.
func (r *RequantAdd) Counters(*Config) Counters {
	var k Counters
	n := uint64(r.M * r.N)
	k.SRAMRead[AccumulatorSRAM], k.SRAMRead[WeightSRAM], k.SRAMRead[ActivationSRAM] = 4*n, uint64(r.N*RecordBytes), n
	k.SRAMWrite[ActivationSRAM] = n
	k.ResidualOutputs = n
	return k
}

// MACpJ implements Compute.
func (r *RequantAdd) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (r *RequantAdd) Execute(sp *Scratchpads, _ *Config) {
	act, wgt, acc := sp[ActivationSRAM], sp[WeightSRAM], sp[AccumulatorSRAM]
	for n := range r.N {
		rec := readRecord(wgt, r.Records+n*RecordBytes)
		for m := range r.M {
			v := acc.int32At(r.Acc.Base+4*(m*r.Acc.RowStride+n)) + rec.bias
			skip := r.SkipOperand.Value(act.data[r.Skip+m*r.SkipRowStride+n])
			q := int64(r.ZeroPoint) + quant.RoundedSum(v, rec.mult, skip, r.SkipMult)
			act.data[r.Out+m*r.OutRowStride+n] = byte(quant.Clamp(q, r.Lo, r.Hi))
		}
	}
}

// RequantWide is a Requant that writes 16-bit outputs, little-endian, two
// bytes each (OutRowStride counts outputs): the intermediate of a fused
// pair kept at 16 bits.
type RequantWide struct {
	Requant
}

// Name implements Operation.
func (r *RequantWide) Name() string { return "requant.wide" }

func (r *RequantWide) key() string { return "requantWide" }

// AppendFootprint implements Operation.
func (r *RequantWide) AppendFootprint(s []Span) []Span {
	return append(s, accSpan(r.Acc, r.M, r.N, false),
		Span{SRAM: WeightSRAM, Lo: r.Records, Hi: r.Records + r.N*RecordBytes},
		Span{SRAM: ActivationSRAM, Lo: r.Out, Hi: r.Out + 2*((r.M-1)*r.OutRowStride+r.N), Write: true})
}

// Check implements Operation.
func (r *RequantWide) Check(cfg *Config, dram uint64) error {
	if cfg.Fusion.WideDepthwise == nil {
		return fmt.Errorf("%s has no 16-bit intermediate path (fusion.wide_depthwise)", cfg.Name)
	}
	return r.Requant.Check(cfg, dram)
}

// Counters implements Compute: a Requant's, with two bytes per output.
func (r *RequantWide) Counters(cfg *Config) Counters {
	k := r.Requant.Counters(cfg)
	k.SRAMWrite[ActivationSRAM] *= 2
	return k
}

// Execute implements Compute.
func (r *RequantWide) Execute(sp *Scratchpads, _ *Config) {
	act, wgt, acc := sp[ActivationSRAM], sp[WeightSRAM], sp[AccumulatorSRAM]
	for n := range r.N {
		rec := readRecord(wgt, r.Records+n*RecordBytes)
		for m := range r.M {
			v := acc.int32At(r.Acc.Base+4*(m*r.Acc.RowStride+n)) + rec.bias
			q := r.Variant.Requantize(v, rec.mult, r.ZeroPoint, r.Lo, r.Hi)
			binary.LittleEndian.PutUint16(act.data[r.Out+2*(m*r.OutRowStride+n):], uint16(int16(q)))
		}
	}
}

// DepthwiseWide is a Depthwise whose input activations are 16-bit
// (little-endian; In's PixelStride and RowStride count bytes, channel ch of
// a pixel is at byte 2*ch), less AOperand.Zero. A 16x8 multiply takes two of
// the vector unit's lanes.
type DepthwiseWide struct {
	Depthwise
}

// Name implements Operation.
func (d *DepthwiseWide) Name() string { return "vector.depthwise.wide" }

func (d *DepthwiseWide) key() string { return "depthwiseWide" }

// Check implements Operation.
func (d *DepthwiseWide) Check(cfg *Config, dram uint64) error {
	if cfg.Fusion.WideDepthwise == nil {
		return fmt.Errorf("%s has no 16-bit depthwise path (fusion.wide_depthwise)", cfg.Name)
	}
	return d.Depthwise.Check(cfg, dram)
}

// Cycles implements Compute: one MAC per two lanes.
func (d *DepthwiseWide) Cycles(cfg *Config) int {
	return pipelined(d.MACs(), max(cfg.Vector.Lanes/2, 1), cfg.Vector.PipelineDepth)
}

// Counters implements Compute.
func (d *DepthwiseWide) Counters(*Config) Counters {
	var k Counters
	k.WideMACs = uint64(d.MACs())
	k.SRAMRead[ActivationSRAM], k.SRAMRead[WeightSRAM] = 2*k.WideMACs, k.WideMACs
	k.SRAMWrite[AccumulatorSRAM] = 4 * uint64(d.Pixels*d.In.Channels*d.Multiplier)
	return k
}

// Execute implements Compute.
func (d *DepthwiseWide) Execute(sp *Scratchpads, _ *Config) {
	act, wgt, acc := sp[ActivationSRAM], sp[WeightSRAM], sp[AccumulatorSRAM]
	a := &d.In
	ac := newAccumulator(d.Mode)
	for p := range d.Pixels {
		iy0, ix0 := a.pixel(p)
		for j := range a.Channels * d.Multiplier {
			ch := a.Channel + j/d.Multiplier
			var s int64
			for ky := range a.FilterH {
				for kx := range a.FilterW {
					iy, ix := iy0+ky*a.DilationH, ix0+kx*a.DilationW
					if iy < 0 || iy >= a.ImageH || ix < 0 || ix >= a.ImageW {
						continue
					}
					at := a.Base + (iy-a.TileY)*a.RowStride + (ix-a.TileX)*a.PixelStride + 2*ch
					x := int32(int16(binary.LittleEndian.Uint16(act.data[at:]))) - d.AOperand.Zero
					w := d.WOperand.Value(wgt.data[d.W+(ky*a.FilterW+kx)*d.WTapStride+j])
					s = ac.add(s, int64(x)*int64(w))
				}
			}
			acc.putInt32(d.Acc.Base+4*(p*d.Acc.RowStride+j), int32(s))
		}
	}
}
