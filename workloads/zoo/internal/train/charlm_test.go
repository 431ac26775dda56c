package train

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestCharLMGradients checks backpropagation through time (every gate,
// the clamped cell state, the logits) against central differences of a
// segment's summed loss.
func TestCharLMGradients(t *testing.T) {
	m := NewCharLM("tiny", 6, LMConfig{})
	m.initialise(rand.New(rand.NewPCG(2, 0)))
	rng := rand.New(rand.NewPCG(3, 0))
	for _, p := range m.Params() {
		for i := range p.Value {
			p.Value[i] += 0.6 * (rng.Float64() - 0.5)
		}
	}
	seg, err := Encode("in the beginning, god")
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for _, p := range m.Params() {
		size += len(p.Value)
	}
	grads := make([]float64, size)
	m.segmentGrads(seg, grads)
	loss := func() float64 { return m.Loss(seg) * float64(len(seg)-1) }
	const h = 1e-6
	off := 0
	for _, p := range m.Params() {
		for i := range p.Value {
			v := p.Value[i]
			p.Value[i] = v + h
			up := loss()
			p.Value[i] = v - h
			down := loss()
			p.Value[i] = v
			numeric := (up - down) / (2 * h)
			if got := grads[off+i]; math.Abs(numeric-got) > 1e-6+1e-4*math.Abs(numeric) {
				t.Errorf("%s[%d]: backprop %g, central difference %g", p.Name, i, got, numeric)
			}
		}
		off += len(p.Value)
	}
}

func TestPrepareKJV(t *testing.T) {
	raw := "\nGenesis 1\n\n  1 In the beginning God created the heaven and the earth.\n" +
		"  2 And the earth was (without) form,\nand void; the well-favoured.\n\n1 John 3\n\n  9 Amen!\n"
	got, err := PrepareKJV(raw)
	if err != nil {
		t.Fatal(err)
	}
	want := "in the beginning god created the heaven and the earth. and the earth was without form, and void; the well favoured. amen!"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if _, err := PrepareKJV("  1 In the beginning [God]\n"); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("a character outside the alphabet gave %v, want an error naming line 1", err)
	}
}

// TestIDXRoundTrip writes images as gzipped IDX files and reads them back,
// and checks that a malformed file is refused with its field named.
func TestIDXRoundTrip(t *testing.T) {
	ims := randomImages(5, 1)
	var images, labels bytes.Buffer
	if err := WriteImages(&images, &labels, ims); err != nil {
		t.Fatal(err)
	}
	got, err := ReadImages(bytes.NewReader(images.Bytes()), bytes.NewReader(labels.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ims) {
		t.Fatalf("%d images back, want %d", len(got), len(ims))
	}
	for i := range ims {
		if got[i] != ims[i] {
			t.Errorf("image %d differs", i)
		}
	}
	if _, err := ReadImages(bytes.NewReader(labels.Bytes()), bytes.NewReader(labels.Bytes())); err == nil || !strings.Contains(err.Error(), "dimensions") {
		t.Errorf("labels read as images gave %v, want an error about the dimensions", err)
	}
	var bad bytes.Buffer
	if err := WriteIDX(&bad, []int{2}, []byte{1, 12}); err != nil {
		t.Fatal(err)
	}
	var one bytes.Buffer
	if err := WriteIDX(&one, []int{2, Side, Side}, make([]byte, 2*Side*Side)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadImages(bytes.NewReader(one.Bytes()), bytes.NewReader(bad.Bytes())); err == nil || !strings.Contains(err.Error(), "label 12 of image 1") {
		t.Errorf("label 12 gave %v, want an error naming it", err)
	}
}

// TestGatePreactivationsSumInOrder checks that computing four gate rows at
// a time adds the same terms in the same order as one row at a time: bias,
// the character's column, then the state's products in order.
func TestGatePreactivationsSumInOrder(t *testing.T) {
	m := NewCharLM("tiny", 12, LMConfig{})
	rng := rand.New(rand.NewPCG(5, 0))
	for _, p := range m.Params() {
		for i := range p.Value {
			p.Value[i] = rng.NormFloat64()
		}
	}
	h := make([]float64, m.Hidden)
	for i := range h {
		h[i] = rng.NormFloat64()
	}
	got := make([]float64, gates*m.Hidden)
	m.gatePreactivations(got, 7, h)
	v, cols := len(Alphabet), len(Alphabet)+m.Hidden
	for r := range got {
		row := m.Gates.Value[r*cols : (r+1)*cols]
		z := m.GateBias.Value[r] + row[7]
		for k, x := range h {
			z += float64(x * row[v+k])
		}
		if got[r] != z {
			t.Errorf("row %d: %v, one row at a time %v", r, got[r], z)
		}
	}
}
