// Package classroom computes what the classroom page shows: the "2 x 3"
// multiply under every requantization variant, a small matrix product
// clocked through the register-level array, and a handwritten digit
// classified by one network under every driver policy.
//
// The one idea to hold: the page does no arithmetic of its own. Every number
// it shows is computed by this package, compiled to WebAssembly with the rest
// of npusim (package wasm beside it), from the same Go code the command line
// runs: demo.NewMulOf for the multiply, npu/rtl for the array, drivers and
// the simulated NPU for the phones. The page's JavaScript only draws the
// views this package returns, which are plain JSON-ready structs, with the
// numbers already formatted where the command line formats them.
package classroom
