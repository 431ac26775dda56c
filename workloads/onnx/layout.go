package onnx

// ONNX stores images NCHW; the IR stores them NHWC. These helpers move shapes
// and data between the two.

// toNCHW returns the NCHW dimensions of an NHWC shape.
func toNCHW(s []int) []int { return []int{s[0], s[3], s[1], s[2]} }

// toNHWC returns the NHWC dimensions of an NCHW shape.
func toNHWC(s []int) []int { return []int{s[0], s[2], s[3], s[1]} }

// orderFree reports whether a 4-D tensor (NHWC shape) lists its elements in
// the same order in both layouts: one channel, or one pixel per image.
func orderFree(nhwc []int) bool { return nhwc[3] == 1 || nhwc[1]*nhwc[2] == 1 }

// nhwcToNCHW reorders NHWC data into NCHW.
func nhwcToNCHW[T any](data []T, nhwc []int) []T {
	n, h, w, c := nhwc[0], nhwc[1], nhwc[2], nhwc[3]
	out := make([]T, len(data))
	for b := range n {
		for y := range h {
			for x := range w {
				for ch := range c {
					out[((b*c+ch)*h+y)*w+x] = data[((b*h+y)*w+x)*c+ch]
				}
			}
		}
	}
	return out
}

// nchwToNHWC reorders NCHW data (of an NHWC-shaped tensor) into NHWC.
func nchwToNHWC[T any](data []T, nhwc []int) []T {
	n, h, w, c := nhwc[0], nhwc[1], nhwc[2], nhwc[3]
	out := make([]T, len(data))
	for b := range n {
		for y := range h {
			for x := range w {
				for ch := range c {
					out[((b*h+y)*w+x)*c+ch] = data[((b*c+ch)*h+y)*w+x]
				}
			}
		}
	}
	return out
}

// onnxAxis maps an NHWC axis onto the NCHW one.
func onnxAxis(irAxis int) int { return [4]int{0, 2, 3, 1}[irAxis] }

// irAxis maps an NCHW axis onto the NHWC one.
func irAxis(onnxAxis int) int { return [4]int{0, 3, 1, 2}[onnxAxis] }
