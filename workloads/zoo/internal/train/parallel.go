package train

import "github.com/npusim/npusim/internal/parallel"

// sumInto adds parts[0], parts[1], ... into dst, every element in the order
// of the parts (a fixed order: the reduction of per-sample gradients gives
// the same bits whatever the number of goroutines that computed them). The
// index range is split among goroutines; each element is summed by one.
func sumInto(dst []float64, parts [][]float64) {
	const chunk = 1024
	parallel.For((len(dst)+chunk-1)/chunk, func(c int) {
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
	parallel.For(n, func(i int) { clear(b[i]) })
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
