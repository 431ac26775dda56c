package experiment

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"unsafe"

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
	// become the histogram; other differences go straight to it. Indices
	// countLo to countHi may be non-zero.
	counts           []int
	countLo, countHi int
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
			d.countLo, d.countHi = len(d.counts), -1
		}
		i := int(diff + countOffset)
		d.counts[i]++
		d.countLo, d.countHi = min(d.countLo, i), max(d.countHi, i)
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
	signal := SignalSum(d.signal, ref)
	d.add(got, ref, func() float64 { return signal })
	d.signal = signal
}

// SignalSum adds the squares of a tensor's real values to sum, element by
// element in order, each addition rounded as it goes: the signal of the
// SNR. It depends on the reference alone, so the experiments that compare
// with one reference can compute it once (References.sample).
func SignalSum(sum float64, t *quant.Tensor) float64 {
	scale, zp := float64(t.Params.Scale), t.Params.ZeroPoint
	for _, r := range t.Data {
		x := scale * float64(r-zp)
		sum += x * x
	}
	return sum
}

// equalBlock is how many elements add compares at once before it looks at
// them one by one.
const equalBlock = 16

// add accumulates the comparison of got with ref, given the signal after
// it (what SignalSum would make of the reference's values so far), which
// it asks for only where the SNR needs it (close).
func (d *Deviation) add(got, ref *quant.Tensor, signal func() float64) {
	g := onGrid(got, ref.Params, ref.Type)
	scale, noise, changed := float64(ref.Params.Scale), d.noise, 0
	for lo := 0; lo < len(ref.Data); lo += equalBlock {
		hi := min(lo+equalBlock, len(ref.Data))
		if equalInt32(g[lo:hi], ref.Data[lo:hi]) {
			continue
		}
		for i := lo; i < hi; i++ {
			if diff := int64(g[i]) - int64(ref.Data[i]); diff != 0 {
				noise = d.differ(diff, scale, noise)
				changed++
			}
		}
	}
	d.close(len(ref.Data), changed, signal, noise)
}

// stored are values held as the stored bytes of a type on a grid (what the
// NPU leaves in DRAM, quant.Tensor.Bytes).
type stored struct {
	bytes  []byte
	typ    quant.Type
	params quant.Params
}

// sameValues reports whether equal bytes of got and ref are equal values
// in add's terms: the same grid, 8-bit types of the same signedness, as
// many bytes.
func sameValues(got, ref stored) bool {
	return got.typ.Is8Bit() && ref.typ.Is8Bit() && got.typ.Signed() == ref.typ.Signed() &&
		got.params.Scale == ref.params.Scale && got.params.ZeroPoint == ref.params.ZeroPoint &&
		len(got.bytes) == len(ref.bytes)
}

// addStored is add for stored values, given the reference's stored bytes
// where they hold its values exactly (ref.bytes nil elsewhere) and its
// tensor, which it asks for only when it decodes (refTensor). Where equal
// bytes are equal values (sameValues) it compares the bytes 64 at a time
// and decodes only the blocks that differ.
func (d *Deviation) addStored(got, ref stored, refTensor func() *quant.Tensor, signal func() float64) {
	if ref.bytes == nil || !sameValues(got, ref) {
		d.add(&quant.Tensor{Type: got.typ, Params: got.params, Data: decodeBytes(got.typ, got.bytes)}, refTensor(), signal)
		return
	}
	scale, noise, changed, signed := float64(ref.params.Scale), d.noise, 0, got.typ.Signed()
	value := func(b byte) int64 {
		if signed {
			return int64(int8(b))
		}
		return int64(b)
	}
	for lo := 0; lo < len(got.bytes); lo += 4 * equalBlock {
		hi := min(lo+4*equalBlock, len(got.bytes))
		if bytes.Equal(got.bytes[lo:hi], ref.bytes[lo:hi]) {
			continue
		}
		for i := lo; i < hi; i++ {
			if diff := value(got.bytes[i]) - value(ref.bytes[i]); diff != 0 {
				noise = d.differ(diff, scale, noise)
				changed++
			}
		}
	}
	d.close(len(got.bytes), changed, signal, noise)
}

// differ counts one element that differs by diff from the reference and
// returns the noise with its square added.
func (d *Deviation) differ(diff int64, scale, noise float64) float64 {
	d.count(diff)
	d.MaxLSB = max(d.MaxLSB, diff, -diff)
	d.sum += diff
	e := scale * float64(diff)
	return noise + e*e
}

// close ends the comparison of n elements of which changed differ: the
// others count as equal (adding 0 * 0 leaves the noise, a sum of squares,
// as it is), and the sums take their new values. The signal is asked for
// only once there is noise: without it the SNR is infinite, and a noise,
// once there, stays (a sum of squares), so the signal kept is always the
// one after the latest comparison.
func (d *Deviation) close(n, changed int, signal func() float64, noise float64) {
	if same := n - changed; same > 0 {
		d.count(0)
		d.counts[countOffset] += same - 1
	}
	d.changed += changed
	if d.noise = noise; noise > 0 {
		d.signal = signal()
	}
	d.Elements += n
	d.finish()
}

func (d *Deviation) finish() {
	if d.Elements == 0 {
		return
	}
	for i := d.countLo; i <= d.countHi; i++ {
		if n := d.counts[i]; n > 0 {
			d.insert(int64(i-countOffset), n)
			d.counts[i] = 0
		}
	}
	d.countLo, d.countHi = len(d.counts), -1
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

// equalInt32 reports whether two slices of equal length hold the same
// values, comparing their memory at once (slices.Equal compares element
// by element).
func equalInt32(a, b []int32) bool {
	if len(a) == 0 {
		return true
	}
	return bytes.Equal(unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), 4*len(a)),
		unsafe.Slice((*byte)(unsafe.Pointer(&b[0])), 4*len(b)))
}
