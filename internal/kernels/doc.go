// Package kernels holds the simulator's fast int8 kernels: a blocked GEMM on
// packed 8-bit operands (the matrix unit, and the reference interpreter's
// convolutions and fully connected layers), a depthwise convolution with
// channels innermost (the vector unit), and requantization of int32 blocks
// to 8 bits with per-channel multipliers.
//
// Every kernel has a pure-Go implementation, which is the specification, and
// SIMD implementations in Go assembly chosen at run time from the CPU's
// features (see [Impl]): AVX-512 VNNI (VPDPBUSD) and AVX2 (VPMADDWD on
// sign-extended 16-bit operands, exact because every product of two 9-bit
// differences and every sum of two such products fits in 32 bits). On other
// architectures only the pure-Go implementation is built.
//
// The one idea to hold in mind: a convolution's accumulator is a sum of
// products in wrapping (mod 2^32) int32 arithmetic, which is associative, so
// any blocking and summation order gives the same bits. Zero points are
// either subtracted while packing (16-bit panels) or folded out of the inner
// loop as row and column sums (8-bit panels):
//
//	sum_k (a-za)(b-zb) = sum_k a*b - zb*sum_k a - za*sum_k b + K*za*zb  (mod 2^32)
//
// Narrower wrapping accumulators (16 or 24 bits) are the int32 result
// wrapped afterwards ([WrapInt32]): 2^16 and 2^24 divide 2^32. Saturating
// accumulators depend on the order of the sums and are not covered here.
//
// The GEMM follows the GotoBLAS/BLIS structure (K. Goto, R. van de Geijn,
// "Anatomy of high-performance matrix multiplication", ACM TOMS 34(3), 2008):
// operands packed into panels, a register-blocked micro-kernel, K blocked so
// that a weight panel stays in the L1 cache. The VNNI micro-kernel follows
// Intel's description of VPDPBUSD (Intel 64 and IA-32 Architectures Software
// Developer's Manual, vol. 2C).
package kernels
