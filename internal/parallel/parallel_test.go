package parallel

import (
	"runtime"
	"slices"
	"testing"
)

func TestForCallsEachIndexOnce(t *testing.T) {
	for _, procs := range []int{1, 2, 8} {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		for _, n := range []int{0, 1, 2, 7, 1000} {
			calls := make([]int, n)
			For(n, func(i int) { calls[i]++ })
			want := make([]int, n)
			for i := range want {
				want[i] = 1
			}
			if !slices.Equal(calls, want) {
				t.Errorf("GOMAXPROCS %d, n %d: calls per index %v, want one each", procs, n, calls)
			}
		}
	}
}

func TestForRaisesAPanicInTheCaller(t *testing.T) {
	for _, procs := range []int{1, 4} {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		got := func() (p any) {
			defer func() { p = recover() }()
			For(100, func(i int) {
				if i == 37 {
					panic("index 37")
				}
			})
			return nil
		}()
		if got != "index 37" {
			t.Errorf("GOMAXPROCS %d: recovered %v, want the panic of index 37", procs, got)
		}
	}
}
