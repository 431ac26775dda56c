// Package parallel runs independent pieces of one computation on every CPU
// the process may use. The pieces write only what belongs to them, so the
// result does not depend on the number of goroutines or on their order:
// parallel work in npusim gives the same bytes as serial work.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(i) for each i in [0, n), on one goroutine per CPU
// (runtime.GOMAXPROCS), each taking the next i as it finishes one. Each
// call must write only what belongs to its own i. With one CPU, or one i,
// the calls run in order on the caller's goroutine.
//
// A panic in f stops the remaining calls from starting and is raised again
// in the caller's goroutine once the calls under way have returned, where
// the caller's recover sees it as it would a serial panic.
func For(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var (
		next      atomic.Int64
		wg        sync.WaitGroup
		failure   any
		failOnce  sync.Once
		panicking atomic.Bool
	)
	for range workers {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					failOnce.Do(func() { failure = p })
					panicking.Store(true)
				}
			}()
			for i := int(next.Add(1) - 1); i < n && !panicking.Load(); i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
	if panicking.Load() {
		panic(failure)
	}
}
