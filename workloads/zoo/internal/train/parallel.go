package train

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallel calls f(i) for i in [0, n) on one goroutine per CPU. Each call
// must write only what belongs to its own i, so that the result does not
// depend on the number of goroutines or on their order.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// sumInto adds parts[0], parts[1], ... into dst, every element in the order
// of the parts (a fixed order: the reduction of per-sample gradients gives
// the same bits whatever the number of goroutines that computed them). The
// index range is split among goroutines; each element is summed by one.
func sumInto(dst []float64, parts [][]float64) {
	const chunk = 1024
	parallel((len(dst)+chunk-1)/chunk, func(c int) {
		lo, hi := c*chunk, min((c+1)*chunk, len(dst))
		for _, p := range parts {
			d, s := dst[lo:hi], p[lo:hi]
			for i := range d {
				d[i] += s[i]
			}
		}
	})
}

// buffers returns n zeroed slices of length size, reusing *bufs when it
// already holds them.
func buffers(bufs *[][]float64, n, size int) [][]float64 {
	b := scratch(bufs, n, size)
	parallel(n, func(i int) { clear(b[i]) })
	return b
}

// scratch returns n slices of length size, reusing *bufs when it already
// holds them; the caller overwrites every element.
func scratch(bufs *[][]float64, n, size int) [][]float64 {
	if len(*bufs) > 0 && len((*bufs)[0]) != size {
		*bufs = nil
	}
	for len(*bufs) < n {
		*bufs = append(*bufs, make([]float64, size))
	}
	return (*bufs)[:n]
}
