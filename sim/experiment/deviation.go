package experiment

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"

	"github.com/npusim/npusim/quant"
)

// Deviation measures how far values are from the reference's, in the
// reference's LSBs (values on another grid are first mapped onto the
// reference's through the real numbers they stand for).
type Deviation struct {
	Elements int `json:"elements"`
	// MaxLSB is the largest absolute difference.
	MaxLSB int64 `json:"maxLSB"`
	// Changed is the share of elements that differ.
	Changed float64 `json:"changed"`
	// MeanError is the mean signed difference (a bias), in LSBs.
	MeanError float64 `json:"meanErrorLSB"`
	// SNRdB is the signal-to-noise ratio of the dequantized values against
	// the reference's, in dB; nil when they are equal (infinite).
	SNRdB *float64 `json:"snrDB"`
	// Histogram counts the elements by their difference from the reference
	// (in LSBs), in increasing order of difference.
	Histogram []Bin `json:"histogram"`

	signal, noise float64
	sum           int64
	changed       int
	// counts tallies differences of 8-bit values (-255..255) before they
	// become the histogram; other differences go straight to it.
	counts []int
}

const countOffset = 255

// Bin is one bar of a histogram of differences.
type Bin struct {
	Diff  int64 `json:"diff"`
	Count int   `json:"count"`
}

// count adds one element with the given difference to the histogram.
func (d *Deviation) count(diff int64) {
	if diff >= -countOffset && diff <= countOffset {
		if d.counts == nil {
			d.counts = make([]int, 2*countOffset+1)
		}
		d.counts[diff+countOffset]++
		return
	}
	d.insert(diff, 1)
}

// insert adds n elements with the given difference to the histogram.
func (d *Deviation) insert(diff int64, n int) {
	i, found := slices.BinarySearchFunc(d.Histogram, diff, func(b Bin, x int64) int { return cmp.Compare(b.Diff, x) })
	if !found {
		d.Histogram = slices.Insert(d.Histogram, i, Bin{Diff: diff})
	}
	d.Histogram[i].Count += n
}

// Add accumulates the comparison of one tensor, got, with the reference's
// values of it, ref.
func (d *Deviation) Add(got, ref *quant.Tensor) {
	g := onGrid(got, ref.Params, ref.Type)
	for i, r := range ref.Data {
		diff := int64(g[i]) - int64(r)
		d.count(diff)
		d.MaxLSB = max(d.MaxLSB, diff, -diff)
		d.sum += diff
		if diff != 0 {
			d.changed++
		}
		real := float64(ref.Params.Scale) * float64(r-ref.Params.ZeroPoint)
		d.signal += real * real
		e := float64(ref.Params.Scale) * float64(diff)
		d.noise += e * e
	}
	d.Elements += len(ref.Data)
	d.finish()
}

func (d *Deviation) finish() {
	if d.Elements == 0 {
		return
	}
	for i, n := range d.counts {
		if n > 0 {
			d.insert(int64(i-countOffset), n)
		}
	}
	clear(d.counts)
	d.Changed = float64(d.changed) / float64(d.Elements)
	d.MeanError = float64(d.sum) / float64(d.Elements)
	d.SNRdB = nil
	if d.noise > 0 {
		snr := 10 * math.Log10(d.signal/d.noise)
		if d.signal == 0 {
			snr = math.Inf(-1)
		}
		if !math.IsInf(snr, 0) {
			d.SNRdB = &snr
		}
	}
}

// onGrid returns a tensor's values on another grid: unchanged when the grids
// agree, else requantized through the real values (round half away from
// zero, clamped to the type).
func onGrid(t *quant.Tensor, p quant.Params, typ quant.Type) []int32 {
	if t.Params.Scale == p.Scale && t.Params.ZeroPoint == p.ZeroPoint {
		return t.Data
	}
	out := make([]int32, len(t.Data))
	for i, q := range t.Data {
		r := float64(t.Params.Scale) * float64(q-t.Params.ZeroPoint) / float64(p.Scale)
		out[i] = quant.Clamp(int64(math.Round(r))+int64(p.ZeroPoint), typ.Min(), typ.Max())
	}
	return out
}

// Digest is the SHA-256 of the tensors' stored values (their bytes, in
// order), in hex: equal digests mean byte-identical outputs.
func Digest(ts []*quant.Tensor) string {
	h := sha256.New()
	for _, t := range ts {
		h.Write(t.Bytes())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Argmax returns the index of the largest value (the lowest on ties): a
// classifier's top-1 class.
func Argmax(v []int32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
