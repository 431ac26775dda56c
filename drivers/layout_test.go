package drivers

import (
	"slices"
	"testing"

	"github.com/npusim/npusim/npu"
)

// TestLayoutPlacesAlignedRegionsAndCountsReserves: regions start on 64-byte
// boundaries in the order placed, reserves count toward the fit without an
// address, and the error names the scratchpad and everything in it.
func TestLayoutPlacesAlignedRegionsAndCountsReserves(t *testing.T) {
	lay := newLayout(capacitiesOf(loadHW(t, "tiny"))) // 16 KiB activation, 8 KiB weight, 4 KiB accumulator
	addrs := []int{
		lay.place(npu.ActivationSRAM, "input[0]", 100),
		lay.place(npu.ActivationSRAM, "output[0]", 30),
		lay.place(npu.ActivationSRAM, "input[1]", 100),
		lay.place(npu.WeightSRAM, "weights", 5000),
	}
	if want := []int{0, 128, 192, 0}; !slices.Equal(addrs, want) {
		t.Errorf("addresses %v, want %v", addrs, want)
	}
	lay.reserve(npu.ActivationSRAM, "margin", 64)
	if got := lay.needs(npu.ActivationSRAM); got != 294 { // 230 bytes of regions and 64 reserved; they end at 292
		t.Errorf("activation needs %d bytes, want 294", got)
	}
	if err := lay.check(); err != nil {
		t.Errorf("fits, but %v", err)
	}
	lay.reserve(npu.WeightSRAM, "margin: activation table", 3200)
	const want = "weight SRAM: needs 8200 bytes of its 8192 (weights 5000 at 0, margin: activation table 3200 reserved)"
	if err := lay.check(); err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if lay.fitsIn(npu.WeightSRAM) || !lay.fitsIn(npu.AccumulatorSRAM) {
		t.Error("the weight scratchpad overflows and the accumulators are empty")
	}
}

// TestLayoutEndBeyondCapacity: regions whose alignment padding carries the
// last one past the end do not fit, whatever the reserves.
func TestLayoutEndBeyondCapacity(t *testing.T) {
	lay := newLayout(capacitiesOf(loadHW(t, "tiny")))
	lay.place(npu.AccumulatorSRAM, "a", 1)
	lay.place(npu.AccumulatorSRAM, "b", 4096-64+1) // starts at 64, ends at 4097
	if got := lay.needs(npu.AccumulatorSRAM); got != 4097 {
		t.Errorf("needs %d, want 4097", got)
	}
	if lay.check() == nil {
		t.Error("a region ending at 4097 fits a 4096-byte scratchpad")
	}
}
