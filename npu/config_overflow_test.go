package npu

import (
	"encoding/json"
	"testing"
)

// TestOverflowText: an overflow behaviour reads and writes as its name,
// the zero value as the empty text, and nothing else reads.
func TestOverflowText(t *testing.T) {
	for _, o := range []Overflow{0, Saturate, Wrap} {
		b, err := json.Marshal(Accumulation{Bits: 24, Overflow: o})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"bits":24,"overflow":"` + o.String() + `"}`
		if string(b) != want {
			t.Errorf("%d marshals as %s, want %s", o, b, want)
		}
		var back Accumulation
		if err := json.Unmarshal(b, &back); err != nil || back.Overflow != o {
			t.Errorf("%s reads back as %d (%v)", b, back.Overflow, err)
		}
	}
	if Saturate.String() != "saturate" || Wrap.String() != "wrap" || Overflow(9).String() != "Overflow(9)" {
		t.Errorf("names %q %q %q", Saturate, Wrap, Overflow(9))
	}
	if _, err := Overflow(9).MarshalText(); err == nil {
		t.Error("an unknown behaviour marshals")
	}
	var o Overflow
	if err := o.UnmarshalText([]byte("clip")); err == nil || err.Error() != `must be saturate or wrap, got "clip"` {
		t.Errorf("clip: %v", err)
	}
}
