package npu_test

import (
	"math/rand/v2"

	. "github.com/npusim/npusim/npu" //nolint:revive // the tests read as if inside package npu
	"github.com/npusim/npusim/quant"
)

// progBuilder assembles hand-written test programs: a DRAM image, output
// regions beyond it and a command list.
type progBuilder struct {
	p Program
}

const dramAlign = 64

// data appends bytes to the DRAM image and returns their address.
func (b *progBuilder) data(d []byte) uint64 {
	addr := (uint64(len(b.p.DRAM)) + dramAlign - 1) / dramAlign * dramAlign
	b.p.DRAM = append(b.p.DRAM, make([]byte, int(addr)-len(b.p.DRAM))...)
	b.p.DRAM = append(b.p.DRAM, d...)
	b.p.DRAMBytes = max(b.p.DRAMBytes, uint64(len(b.p.DRAM)))
	return addr
}

// output reserves n bytes of DRAM for a result and records it as an output.
func (b *progBuilder) output(name string, n int) uint64 {
	addr := (b.p.DRAMBytes + dramAlign - 1) / dramAlign * dramAlign
	b.p.DRAMBytes = addr + uint64(n)
	b.p.Outputs = append(b.p.Outputs, Region{Name: name, Addr: addr, Bytes: n})
	return addr
}

func (b *progBuilder) add(c Command) int {
	b.p.Commands = append(b.p.Commands, c)
	return len(b.p.Commands) - 1
}

// load copies n contiguous DRAM bytes into a scratchpad.
func (b *progBuilder) load(dram uint64, s SRAM, addr, n int, deps ...int) int {
	return b.add(Command{Deps: deps, Op: &DMA{DRAM: dram, SRAM: s, Addr: addr, RunBytes: n, Rows: 1, Planes: 1}})
}

// store copies n contiguous scratchpad bytes to DRAM.
func (b *progBuilder) store(s SRAM, addr int, dram uint64, n int, deps ...int) int {
	return b.add(Command{Deps: deps, Op: &DMA{Store: true, DRAM: dram, SRAM: s, Addr: addr, RunBytes: n, Rows: 1, Planes: 1}})
}

func (b *progBuilder) program() *Program {
	if len(b.p.Layers) == 0 {
		b.p.Layers = []string{"test"}
	}
	return &b.p
}

// matrixOperand describes an M x K byte matrix (row stride K) as the 1x1
// im2col operand of a fully connected layer.
func matrixOperand(base, m, k, k0 int) Im2col {
	return Im2col{Base: base, RowStride: m * k, PixelStride: k, TileH: 1, TileW: m, ImageH: 1, ImageW: m,
		OutW: m, FilterH: 1, FilterW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, Channels: k, K0: k0}
}

// randomTensor fills a tensor with random values of its type.
func randomTensor(rng *rand.Rand, t quant.Type, shape []int, p quant.Params) *quant.Tensor {
	x := quant.NewTensor(t, shape, p)
	for i := range x.Data {
		x.Data[i] = t.Min() + rng.Int32N(t.Max()-t.Min()+1)
	}
	return x
}

// records encodes one requantization record per output channel.
func records(in, w, out *quant.Tensor, bias *quant.Tensor, v quant.Variant) []byte {
	var d []byte
	for c := range bias.Len() {
		m := v.MultiplierFor(in.Params.Scale, w.Params.ChannelScale(c), out.Params.Scale)
		d = append(d, EncodeRecord(bias.Data[c], m)...)
	}
	return d
}

func operand(t *quant.Tensor) Operand8 {
	return Operand8{Signed: t.Type.Signed(), Zero: t.Params.ZeroPoint}
}

func mustPreset(name string) *Config {
	c, err := LoadConfig(name)
	if err != nil {
		panic(err)
	}
	return c
}
