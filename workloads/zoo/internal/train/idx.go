package train

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
)

// The IDX format (LeCun et al.'s MNIST files, which Fashion-MNIST keeps) is
// a big-endian header, the magic number 0x0000TTDD (TT the element type,
// 0x08 for unsigned bytes, DD the number of dimensions), one 32-bit size
// per dimension, then the elements in row-major order.
const idxUbyte = 0x08

// ReadIDX reads a gzipped IDX file of unsigned bytes and returns its
// dimensions and elements.
func ReadIDX(r io.Reader) (dims []int, data []byte, err error) {
	z, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("idx: %w", err)
	}
	br := bufio.NewReader(z)
	var magic uint32
	if err := binary.Read(br, binary.BigEndian, &magic); err != nil {
		return nil, nil, fmt.Errorf("idx: magic number: %w", err)
	}
	if magic>>16 != 0 || (magic>>8)&0xff != idxUbyte || magic&0xff == 0 || magic&0xff > 4 {
		return nil, nil, fmt.Errorf("idx: magic number %#08x: want 0x000008DD, unsigned bytes in 1 to 4 dimensions", magic)
	}
	n := 1
	for d := range int(magic & 0xff) {
		var size uint32
		if err := binary.Read(br, binary.BigEndian, &size); err != nil {
			return nil, nil, fmt.Errorf("idx: size of dimension %d: %w", d, err)
		}
		if size == 0 || size > 1<<24 || n*int(size) > 1<<30 {
			return nil, nil, fmt.Errorf("idx: size of dimension %d is %d", d, size)
		}
		dims = append(dims, int(size))
		n *= int(size)
	}
	data = make([]byte, n)
	if _, err := io.ReadFull(br, data); err != nil {
		return nil, nil, fmt.Errorf("idx: %d elements of %v: %w", n, dims, err)
	}
	if err := z.Close(); err != nil {
		return nil, nil, fmt.Errorf("idx: %w", err)
	}
	return dims, data, nil
}

// WriteIDX writes elements of unsigned bytes with the given dimensions as a
// gzipped IDX file.
func WriteIDX(w io.Writer, dims []int, data []byte) error {
	z, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	header := []uint32{uint32(idxUbyte)<<8 | uint32(len(dims))}
	for _, d := range dims {
		header = append(header, uint32(d))
	}
	if err := binary.Write(z, binary.BigEndian, header); err != nil {
		return err
	}
	if _, err := z.Write(data); err != nil {
		return err
	}
	return z.Close()
}
