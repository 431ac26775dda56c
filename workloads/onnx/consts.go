package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	pb "github.com/advancedclimatesystems/gonnx/onnx"
	"github.com/npusim/npusim/quant"
)

// constant is an initializer (or a Constant node's value), decoded.
type constant struct {
	dt     int32
	dims   []int
	ints   []int64   // integer types
	floats []float32 // FLOAT
}

func (c *constant) len() int { return quant.NumElements(c.dims) }

// decodeTensor reads a TensorProto of one of the types npusim uses, from
// raw_data or the typed fields.
func decodeTensor(t *pb.TensorProto) (*constant, error) {
	c := &constant{dt: t.DataType}
	n := 1
	for i, d := range t.Dims {
		if d < 0 || d > 1<<31 {
			return nil, fmt.Errorf("initializer %s: dims[%d] = %d", t.Name, i, d)
		}
		c.dims = append(c.dims, int(d))
		n *= int(d)
		if n > 1<<31 {
			return nil, fmt.Errorf("initializer %s: more than 2^31 elements", t.Name)
		}
	}
	if t.DataLocation == pb.TensorProto_EXTERNAL {
		return nil, fmt.Errorf("initializer %s: external data is not read", t.Name)
	}
	size := map[int32]int{dtFloat: 4, dtUint8: 1, dtInt8: 1, dtInt32: 4, dtInt64: 8}[t.DataType]
	if size == 0 {
		return nil, fmt.Errorf("initializer %s: data_type %v not supported (want FLOAT, UINT8, INT8, INT32 or INT64)",
			t.Name, pb.TensorProto_DataType(t.DataType))
	}
	if t.RawData != nil {
		if len(t.RawData) != n*size {
			return nil, fmt.Errorf("initializer %s: raw_data has %d bytes for %d elements of %d bytes",
				t.Name, len(t.RawData), n, size)
		}
		c.fromRaw(t.RawData, n)
		return c, nil
	}
	return c, c.fromFields(t, n)
}

func (c *constant) fromRaw(raw []byte, n int) {
	switch c.dt {
	case dtFloat:
		c.floats = make([]float32, n)
		for i := range c.floats {
			c.floats[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return
	}
	c.ints = make([]int64, n)
	for i := range c.ints {
		switch c.dt {
		case dtUint8:
			c.ints[i] = int64(raw[i])
		case dtInt8:
			c.ints[i] = int64(int8(raw[i]))
		case dtInt32:
			c.ints[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
		case dtInt64:
			c.ints[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	}
}

func (c *constant) fromFields(t *pb.TensorProto, n int) error {
	var got int
	switch c.dt {
	case dtFloat:
		c.floats, got = t.FloatData, len(t.FloatData)
	case dtInt64:
		c.ints, got = t.Int64Data, len(t.Int64Data)
	default: // 8-bit and int32 values travel in int32_data
		got = len(t.Int32Data)
		c.ints = make([]int64, got)
		for i, v := range t.Int32Data {
			c.ints[i] = int64(v)
		}
	}
	if got != n {
		return fmt.Errorf("initializer %s: %d values for %d elements", t.Name, got, n)
	}
	return nil
}

// codes returns the values of an 8-bit or int32 constant as int32, checked
// against the type's range.
func (c *constant) codes(t quant.Type) ([]int32, error) {
	out := make([]int32, len(c.ints))
	for i, v := range c.ints {
		if v < int64(t.Min()) || v > int64(t.Max()) {
			return nil, fmt.Errorf("value[%d] = %d outside %d..%d", i, v, t.Min(), t.Max())
		}
		out[i] = int32(v)
	}
	return out, nil
}

// quantType maps an ONNX element type onto an activation type.
func quantType(dt int32) (quant.Type, bool) {
	switch dt {
	case dtUint8:
		return quant.Uint8, true
	case dtInt8:
		return quant.Int8, true
	}
	return 0, false
}
