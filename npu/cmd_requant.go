package npu

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/npusim/npusim/quant"
)

// RecordBytes is the size of one per-channel requantization record in the
// weight scratchpad: bias (int32), multiplier significand Q (int32), shift
// (int32) and float32 scale, little-endian.
const RecordBytes = 16

// Requant turns an M x N block of accumulators into 8-bit outputs: for each
// column n it adds the bias of record n, applies the variant's scaling with
// that record's multiplier (with record 0's on a per-tensor requantizer,
// Config.Requant.Multipliers), adds ZeroPoint and clamps to [Lo, Hi].
// Output (m, n) goes to activation address Out + m*OutRowStride + n.
type Requant struct {
	M            int           `json:"m"`
	N            int           `json:"n"`
	Acc          AccRegion     `json:"acc"`
	Records      int           `json:"records"`
	Variant      quant.Variant `json:"variant"`
	ZeroPoint    int32         `json:"zeroPoint"`
	Lo           int32         `json:"lo"`
	Hi           int32         `json:"hi"`
	Out          int           `json:"out"`
	OutRowStride int           `json:"outRowStride"`
}

// Psum moves partial sums between int32 accumulators and a packed int16
// block in the accumulator scratchpad, for reductions split across passes:
// Narrow stores round(acc / 2^Shift) saturated to int16; widen restores
// int16 << Shift into the accumulators. The int16 element (m, n) is at byte
// address Half + 2*(m*HalfRowStride + n).
type Psum struct {
	Narrow        bool      `json:"narrow,omitempty"`
	M             int       `json:"m"`
	N             int       `json:"n"`
	Acc           AccRegion `json:"acc"`
	Half          int       `json:"half"`
	HalfRowStride int       `json:"halfRowStride"`
	Shift         int       `json:"shift"`
}

// Unit implements Operation.
func (r *Requant) Unit() Unit { return UnitRequant }

// Name implements Operation.
func (r *Requant) Name() string { return "requant" }

func (r *Requant) key() string { return "requant" }

// AppendFootprint implements Operation: accumulators and records are read, the
// 8-bit outputs written.
func (r *Requant) AppendFootprint(s []Span) []Span {
	return append(s, accSpan(r.Acc, r.M, r.N, false),
		Span{SRAM: WeightSRAM, Lo: r.Records, Hi: r.Records + r.N*RecordBytes},
		Span{SRAM: ActivationSRAM, Lo: r.Out, Hi: r.Out + (r.M-1)*r.OutRowStride + r.N, Write: true})
}

// Check implements Operation.
func (r *Requant) Check(cfg *Config, _ uint64) error {
	if !positive(r.M, r.N) || r.Lo > r.Hi {
		return fmt.Errorf("bad dimensions %dx%d or clamp [%d, %d]", r.M, r.N, r.Lo, r.Hi)
	}
	if _, ok := cfg.RequantMode(r.Variant); !ok {
		return fmt.Errorf("the requantization unit of %s does not implement %v (it has %v)",
			cfg.Name, r.Variant, cfg.RequantVariants())
	}
	return nil
}

// Cycles implements Compute: the outputs stream through the lanes of the
// command's mode behind the unit's pipeline.
func (r *Requant) Cycles(cfg *Config) int {
	mode, _ := cfg.RequantMode(r.Variant) // Check found it
	return pipelined(r.M*r.N, mode.Lanes, cfg.Requant.PipelineDepth)
}

// Counters implements Compute.
func (r *Requant) Counters(*Config) Counters {
	var k Counters
	n := uint64(r.M * r.N)
	k.SRAMRead[AccumulatorSRAM], k.SRAMRead[WeightSRAM] = 4*n, uint64(r.N*RecordBytes)
	k.SRAMWrite[ActivationSRAM] = n
	k.RequantOutputs = map[string]uint64{r.Variant.String(): n}
	return k
}

// MACpJ implements Compute.
func (r *Requant) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (r *Requant) Execute(sp *Scratchpads, cfg *Config) {
	perChannel := cfg.PerChannelRequant()
	if r.executeFast(sp, perChannel) {
		return
	}
	execRequant(r, perChannel, sp[ActivationSRAM], sp[WeightSRAM], sp[AccumulatorSRAM])
}

// Unit implements Operation.
func (p *Psum) Unit() Unit { return UnitRequant }

// Name implements Operation.
func (p *Psum) Name() string {
	if p.Narrow {
		return "psum.narrow"
	}
	return "psum.widen"
}

func (p *Psum) key() string { return "psum" }

// AppendFootprint implements Operation.
func (p *Psum) AppendFootprint(s []Span) []Span {
	return append(s, accSpan(p.Acc, p.M, p.N, !p.Narrow),
		Span{SRAM: AccumulatorSRAM, Lo: p.Half, Hi: p.Half + 2*((p.M-1)*p.HalfRowStride+p.N), Write: p.Narrow})
}

// Check implements Operation.
func (p *Psum) Check(*Config, uint64) error {
	if !positive(p.M, p.N) || p.Shift < 0 || p.Shift > 31 {
		return fmt.Errorf("bad dimensions %dx%d or shift %d", p.M, p.N, p.Shift)
	}
	return nil
}

// Cycles implements Compute: one element per lane of the unit's first mode.
func (p *Psum) Cycles(cfg *Config) int {
	return pipelined(p.M*p.N, cfg.Requant.Modes[0].Lanes, cfg.Requant.PipelineDepth)
}

// Counters implements Compute.
func (p *Psum) Counters(*Config) Counters {
	var k Counters
	n := uint64(p.M * p.N)
	k.PsumOps = n
	if p.Narrow {
		k.SRAMRead[AccumulatorSRAM], k.SRAMWrite[AccumulatorSRAM] = 4*n, 2*n
	} else {
		k.SRAMRead[AccumulatorSRAM], k.SRAMWrite[AccumulatorSRAM] = 2*n, 4*n
	}
	return k
}

// MACpJ implements Compute.
func (p *Psum) MACpJ(*Config) (float64, error) { return 0, nil }

// Execute implements Compute.
func (p *Psum) Execute(sp *Scratchpads, _ *Config) { execPsum(p, sp[AccumulatorSRAM]) }

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
// accumulator would) and requantizes with the column's multiplier, or with
// the first column's on a per-tensor requantizer.
func execRequant(c *Requant, perChannel bool, act, wgt, acc *Scratchpad) {
	first := readRecord(wgt, c.Records)
	for n := range c.N {
		r := readRecord(wgt, c.Records+n*RecordBytes)
		if !perChannel {
			r.mult = first.mult
		}
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
