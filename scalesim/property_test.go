package scalesim

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestMatchesReference compares the closed forms with the literal model on
// random small layers, arrays, buffer sizes and all three dataflows. Small
// buffers (1 to 3 kB) make the read buffers cross many chunks and the
// write buffer drain many times.
func TestMatchesReference(t *testing.T) {
	const seed = 20240611
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range 300 {
		l := randomLayer(rng)
		c := &Config{RunName: "prop", ArrayHeight: 1 + rng.IntN(9), ArrayWidth: 1 + rng.IntN(9),
			IfmapSRAMKB: 1 + rng.IntN(3), FilterSRAMKB: 1 + rng.IntN(3), OfmapSRAMKB: 1 + rng.IntN(3),
			IfmapOffset: 0, FilterOffset: 10000000, OfmapOffset: 20000000,
			Dataflow: []Dataflow{OutputStationary, WeightStationary, InputStationary}[i%3]}
		got, err := SimulateLayer(c, l)
		if err != nil {
			t.Fatalf("seed %d case %d: %+v on %+v: %v", seed, i, l, c, err)
		}
		want := refLayer(c, l)
		got.Mapping = Mapping{}
		if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
			t.Fatalf("seed %d case %d: layer %+v on %+v\n got %s\nwant %s", seed, i, l, *c, g, w)
		}
	}
}

// randomLayer draws a small convolution or GEMM layer.
func randomLayer(rng *rand.Rand) Layer {
	if rng.IntN(4) == 0 {
		m, n, k := 1+rng.IntN(40), 1+rng.IntN(20), 1+rng.IntN(30)
		return Layer{Name: "gemm", IfmapH: m, IfmapW: k, FilterH: 1, FilterW: k, Channels: 1, Filters: n, StrideH: 1, StrideW: 1, GEMM: true}
	}
	h, w := 1+rng.IntN(14), 1+rng.IntN(14)
	return Layer{Name: "conv", IfmapH: h, IfmapW: w, FilterH: 1 + rng.IntN(min(h, 5)), FilterW: 1 + rng.IntN(min(w, 5)),
		Channels: 1 + rng.IntN(4), Filters: 1 + rng.IntN(12), StrideH: 1 + rng.IntN(3), StrideW: 1 + rng.IntN(3)}
}

// TestManyChunks runs a read buffer through more chunks than it has marks
// (254): 300 passes over 600 addresses in chunks of 500, against a plain
// set per chunk.
func TestManyChunks(t *testing.T) {
	b := newReadBuffer(1, 600, 0)
	chunk, words, chunks, last := map[int64]bool{}, int64(0), 0, int64(0)
	for cycle := range int64(300 * 600) {
		a := cycle % 600
		b.requestRun(a, 1, 1, cycle)
		if !chunk[a] {
			chunk[a] = true
			words++
			if len(chunk) == 500 {
				chunk, chunks, last = map[int64]bool{}, chunks+1, cycle
			}
		}
	}
	got, err := b.access()
	if err != nil {
		t.Fatal(err)
	}
	if chunks < 300 || got.Words != words || got.Stop != last+1 || b.chunks != int64(chunks) {
		t.Errorf("got %+v after %d chunks; want %d words, stop %d, %d chunks (over 254)", got, b.chunks, words, last+1, chunks)
	}
}
