package limits

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestSaturatingArithmetic holds Mul and Add to exact big-integer
// arithmetic: the exact result when it fits 64 bits, math.MaxUint64 when
// it does not.
func TestSaturatingArithmetic(t *testing.T) {
	const seed = 12
	rng := rand.New(rand.NewPCG(seed, 0))
	max64 := new(big.Int).SetUint64(math.MaxUint64)
	exact := func(z *big.Int) uint64 {
		if z.Cmp(max64) > 0 {
			return math.MaxUint64
		}
		return z.Uint64()
	}
	for i := range 100000 {
		a, b := rng.Uint64()>>rng.IntN(64), rng.Uint64()>>rng.IntN(64)
		ba, bb := new(big.Int).SetUint64(a), new(big.Int).SetUint64(b)
		if got, want := Mul(a, b), exact(new(big.Int).Mul(ba, bb)); got != want {
			t.Fatalf("seed %d, draw %d: Mul(%d, %d) = %d, want %d", seed, i, a, b, got, want)
		}
		if got, want := Add(a, b), exact(new(big.Int).Add(ba, bb)); got != want {
			t.Fatalf("seed %d, draw %d: Add(%d, %d) = %d, want %d", seed, i, a, b, got, want)
		}
	}
	if got := Product(1<<40, 1<<30, -3); got != 0 {
		t.Errorf("a negative dimension: product %d, want 0", got)
	}
	if got := Product(1<<40, 1<<30); got != math.MaxUint64 {
		t.Errorf("2^70: product %d, want saturation", got)
	}
}

func TestParse(t *testing.T) {
	l, err := Parse(Default(), []string{"macs=2^40", "elements=1e6", " devices = 12 "})
	if err != nil {
		t.Fatal(err)
	}
	if l[MACs] != 1<<40 || l[Elements] != 1000000 || l[Devices] != 12 || l[Work] != Default()[Work] {
		t.Errorf("parsed %v", l)
	}
	for _, bad := range []string{"nope=3", "macs", "macs=0", "macs=1.5", "macs=2^63", "macs=-4", "macs=1e300", "macs=x"} {
		if _, err := Parse(Default(), []string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestCheckNamesFieldAndFlag(t *testing.T) {
	old := Set(Default())
	defer Set(old)
	err := Check(Elements, "cases[0].output", 1<<30)
	want := "cases[0].output: 1073741824 elements, more than the limit of 16777216 elements of one tensor (raise it with --limit elements=N)"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant  %s", err, want)
	}
	if err := Check(Elements, "x", 1<<24); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	if err := Check(MACs, "one inference", math.MaxUint64); err == nil || err.Error() != "one inference: more than 2^64 multiply-accumulates, more than the limit of 8589934592 multiply-accumulates (and pool window reads) of one inference (raise it with --limit macs=N)" {
		t.Errorf("saturated: %v", err)
	}
}

// TestReadFileBounded: a file over the limit, or a device that never ends,
// is an error after reading at most the limit, not a process that runs out
// of memory.
func TestReadFileBounded(t *testing.T) {
	l := Default()
	l[FileBytes] = 1 << 16
	old := Set(l)
	defer Set(old)
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, 1<<17), 0o644); err != nil {
		t.Fatal(err)
	}
	var exceeded *ExceededError
	if _, err := ReadFile(big); !errors.As(err, &exceeded) || exceeded.Got != 1<<17 {
		t.Errorf("a file of 2^17 bytes: %v", err)
	}
	if _, err := ReadFile(dir); err == nil {
		t.Error("a directory was read")
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		return
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadFile("/dev/zero")
	runtime.ReadMemStats(&after)
	if !errors.As(err, &exceeded) || after.TotalAlloc-before.TotalAlloc > 4<<20 {
		t.Errorf("/dev/zero: %v after %d bytes allocated", err, after.TotalAlloc-before.TotalAlloc)
	}
}
