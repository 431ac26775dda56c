package engines

import (
	"reflect"
	"testing"
)

// TestORTTimingJoin wants the runs of two timings, in order, and a nil
// timing to join as nothing.
func TestORTTimingJoin(t *testing.T) {
	a := &ORTTiming{Version: "1.30.0", WallMs: []float64{1, 2}, CPUMs: []float64{3, 4}}
	b := &ORTTiming{Version: "1.30.0", WallMs: []float64{5}, CPUMs: []float64{6}}
	want := &ORTTiming{Version: "1.30.0", WallMs: []float64{1, 2, 5}, CPUMs: []float64{3, 4, 6}}
	if got := a.Join(b); !reflect.DeepEqual(got, want) {
		t.Errorf("Join: %+v, want %+v", got, want)
	}
	var none *ORTTiming
	if got := none.Join(b); !reflect.DeepEqual(got, b) {
		t.Errorf("nil Join: %+v, want %+v", got, b)
	}
	if len(a.WallMs) != 2 {
		t.Error("Join changed its receiver")
	}
}
