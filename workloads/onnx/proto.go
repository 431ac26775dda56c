package onnx

import (
	"encoding/binary"
	"math"

	pb "github.com/advancedclimatesystems/gonnx/onnx"
)

// The versions an exported model declares: IR version 7 and opset 13 of the
// default domain are read by every ONNX Runtime since 1.8.
const (
	irVersion      = 7
	opsetONNX      = 13
	opsetMicrosoft = 1
	msDomain       = "com.microsoft"
)

// The ONNX tensor element types npusim reads and writes.
const (
	dtFloat = int32(pb.TensorProto_FLOAT)
	dtUint8 = int32(pb.TensorProto_UINT8)
	dtInt8  = int32(pb.TensorProto_INT8)
	dtInt32 = int32(pb.TensorProto_INT32)
	dtInt64 = int32(pb.TensorProto_INT64)
)

func attrInt(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: name, Type: pb.AttributeProto_INT, I: v}
}

func attrInts(name string, v ...int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: name, Type: pb.AttributeProto_INTS, Ints: v}
}

func attrString(name, v string) *pb.AttributeProto {
	return &pb.AttributeProto{Name: name, Type: pb.AttributeProto_STRING, S: []byte(v)}
}

func dims64(shape []int) []int64 {
	d := make([]int64, len(shape))
	for i, x := range shape {
		d[i] = int64(x)
	}
	return d
}

// codesTensor stores 8-bit codes as raw bytes.
func codesTensor(name string, dt int32, shape []int, data []int32) *pb.TensorProto {
	raw := make([]byte, len(data))
	for i, v := range data {
		raw[i] = byte(v)
	}
	return &pb.TensorProto{Name: name, DataType: dt, Dims: dims64(shape), RawData: raw}
}

// int32Tensor stores int32 values as little-endian raw bytes.
func int32Tensor(name string, shape []int, data []int32) *pb.TensorProto {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], uint32(v))
	}
	return &pb.TensorProto{Name: name, DataType: dtInt32, Dims: dims64(shape), RawData: raw}
}

func floatTensor(name string, shape []int, data []float32) *pb.TensorProto {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &pb.TensorProto{Name: name, DataType: dtFloat, Dims: dims64(shape), RawData: raw}
}

func int64Tensor(name string, data []int64) *pb.TensorProto {
	return &pb.TensorProto{Name: name, DataType: dtInt64, Dims: []int64{int64(len(data))}, Int64Data: data}
}

// valueInfo declares a graph input or output tensor.
func valueInfo(name string, dt int32, shape []int) *pb.ValueInfoProto {
	s := &pb.TensorShapeProto{}
	for _, d := range shape {
		value := &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}
		s.Dim = append(s.Dim, &pb.TensorShapeProto_Dimension{Value: value})
	}
	return &pb.ValueInfoProto{Name: name, Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{
		TensorType: &pb.TypeProto_Tensor{ElemType: dt, Shape: s}}}}
}
