package train

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Pixels is the number of pixels of a digit image (8x8).
const Pixels = 64

// Classes is the number of digit classes.
const Classes = 10

// Digit is one handwritten digit: 8x8 pixels, row-major, each 0..16 (the
// count of set bits in a 4x4 block of the 32x32 scanned original), and its
// class.
type Digit struct {
	Pixels [Pixels]uint8
	Label  int
}

// Input returns the network input of the digit: its pixels scaled to
// [0, 1] (pixel/16, exact in binary floating point).
func (d Digit) Input() []float64 {
	x := make([]float64, Pixels)
	for i, p := range d.Pixels {
		x[i] = float64(p) / 16
	}
	return x
}

// ReadDigits reads a gzipped CSV of digits: one image a line, 64 pixel
// values 0..16 then the label 0..9.
func ReadDigits(r io.Reader) ([]Digit, error) {
	z, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("digits: %w", err)
	}
	c := csv.NewReader(z)
	c.FieldsPerRecord = Pixels + 1
	c.ReuseRecord = true
	var ds []Digit
	for line := 1; ; line++ {
		rec, err := c.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("digits: %w", err)
		}
		var d Digit
		for i, f := range rec {
			v, err := strconv.Atoi(f)
			hi := 16
			if i == Pixels {
				hi = Classes - 1
			}
			if err != nil || v < 0 || v > hi {
				return nil, fmt.Errorf("digits: line %d, field %d: want an integer 0..%d, got %q", line, i+1, hi, f)
			}
			if i == Pixels {
				d.Label = v
			} else {
				d.Pixels[i] = uint8(v)
			}
		}
		ds = append(ds, d)
	}
	if err := z.Close(); err != nil {
		return nil, fmt.Errorf("digits: %w", err)
	}
	return ds, nil
}

// TestPercent is the share of each class that Split holds out for testing.
const TestPercent = 30

// SplitSeed is the seed of the split the digits workloads use.
const SplitSeed = 1998

// Split divides digits into a training and a test set, stratified by class:
// the images of each class are shuffled by a PCG seeded with seed, and the
// first TestPercent percent of them (rounded half up) go to the test set.
// Both sets keep the input's order.
func Split(ds []Digit, seed uint64) (train, test []Digit) {
	byClass := make([][]int, Classes)
	for i, d := range ds {
		byClass[d.Label] = append(byClass[d.Label], i)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	held := make([]bool, len(ds))
	for _, idx := range byClass {
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for _, i := range idx[:(len(idx)*TestPercent+50)/100] {
			held[i] = true
		}
	}
	for i, d := range ds {
		if held[i] {
			test = append(test, d)
		} else {
			train = append(train, d)
		}
	}
	return train, test
}
