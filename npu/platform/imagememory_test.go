package platform

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/npusim/npusim/npu"
)

// TestImageMemoryIsSparseMemory plays random reads and writes (within a
// page and across pages, inside the image, beyond it and out of range)
// on an imageMemory and an npu.SparseMemory holding the same image, with
// resets between rounds, and requires the same bytes and errors; the
// image itself is never written.
func TestImageMemoryIsSparseMemory(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	image := make([]byte, 3*npu.PageBytes+1234)
	for i := range image {
		image[i] = byte(rng.IntN(256))
	}
	orig := bytes.Clone(image)
	const size = 9 * npu.PageBytes
	m := newImageMemory(size, image)
	for round := range 20 {
		m.reset()
		want := npu.NewSparseMemory(size, image)
		for op := range 200 {
			addr := uint64(rng.IntN(size + 100))
			n := uint64(rng.IntN(3 * npu.PageBytes / 2))
			if rng.IntN(2) == 0 {
				data := make([]byte, n)
				for i := range data {
					data[i] = byte(rng.IntN(256))
				}
				errGot, errWant := m.Write(addr, data), want.Write(addr, data)
				if (errGot == nil) != (errWant == nil) {
					t.Fatalf("round %d op %d: write [%d, +%d): error %v, want %v", round, op, addr, n, errGot, errWant)
				}
				continue
			}
			got, errGot := m.Read(addr, n)
			exp, errWant := want.Read(addr, n)
			if (errGot == nil) != (errWant == nil) || !bytes.Equal(got, exp) {
				t.Fatalf("round %d op %d: read [%d, +%d) differs (errors %v, %v)", round, op, addr, n, errGot, errWant)
			}
		}
	}
	if !bytes.Equal(image, orig) {
		t.Error("the shared image was written")
	}
}
