package train

import (
	"bytes"
	"compress/gzip"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// TestExpMatchesMath checks the portable exp against math.Exp (whose amd64
// assembly is itself a few ulps off the pure Go algorithm): within 4e-16
// relative on a million seeded points over the range softmax uses, and
// exact at the special values.
func TestExpMatchesMath(t *testing.T) {
	const seed = 42
	rng := rand.New(rand.NewPCG(seed, 0))
	for range 1_000_000 {
		x := -60 + 70*rng.Float64()
		got, want := exp(x), math.Exp(x)
		if math.Abs(got-want) > 4e-16*want {
			t.Fatalf("seed %d: exp(%v) = %v, math.Exp %v: %.2g apart, want within 4e-16 relative", seed, x, got, want, math.Abs(got-want)/want)
		}
	}
	for _, x := range []float64{0, 1e-30, -1e-30, 1000, -1000, math.Inf(1), math.Inf(-1)} {
		if got, want := exp(x), math.Exp(x); got != want {
			t.Errorf("exp(%v) = %v, want %v", x, got, want)
		}
	}
	if !math.IsNaN(exp(math.NaN())) {
		t.Error("exp(NaN) is not NaN")
	}
}

func readDigits(t *testing.T) []Digit {
	t.Helper()
	b, err := os.ReadFile("../../data/digits.csv.gz")
	if err != nil {
		t.Fatal(err)
	}
	ds, err := ReadDigits(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestSplitIsStratified checks the committed data set's size and that the
// split holds out 30% of every class, the same images on every call.
func TestSplitIsStratified(t *testing.T) {
	ds := readDigits(t)
	if len(ds) != 1797 {
		t.Fatalf("%d digits, want 1797", len(ds))
	}
	trainSet, testSet := Split(ds, SplitSeed)
	if len(trainSet) != 1258 || len(testSet) != 539 {
		t.Errorf("split %d/%d, want 1258/539", len(trainSet), len(testSet))
	}
	all, held := make([]int, Classes), make([]int, Classes)
	for _, d := range ds {
		all[d.Label]++
	}
	for _, d := range testSet {
		held[d.Label]++
	}
	for c := range Classes {
		if want := (all[c]*TestPercent + 50) / 100; held[c] != want {
			t.Errorf("class %d: %d of %d held out, want %d", c, held[c], all[c], want)
		}
	}
	_, again := Split(ds, SplitSeed)
	for i := range testSet {
		if testSet[i] != again[i] {
			t.Fatalf("a second split differs at test image %d", i)
		}
	}
}

func TestReadDigitsErrors(t *testing.T) {
	gz := func(s string) *bytes.Reader {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return bytes.NewReader(b.Bytes())
	}
	row := strings.Repeat("0,", Pixels)
	cases := []struct {
		name, csv, want string
	}{
		{"label out of range", row + "10\n", "line 1, field 65: want an integer 0..9"},
		{"pixel out of range", "17," + row[2:] + "3\n", "line 1, field 1: want an integer 0..16"},
		{"short line", row + "1\n1,2\n", "wrong number of fields"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ReadDigits(gz(c.csv)); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
	if _, err := ReadDigits(strings.NewReader("not gzip")); err == nil {
		t.Error("ReadDigits accepted a file that is not gzipped")
	}
}

// TestGradients checks backpropagation against central differences on a
// small CNN's every parameter kind, for one image.
func TestGradients(t *testing.T) {
	ds := readDigits(t)
	n := CNN()
	n.initialise(rand.New(rand.NewPCG(3, 0)))
	for _, p := range n.Params() { // non-zero biases, so that they are tested too
		if len(p.Shape) == 1 {
			for i := range p.Value {
				p.Value[i] = 0.01 * float64(i%5)
			}
		}
	}
	x, label := ds[0].Input(), ds[0].Label
	n.backprop(x, label)
	loss := func() float64 {
		z := n.Logits(x)
		mx := z[0]
		for _, v := range z {
			mx = max(mx, v)
		}
		s := 0.0
		for _, v := range z {
			s += math.Exp(v - mx)
		}
		return mx + math.Log(s) - z[label]
	}
	const h = 1e-6
	for _, p := range n.Params() {
		for _, i := range []int{0, len(p.Value) / 2, len(p.Value) - 1} {
			v := p.Value[i]
			p.Value[i] = v + h
			up := loss()
			p.Value[i] = v - h
			down := loss()
			p.Value[i] = v
			numeric := (up - down) / (2 * h)
			if math.Abs(numeric-p.grad[i]) > 1e-6+1e-4*math.Abs(numeric) {
				t.Errorf("%s[%d]: backprop %g, central difference %g", p.Name, i, p.grad[i], numeric)
			}
		}
	}
}
