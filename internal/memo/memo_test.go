package memo

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestGetComputesOncePerKey(t *testing.T) {
	var m Map[string, int]
	var calls atomic.Int32
	var wg sync.WaitGroup
	got := make([]int, 64)
	for i := range got {
		wg.Go(func() {
			key := []string{"a", "bb"}[i%2]
			got[i], _ = m.Get(key, func() (int, error) {
				calls.Add(1)
				return len(key), nil
			})
		})
	}
	wg.Wait()
	for i, v := range got {
		if v != 1+i%2 {
			t.Fatalf("Get %d returned %d, want %d", i, v, 1+i%2)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("computed %d times for 2 keys", n)
	}
	boom := errors.New("boom")
	for range 2 {
		if _, err := m.Get("c", func() (int, error) { calls.Add(1); return 0, boom }); err != boom {
			t.Errorf("error %v, want the kept %v", err, boom)
		}
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("a failed computation ran again (%d calls)", n)
	}
}
