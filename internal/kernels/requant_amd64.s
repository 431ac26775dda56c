//go:build !purego

#include "textflag.h"

// func requantDoubleRoundingAVX512(dst *byte, dstStride int, acc *int32, accStride, rows, cols int, consts *int32, padded int, lim *[3]int32)
//
// Sixteen columns at a time, every row of them: x = acc + bias; x <<= left
// (wrapping); the doubling high multiply by Q rounded half up, as
// (x*Q + 2^30) >> 31 on 64-bit products of the even and the odd lanes,
// saturated to INT32_MAX where x = Q = INT32_MIN; a right shift rounding
// half away from zero (remainder against mask/2, plus one if negative);
// clamp to [lo-zp, hi-zp], add zp, store the low bytes.
//
// DI dst, R8 dstStride, SI acc, R9 accStride in bytes, R10 rows, CX columns
// left, R11 constants, R12 bytes between constant vectors, R13 acc row,
// R14 dst row, R15 rows left. Z10 bias, Z11 Q, Z12 left, Z13 right, Z14
// mask, Z15 half mask, Z16 Q of the odd lanes, Z17 INT32_MIN, Z18 2^30 per
// quadword, Z19 INT32_MAX, Z20 zp, Z21 lo-zp, Z22 hi-zp, Z23 ones; K1
// columns, K3 lanes whose Q is INT32_MIN, K4 odd lanes.
TEXT ·requantDoubleRoundingAVX512(SB), NOSPLIT, $0-72
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	MOVQ         acc+16(FP), SI
	MOVQ         accStride+24(FP), R9
	SHLQ         $2, R9
	MOVQ         rows+32(FP), R10
	MOVQ         cols+40(FP), CX
	MOVQ         consts+48(FP), R11
	MOVQ         padded+56(FP), R12
	SHLQ         $2, R12
	MOVQ         lim+64(FP), AX
	VPBROADCASTD (AX), Z20
	VPBROADCASTD 4(AX), Z21
	VPBROADCASTD 8(AX), Z22
	MOVL         $0x80000000, AX
	VPBROADCASTD AX, Z17
	MOVL         $0x7fffffff, AX
	VPBROADCASTD AX, Z19
	MOVL         $1, AX
	VPBROADCASTD AX, Z23
	MOVQ         $0x40000000, AX
	VPBROADCASTQ AX, Z18
	MOVL         $0xaaaa, AX
	KMOVW        AX, K4

block:
	MOVQ  $0xffff, AX
	CMPQ  CX, $16
	JGE   2(PC)
	BZHIQ CX, AX, AX
	KMOVW AX, K1
	MOVQ  R11, AX
	VMOVDQU32 (AX), Z10
	ADDQ  R12, AX
	VMOVDQU32 (AX), Z11
	ADDQ  R12, AX
	VMOVDQU32 (AX), Z12
	ADDQ  R12, AX
	VMOVDQU32 (AX), Z13
	ADDQ  R12, AX
	VMOVDQU32 (AX), Z14
	ADDQ  R12, AX
	VMOVDQU32 (AX), Z15
	VPSRLQ $32, Z11, Z16
	VPCMPEQD Z17, Z11, K3
	MOVQ  SI, R13
	MOVQ  DI, R14
	MOVQ  R10, R15

row:
	VMOVDQU32.Z (R13), K1, Z0
	VPADDD      Z10, Z0, Z0
	VPSLLVD     Z12, Z0, Z0
	VPCMPEQD    Z17, Z0, K2
	KANDW       K3, K2, K2
	VPMULDQ     Z11, Z0, Z1
	VPSRLQ      $32, Z0, Z2
	VPMULDQ     Z16, Z2, Z2
	VPADDQ      Z18, Z1, Z1
	VPADDQ      Z18, Z2, Z2
	VPSRAQ      $31, Z1, Z1
	VPSRAQ      $31, Z2, Z2
	VPSLLQ      $32, Z2, Z2
	VPBLENDMD   Z2, Z1, K4, Z0
	VMOVDQA32   Z19, K2, Z0
	VPANDD      Z14, Z0, Z1
	VPSRAD      $31, Z0, Z2
	VPSUBD      Z2, Z15, Z2
	VPSRAVD     Z13, Z0, Z0
	VPCMPGTD    Z2, Z1, K5
	VPADDD      Z23, Z0, K5, Z0
	VPMAXSD     Z21, Z0, Z0
	VPMINSD     Z22, Z0, Z0
	VPADDD      Z20, Z0, Z0
	VPMOVDB     Z0, K1, (R14)
	ADDQ        R9, R13
	ADDQ        R8, R14
	DECQ        R15
	JNZ         row

	ADDQ $64, SI
	ADDQ $16, DI
	ADDQ $64, R11
	SUBQ $16, CX
	JG   block
	VZEROUPPER
	RET

// func requantSingleRoundingAVX512(dst *byte, dstStride int, acc *int32, accStride, rows, cols int, consts *int32, q64 *int64, padded int, lim *[3]int32)
//
// Sixteen columns at a time, every row of them: x = acc + bias; the 64-bit
// products x*Q of the even and the odd lanes; minus one where negative and
// rounding away from zero; plus the rounding constant; an arithmetic right
// shift; saturation to int32; clamp to [lo-zp, hi-zp], add zp, store the
// low bytes.
//
// As requantDoubleRoundingAVX512, and DX the 64-bit constants, BX bytes
// between their arrays; Z12, Z13 shifts, Z14, Z15 rounding constants, Z24,
// Z25 away masks (even, odd lanes); Z17, Z19 INT32_MIN, INT32_MAX per
// quadword.
TEXT ·requantSingleRoundingAVX512(SB), NOSPLIT, $0-80
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	MOVQ         acc+16(FP), SI
	MOVQ         accStride+24(FP), R9
	SHLQ         $2, R9
	MOVQ         rows+32(FP), R10
	MOVQ         cols+40(FP), CX
	MOVQ         consts+48(FP), R11
	MOVQ         q64+56(FP), DX
	MOVQ         padded+64(FP), R12
	MOVQ         R12, BX
	SHLQ         $2, R12
	SHLQ         $3, BX
	MOVQ         lim+72(FP), AX
	VPBROADCASTD (AX), Z20
	VPBROADCASTD 4(AX), Z21
	VPBROADCASTD 8(AX), Z22
	MOVQ         $-2147483648, AX
	VPBROADCASTQ AX, Z17
	MOVQ         $2147483647, AX
	VPBROADCASTQ AX, Z19
	MOVL         $0xaaaa, AX
	KMOVW        AX, K4

sblock:
	MOVQ      $0xffff, AX
	CMPQ      CX, $16
	JGE       2(PC)
	BZHIQ     CX, AX, AX
	KMOVW     AX, K1
	VMOVDQU32 (R11), Z10
	VMOVDQU32 (R11)(R12*1), Z11
	VPSRLQ    $32, Z11, Z16
	MOVQ      DX, AX
	VMOVDQU64 (AX), Z12
	VMOVDQU64 64(AX), Z13
	ADDQ      BX, AX
	VMOVDQU64 (AX), Z14
	VMOVDQU64 64(AX), Z15
	ADDQ      BX, AX
	VMOVDQU64 (AX), Z24
	VMOVDQU64 64(AX), Z25
	MOVQ      SI, R13
	MOVQ      DI, R14
	MOVQ      R10, R15

srow:
	VMOVDQU32.Z (R13), K1, Z0
	VPADDD      Z10, Z0, Z0
	VPMULDQ     Z11, Z0, Z1
	VPSRLQ      $32, Z0, Z2
	VPMULDQ     Z16, Z2, Z2
	VPSRAQ      $63, Z1, Z3
	VPANDQ      Z24, Z3, Z3
	VPADDQ      Z3, Z1, Z1
	VPSRAQ      $63, Z2, Z3
	VPANDQ      Z25, Z3, Z3
	VPADDQ      Z3, Z2, Z2
	VPADDQ      Z14, Z1, Z1
	VPADDQ      Z15, Z2, Z2
	VPSRAVQ     Z12, Z1, Z1
	VPSRAVQ     Z13, Z2, Z2
	VPMAXSQ     Z17, Z1, Z1
	VPMINSQ     Z19, Z1, Z1
	VPMAXSQ     Z17, Z2, Z2
	VPMINSQ     Z19, Z2, Z2
	VPSLLQ      $32, Z2, Z2
	VPBLENDMD   Z2, Z1, K4, Z0
	VPMAXSD     Z21, Z0, Z0
	VPMINSD     Z22, Z0, Z0
	VPADDD      Z20, Z0, Z0
	VPMOVDB     Z0, K1, (R14)
	ADDQ        R9, R13
	ADDQ        R8, R14
	DECQ        R15
	JNZ         srow

	ADDQ $64, SI
	ADDQ $16, DI
	ADDQ $64, R11
	ADDQ $128, DX
	SUBQ $16, CX
	JG   sblock
	VZEROUPPER
	RET

// func requantFP32AVX512Kernel(dst *byte, dstStride int, acc *int32, accStride, rows, cols int, consts *int32, padded int, lim *[3]float32, zp int32)
//
// x = acc + bias converted to float32, times the scale, clamped in float
// to [lo-zp, hi-zp] (VMAXPS, VMINPS), rounded half to even (VCVTPS2DQ in
// the default rounding mode), plus zp; the low bytes stored.
TEXT ·requantFP32AVX512Kernel(SB), NOSPLIT, $0-76
	MOVQ         dst+0(FP), DI
	MOVQ         dstStride+8(FP), R8
	MOVQ         acc+16(FP), SI
	MOVQ         accStride+24(FP), R9
	SHLQ         $2, R9
	MOVQ         rows+32(FP), R10
	MOVQ         cols+40(FP), CX
	MOVQ         consts+48(FP), R11
	MOVQ         padded+56(FP), R12
	SHLQ         $2, R12
	MOVQ         lim+64(FP), AX
	VBROADCASTSS (AX), Z21
	VBROADCASTSS 4(AX), Z22
	MOVL         zp+72(FP), AX
	VPBROADCASTD AX, Z20

fblock:
	MOVQ      $0xffff, AX
	CMPQ      CX, $16
	JGE       2(PC)
	BZHIQ     CX, AX, AX
	KMOVW     AX, K1
	VMOVDQU32 (R11), Z10
	VMOVDQU32 (R11)(R12*1), Z11
	MOVQ      SI, R13
	MOVQ      DI, R14
	MOVQ      R10, R15

frow:
	VMOVDQU32.Z (R13), K1, Z0
	VPADDD      Z10, Z0, Z0
	VCVTDQ2PS   Z0, Z0
	VMULPS      Z11, Z0, Z0
	VMAXPS      Z21, Z0, Z0
	VMINPS      Z22, Z0, Z0
	VCVTPS2DQ   Z0, Z0
	VPADDD      Z20, Z0, Z0
	VPMOVDB     Z0, K1, (R14)
	ADDQ        R9, R13
	ADDQ        R8, R14
	DECQ        R15
	JNZ         frow

	ADDQ $64, SI
	ADDQ $16, DI
	ADDQ $64, R11
	SUBQ $16, CX
	JG   fblock
	VZEROUPPER
	RET
