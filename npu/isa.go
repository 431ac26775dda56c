package npu

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/npusim/npusim/quant"
)

// SRAM names one of the three scratchpads.
type SRAM uint8

// The scratchpads.
const (
	ActivationSRAM SRAM = iota
	WeightSRAM
	AccumulatorSRAM
	numSRAMs
)

var sramNames = [...]string{"activation", "weight", "accumulator"}

// String names the scratchpad.
func (s SRAM) String() string { return sramNames[s] }

// Unit names a functional unit that executes commands.
type Unit uint8

// The units.
const (
	UnitDMA Unit = iota
	UnitMatrix
	UnitRequant
	UnitVector
	numUnits
)

var unitNames = [...]string{"dma", "matrix", "requant", "vector"}

// String names the unit.
func (u Unit) String() string { return unitNames[u] }

// MarshalText implements encoding.TextMarshaler with the unit's name.
func (u Unit) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// Command is one instruction of an NPU program: exactly one of the payload
// fields is set, and Deps lists earlier commands that must have completed
// before it may issue (the program's explicit fences).
type Command struct {
	Deps []int `json:"deps,omitempty"`
	// Layer indexes Program.Layers: the network layer the command belongs
	// to, for per-layer statistics.
	Layer int `json:"layer"`

	DMA       *DMA       `json:"dma,omitempty"`
	MatMul    *MatMul    `json:"matmul,omitempty"`
	Requant   *Requant   `json:"requant,omitempty"`
	Psum      *Psum      `json:"psum,omitempty"`
	Eltwise   *Eltwise   `json:"eltwise,omitempty"`
	Pool      *Pool      `json:"pool,omitempty"`
	Softmax   *Softmax   `json:"softmax,omitempty"`
	Depthwise *Depthwise `json:"depthwise,omitempty"`
}

// Unit returns the unit that executes the command.
func (c *Command) Unit() Unit {
	switch {
	case c.DMA != nil:
		return UnitDMA
	case c.MatMul != nil:
		return UnitMatrix
	case c.Requant != nil, c.Psum != nil:
		return UnitRequant
	}
	return UnitVector
}

// Name is a short mnemonic of the command ("dma.load", "matmul").
func (c *Command) Name() string {
	switch {
	case c.DMA != nil && c.DMA.Store:
		return "dma.store"
	case c.DMA != nil:
		return "dma.load"
	case c.MatMul != nil:
		return "matmul"
	case c.Requant != nil:
		return "requant"
	case c.Psum != nil && c.Psum.Narrow:
		return "psum.narrow"
	case c.Psum != nil:
		return "psum.widen"
	case c.Eltwise != nil:
		return "vector." + string(c.Eltwise.Kind)
	case c.Pool != nil && c.Pool.Max:
		return "vector.maxpool"
	case c.Pool != nil:
		return "vector.avgpool"
	case c.Softmax != nil:
		return "vector.softmax"
	case c.Depthwise != nil:
		return "vector.depthwise"
	}
	return "invalid"
}

// DMA moves a box of bytes between DRAM and a scratchpad: Planes x Rows runs
// of RunBytes contiguous bytes. Run r of plane p starts at DRAM +
// p*DRAMPlaneStride + r*DRAMRowStride and at Addr + p*SRAMPlaneStride +
// r*SRAMRowStride. A load goes from DRAM to the scratchpad, a store back.
type DMA struct {
	Store           bool   `json:"store,omitempty"`
	DRAM            uint64 `json:"dram"`
	SRAM            SRAM   `json:"sram"`
	Addr            int    `json:"addr"`
	RunBytes        int    `json:"runBytes"`
	Rows            int    `json:"rows"`
	Planes          int    `json:"planes"`
	DRAMRowStride   int    `json:"dramRowStride,omitempty"`
	DRAMPlaneStride int    `json:"dramPlaneStride,omitempty"`
	SRAMRowStride   int    `json:"sramRowStride,omitempty"`
	SRAMPlaneStride int    `json:"sramPlaneStride,omitempty"`
}

// Bytes is the number of bytes the DMA moves.
func (d *DMA) Bytes() int { return d.RunBytes * d.Rows * d.Planes }

// Im2col addresses an operand in the activation scratchpad as the im2col
// matrix of a convolution, without copying it: row m is output pixel m of a
// tile, column k is reduction index K0+k in (filter row, filter column,
// channel) order. The scratchpad holds a TileH x TileW window of the input
// whose first pixel has input coordinates (TileY, TileX); taps outside the
// ImageH x ImageW input are padding and read as the zero point. A fully
// connected layer is the 1x1 case: one image row of batch "pixels".
type Im2col struct {
	Base        int `json:"base"`
	RowStride   int `json:"rowStride"`
	PixelStride int `json:"pixelStride"`
	TileY       int `json:"tileY"`
	TileX       int `json:"tileX"`
	TileH       int `json:"tileH"`
	TileW       int `json:"tileW"`
	ImageH      int `json:"imageH"`
	ImageW      int `json:"imageW"`
	OutY        int `json:"outY"`
	OutX        int `json:"outX"`
	OutW        int `json:"outW"`
	FilterH     int `json:"filterH"`
	FilterW     int `json:"filterW"`
	StrideH     int `json:"strideH"`
	StrideW     int `json:"strideW"`
	DilationH   int `json:"dilationH"`
	DilationW   int `json:"dilationW"`
	PadTop      int `json:"padTop"`
	PadLeft     int `json:"padLeft"`
	// Channel is the first reduced channel (a byte offset within a pixel)
	// and Channels how many consecutive channels the reduction covers.
	Channel  int `json:"channel"`
	Channels int `json:"channels"`
	K0       int `json:"k0"`
}

// AccRegion is a block of int32 accumulators: element (m, n) at byte
// address Base + 4*(m*RowStride + n).
type AccRegion struct {
	Base      int `json:"base"`
	RowStride int `json:"rowStride"`
}

// Operand8 describes how an 8-bit operand is read: its signedness and the
// zero point the hardware subtracts.
type Operand8 struct {
	Signed bool  `json:"signed,omitempty"`
	Zero   int32 `json:"zero,omitempty"`
}

// Value decodes a stored byte and subtracts the zero point.
func (o Operand8) Value(b byte) int32 {
	if o.Signed {
		return int32(int8(b)) - o.Zero
	}
	return int32(b) - o.Zero
}

// Accumulation is the accumulator mode a command computes in.
type Accumulation struct {
	Bits     int      `json:"bits"`
	Overflow Overflow `json:"overflow"`
}

// MatMul multiplies the M x K im2col operand A by the K x N weight block B
// on the systolic array, into the M x N accumulator region: Acc =
// (Accumulate ? Acc : 0) + A*B, in the hardware's accumulation order (see
// docs/timing.md). B[k][n] is at weight address B + n*BColStride +
// k*BRowStride.
type MatMul struct {
	M          int          `json:"m"`
	K          int          `json:"k"`
	N          int          `json:"n"`
	A          Im2col       `json:"a"`
	AOperand   Operand8     `json:"aOperand"`
	B          int          `json:"b"`
	BColStride int          `json:"bColStride"`
	BRowStride int          `json:"bRowStride"`
	BOperand   Operand8     `json:"bOperand"`
	Acc        AccRegion    `json:"acc"`
	Accumulate bool         `json:"accumulate,omitempty"`
	Mode       Accumulation `json:"mode"`
}

// RecordBytes is the size of one per-channel requantization record in the
// weight scratchpad: bias (int32), multiplier significand Q (int32), shift
// (int32) and float32 scale, little-endian.
const RecordBytes = 16

// Requant turns an M x N block of accumulators into 8-bit outputs: for each
// column n it adds the bias of record n, applies the variant's scaling with
// that record's multiplier, adds ZeroPoint and clamps to [Lo, Hi]. Output
// (m, n) goes to activation address Out + m*OutRowStride + n.
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

// Region is a named byte range of DRAM.
type Region struct {
	Name  string `json:"name"`
	Addr  uint64 `json:"addr"`
	Bytes int    `json:"bytes"`
}

// Program is what a driver hands the NPU: the command stream, the initial
// DRAM image (inputs, weights, biases, records, tables) and the regions to
// read back when it finishes. DRAMBytes is the DRAM the program uses, at
// least len(DRAM) (activations are written beyond the image).
type Program struct {
	Commands  []Command `json:"commands"`
	Layers    []string  `json:"layers"`
	DRAM      []byte    `json:"-"`
	DRAMBytes uint64    `json:"dramBytes"`
	Outputs   []Region  `json:"outputs"`
}

// Digest is a SHA-256 over the program's commands, layers, outputs and DRAM
// image: two programs with the same digest are the same program.
func (p *Program) Digest() ([32]byte, error) {
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(p); err != nil {
		return [32]byte{}, fmt.Errorf("program digest: %w", err)
	}
	h.Write(p.DRAM)
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d, nil
}
