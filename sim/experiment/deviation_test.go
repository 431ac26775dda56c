package experiment

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/npusim/npusim/quant"
)

// addPlain is Deviation.Add as it was written before comparisons took
// shortcuts: every element in order, the signal summed as it goes. It is
// the specification the fast paths are held to.
func (d *Deviation) addPlain(got, ref *quant.Tensor) {
	g := onGrid(got, ref.Params, ref.Type)
	for i, r := range ref.Data {
		diff := int64(g[i]) - int64(r)
		d.count(diff)
		d.MaxLSB = max(d.MaxLSB, diff, -diff)
		d.sum += diff
		if diff != 0 {
			d.changed++
		}
		x := float64(ref.Params.Scale) * float64(r-ref.Params.ZeroPoint)
		d.signal += x * x
		e := float64(ref.Params.Scale) * float64(diff)
		d.noise += e * e
	}
	d.Elements += len(ref.Data)
	d.finish()
}

// TestDeviationPathsAgree compares random tensors over several samples by
// the plain loop, by Add, by add with the signal sums computed ahead (as
// References does, asked for only where there is noise), and by addStored on the stored bytes (as experiments
// compare what the NPU left in DRAM), and requires identical deviations,
// every field: grids equal and not, types of either signedness, none,
// few and many differences.
func TestDeviationPathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	types := []quant.Type{quant.Int8, quant.Uint8}
	for trial := range 300 {
		refType, gotType := types[rng.IntN(2)], types[rng.IntN(2)]
		refParams := quant.Params{Scale: 0.01 + rng.Float32(), ZeroPoint: int32(rng.IntN(20))}
		gotParams := refParams
		if rng.IntN(4) == 0 {
			gotParams.Scale *= 1.5
		}
		if rng.IntN(4) == 0 {
			gotParams.ZeroPoint += 3
		}
		var plain, viaAdd, known, fromBytes Deviation
		asked := 0
		signal, share := 0.0, []float64{0, 0.001, 0.03, 0.5, 1}[rng.IntN(5)]
		for range 1 + rng.IntN(3) {
			n := rng.IntN(700)
			ref, got := randTensor(rng, refType, refParams, n), randTensor(rng, gotType, gotParams, n)
			for i := range got.Data {
				if rng.Float64() >= share {
					got.Data[i] = quant.Clamp(int64(ref.Data[i]), gotType.Min(), gotType.Max())
				}
			}
			refBytes, _ := storedBytes(ref)
			if rng.IntN(5) == 0 {
				refBytes = nil // values the bytes cannot hold: compared decoded
			}
			signal = SignalSum(signal, ref)
			after := func() float64 { asked++; return signal }
			plain.addPlain(got, ref)
			viaAdd.Add(got, ref)
			known.add(got, ref, after)
			fromBytes.addStored(stored{got.Bytes(), gotType, gotParams}, stored{refBytes, refType, refParams}, func() *quant.Tensor { return ref }, after)
		}
		if plain.noise == 0 && asked > 0 {
			t.Fatalf("trial %d: the signal was asked for %d times, with no noise to compare it with", trial, asked)
		}
		for name, d := range map[string]*Deviation{"Add": &viaAdd, "add": &known, "addStored": &fromBytes} {
			if !reflect.DeepEqual(withoutUnusedSignal(*d), withoutUnusedSignal(plain)) {
				t.Fatalf("trial %d (%v on %+v against %v on %+v): %s gives\n%+v\nthe plain loop\n%+v", trial, gotType, gotParams, refType, refParams, name, *d, plain)
			}
		}
	}
}

// withoutUnusedSignal is d with its signal sum cleared where it has no
// noise: the SNR is then infinite and the signal never asked for.
func withoutUnusedSignal(d Deviation) Deviation {
	if d.noise == 0 {
		d.signal = 0
	}
	return d
}

// randTensor is a tensor of n random values of a type.
func randTensor(rng *rand.Rand, typ quant.Type, p quant.Params, n int) *quant.Tensor {
	t := quant.NewTensor(typ, []int{n}, p)
	for i := range t.Data {
		t.Data[i] = typ.Min() + int32(rng.IntN(int(typ.Max()-typ.Min())+1))
	}
	return t
}
