package npu_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	. "github.com/npusim/npusim/npu" //nolint:revive // the tests read as if inside package npu
)

// TestSparseMemoryIsAFlatImage writes and reads random ranges, many across
// the 64 KiB pages, and holds the memory to a flat byte slice; accesses
// beyond its size fail.
func TestSparseMemoryIsAFlatImage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const size = 5<<16 + 123
	flat := make([]byte, size)
	image := make([]byte, 70000)
	for i := range image {
		image[i] = byte(rng.Uint32())
	}
	copy(flat, image)
	m := NewSparseMemory(size, image)
	for step := range 2000 {
		addr, n := uint64(rng.IntN(size)), uint64(rng.IntN(1<<17))
		n = min(n, size-addr)
		if step%2 == 0 {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			if err := m.Write(addr, data); err != nil {
				t.Fatal(err)
			}
			copy(flat[addr:], data)
			continue
		}
		got, err := m.Read(addr, n)
		if err != nil || !bytes.Equal(got, flat[addr:addr+n]) {
			t.Fatalf("step %d: read [%d, %d): %v, the bytes differ from the flat image", step, addr, addr+n, err)
		}
	}
	if _, err := m.Read(size-1, 2); err == nil {
		t.Error("a read beyond the memory succeeded")
	}
	if err := m.Write(size, []byte{1}); err == nil {
		t.Error("a write beyond the memory succeeded")
	}
}
