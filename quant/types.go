package quant

import "fmt"

// Type is the storage type of a tensor, named as NNAPI names its operand types.
type Type int

// The tensor types of NNAPI's quantized operand set.
const (
	// Uint8 is TENSOR_QUANT8_ASYMM: uint8 storage, any zero point in 0..255.
	Uint8 Type = iota + 1
	// Int8 is TENSOR_QUANT8_ASYMM_SIGNED: int8 storage, zero point in -128..127.
	Int8
	// Int8PerChannel is TENSOR_QUANT8_SYMM_PER_CHANNEL: symmetric int8 weights
	// (-127..127, zero point 0) with one scale per channel along an axis.
	Int8PerChannel
	// Int32 is TENSOR_INT32: biases, scale inputScale*weightScale, zero point 0.
	Int32
)

var typeNames = map[Type]string{
	Uint8:          "TENSOR_QUANT8_ASYMM",
	Int8:           "TENSOR_QUANT8_ASYMM_SIGNED",
	Int8PerChannel: "TENSOR_QUANT8_SYMM_PER_CHANNEL",
	Int32:          "TENSOR_INT32",
}

// String returns the NNAPI operand type name.
func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// ParseType converts an NNAPI operand type name into a Type.
func ParseType(name string) (Type, error) {
	for _, t := range []Type{Uint8, Int8, Int8PerChannel, Int32} {
		if typeNames[t] == name {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown tensor type %q (want TENSOR_QUANT8_ASYMM, TENSOR_QUANT8_ASYMM_SIGNED, "+
		"TENSOR_QUANT8_SYMM_PER_CHANNEL or TENSOR_INT32)", name)
}

// MarshalText implements encoding.TextMarshaler with the NNAPI name.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with the NNAPI name.
func (t *Type) UnmarshalText(b []byte) error {
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Min is the smallest value the type can store.
func (t Type) Min() int32 {
	switch t {
	case Uint8:
		return 0
	case Int8:
		return -128
	case Int8PerChannel:
		return -127
	default:
		return -1 << 31
	}
}

// Max is the largest value the type can store.
func (t Type) Max() int32 {
	switch t {
	case Uint8:
		return 255
	case Int8, Int8PerChannel:
		return 127
	default:
		return 1<<31 - 1
	}
}

// Bytes is the storage size of one element.
func (t Type) Bytes() int {
	if t == Int32 {
		return 4
	}
	return 1
}

// Signed reports whether the stored integers are signed.
func (t Type) Signed() bool { return t != Uint8 }

// Is8Bit reports whether the type is one of the 8-bit quantized types.
func (t Type) Is8Bit() bool { return t == Uint8 || t == Int8 || t == Int8PerChannel }
