#include "textflag.h"

// Depthwise kernels. AX accumulator row, BX window origin, CX pixels left,
// DX cout, SI channel, DI prepared weights, R8 accStride in bytes, R9
// pixStride, R10 taps, R11 taps left, R12 input address, R13 weights
// address, Z5/Y5 flip bytes, Z6/Y6 zero point.

#define DWARGS \
	MOVQ acc+0(FP), AX \
	MOVQ accStride+8(FP), R8 \
	SHLQ $2, R8 \
	MOVQ src+16(FP), BX \
	ADDQ at+24(FP), BX \
	MOVQ pixStride+32(FP), R9 \
	MOVQ n+40(FP), CX \
	MOVQ w+64(FP), DI \
	MOVQ cout+72(FP), DX

// func dwPixelsAVX512(acc *int32, accStride int, src *byte, at, pixStride, n int, taps *dwTap, ntaps int, w *int32, cout int, flip uint32, zero int32)
TEXT ·dwPixelsAVX512(SB), NOSPLIT, $0-88
	DWARGS
	MOVL         flip+80(FP), R12
	VPBROADCASTD R12, Z5
	MOVL         zero+84(FP), R12
	VPBROADCASTD R12, Z6

pixel:
	XORQ SI, SI

channels:
	// K1 selects the channels left, at most 16.
	MOVQ  DX, R12
	SUBQ  SI, R12
	MOVQ  $0xffff, R13
	CMPQ  R12, $16
	JGE   2(PC)
	BZHIQ R12, R13, R13
	KMOVW R13, K1
	VPXORD Z0, Z0, Z0
	MOVQ  taps+48(FP), R10
	MOVQ  ntaps+56(FP), R11
	TESTQ R11, R11
	JZ    store

tap:
	MOVQ       (R10), R12
	ADDQ       BX, R12
	MOVQ       8(R10), R13
	ADDQ       DI, R13
	VMOVDQU8.Z (R12)(SI*1), K1, X1
	VPXORD     X5, X1, X1
	VPMOVZXBD  X1, Z1
	VPSUBD     Z6, Z1, Z1
	VPMADDWD   (R13)(SI*4), Z1, Z1
	VPADDD     Z1, Z0, Z0
	ADDQ       $16, R10
	DECQ       R11
	JNZ        tap

store:
	VMOVDQU32 Z0, K1, (AX)(SI*4)
	ADDQ      $16, SI
	CMPQ      SI, DX
	JLT       channels
	ADDQ      R8, AX
	ADDQ      R9, BX
	DECQ      CX
	JNZ       pixel
	VZEROUPPER
	RET

// func dwPixelsAVX2(acc *int32, accStride int, src *byte, at, pixStride, n int, taps *dwTap, ntaps int, w *int32, cout int, flip uint32, zero int32)
TEXT ·dwPixelsAVX2(SB), NOSPLIT, $0-88
	DWARGS
	MOVL         flip+80(FP), R12
	MOVQ         R12, X5
	VPBROADCASTD X5, Y5
	MOVL         zero+84(FP), R12
	MOVQ         R12, X6
	VPBROADCASTD X6, Y6

pixel:
	XORQ SI, SI

channels:
	VPXOR Y0, Y0, Y0
	MOVQ  taps+48(FP), R10
	MOVQ  ntaps+56(FP), R11
	TESTQ R11, R11
	JZ    store

tap:
	MOVQ      (R10), R12
	ADDQ      BX, R12
	MOVQ      8(R10), R13
	ADDQ      DI, R13
	VMOVQ     (R12)(SI*1), X1
	VPXOR     X5, X1, X1
	VPMOVZXBD X1, Y1
	VPSUBD    Y6, Y1, Y1
	VPMADDWD  (R13)(SI*4), Y1, Y1
	VPADDD    Y1, Y0, Y0
	ADDQ      $16, R10
	DECQ      R11
	JNZ       tap

store:
	VMOVDQU Y0, (AX)(SI*4)
	ADDQ    $8, SI
	CMPQ    SI, DX
	JLT     channels
	ADDQ    R8, AX
	ADDQ    R9, BX
	DECQ    CX
	JNZ     pixel
	VZEROUPPER
	RET
