// Package layers holds the test of the design's rule that imports only go
// down the package table of the README: a package imports packages of lower
// layers, its own ancestors and internal helpers, never a package of its
// own layer or of one above it. So npu and workloads import only quant (and
// internal helpers), and the hardware never knows which driver wrote its
// program.
package layers
