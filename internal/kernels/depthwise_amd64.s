//go:build !purego

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

// DWTAP64 adds one tap to 64 channels from SI: the input bytes extended
// by EXT, less the zero point, times the weights (VPDPWSSD on the low
// halves; the weights' high halves are zero).
#define DWTAP64(EXT) \
	MOVQ     (R10), R12 \
	ADDQ     BX, R12 \
	MOVQ     8(R10), R13 \
	ADDQ     DI, R13 \
	EXT      (R12)(SI*1), Z1 \
	EXT      16(R12)(SI*1), Z2 \
	EXT      32(R12)(SI*1), Z3 \
	EXT      48(R12)(SI*1), Z4 \
	VPSUBD   Z6, Z1, Z1 \
	VPSUBD   Z6, Z2, Z2 \
	VPSUBD   Z6, Z3, Z3 \
	VPSUBD   Z6, Z4, Z4 \
	VPDPWSSD (R13)(SI*4), Z1, Z0 \
	VPDPWSSD 64(R13)(SI*4), Z2, Z7 \
	VPDPWSSD 128(R13)(SI*4), Z3, Z8 \
	VPDPWSSD 192(R13)(SI*4), Z4, Z9 \
	ADDQ     $16, R10

// DWTAP16 adds one tap to the K1-selected channels of 16 from SI.
#define DWTAP16(EXT) \
	MOVQ       (R10), R12 \
	ADDQ       BX, R12 \
	MOVQ       8(R10), R13 \
	ADDQ       DI, R13 \
	VMOVDQU8.Z (R12)(SI*1), K1, X1 \
	EXT        X1, Z1 \
	VPSUBD     Z6, Z1, Z1 \
	VPDPWSSD   (R13)(SI*4), Z1, Z0 \
	ADDQ       $16, R10

#define DWSETUP \
	DWARGS \
	MOVL         zero+80(FP), R12 \
	VPBROADCASTD R12, Z6

// The AVX-512 kernels, one per signedness of the input: each output pixel
// in blocks of 64 channels (Z0, Z7, Z8, Z9), then 16 at a time (Z0, K1).
// func dwPixelsSignedAVX512(acc *int32, accStride int, src *byte, at, pixStride, n int, taps *dwTap, ntaps int, w *int32, cout int, zero int32)
TEXT ·dwPixelsSignedAVX512(SB), NOSPLIT, $0-84
	DWSETUP

pixel:
	XORQ SI, SI

wide:
	MOVQ   DX, R12
	SUBQ   SI, R12
	CMPQ   R12, $64
	JLT    narrow
	VPXORD Z0, Z0, Z0
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	MOVQ   taps+48(FP), R10
	MOVQ   ntaps+56(FP), R11
	TESTQ  R11, R11
	JZ     wstore

wtap:
	DWTAP64(VPMOVSXBD)
	DECQ R11
	JNZ  wtap

wstore:
	VMOVDQU32 Z0, (AX)(SI*4)
	VMOVDQU32 Z7, 64(AX)(SI*4)
	VMOVDQU32 Z8, 128(AX)(SI*4)
	VMOVDQU32 Z9, 192(AX)(SI*4)
	ADDQ      $64, SI
	JMP       wide

narrow:
	CMPQ   SI, DX
	JGE    next
	MOVQ   DX, R12
	SUBQ   SI, R12
	MOVQ   $0xffff, R13
	CMPQ   R12, $16
	JGE    2(PC)
	BZHIQ  R12, R13, R13
	KMOVW  R13, K1
	VPXORD Z0, Z0, Z0
	MOVQ   taps+48(FP), R10
	MOVQ   ntaps+56(FP), R11
	TESTQ  R11, R11
	JZ     nstore

ntap:
	DWTAP16(VPMOVSXBD)
	DECQ R11
	JNZ  ntap

nstore:
	VMOVDQU32 Z0, K1, (AX)(SI*4)
	ADDQ      $16, SI
	JMP       narrow

next:
	ADDQ R8, AX
	ADDQ R9, BX
	DECQ CX
	JNZ  pixel
	VZEROUPPER
	RET

// func dwPixelsUnsignedAVX512(acc *int32, accStride int, src *byte, at, pixStride, n int, taps *dwTap, ntaps int, w *int32, cout int, zero int32)
TEXT ·dwPixelsUnsignedAVX512(SB), NOSPLIT, $0-84
	DWSETUP

pixel:
	XORQ SI, SI

wide:
	MOVQ   DX, R12
	SUBQ   SI, R12
	CMPQ   R12, $64
	JLT    narrow
	VPXORD Z0, Z0, Z0
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	MOVQ   taps+48(FP), R10
	MOVQ   ntaps+56(FP), R11
	TESTQ  R11, R11
	JZ     wstore

wtap:
	DWTAP64(VPMOVZXBD)
	DECQ R11
	JNZ  wtap

wstore:
	VMOVDQU32 Z0, (AX)(SI*4)
	VMOVDQU32 Z7, 64(AX)(SI*4)
	VMOVDQU32 Z8, 128(AX)(SI*4)
	VMOVDQU32 Z9, 192(AX)(SI*4)
	ADDQ      $64, SI
	JMP       wide

narrow:
	CMPQ   SI, DX
	JGE    next
	MOVQ   DX, R12
	SUBQ   SI, R12
	MOVQ   $0xffff, R13
	CMPQ   R12, $16
	JGE    2(PC)
	BZHIQ  R12, R13, R13
	KMOVW  R13, K1
	VPXORD Z0, Z0, Z0
	MOVQ   taps+48(FP), R10
	MOVQ   ntaps+56(FP), R11
	TESTQ  R11, R11
	JZ     nstore

ntap:
	DWTAP16(VPMOVZXBD)
	DECQ R11
	JNZ  ntap

nstore:
	VMOVDQU32 Z0, K1, (AX)(SI*4)
	ADDQ      $16, SI
	JMP       narrow

next:
	ADDQ R8, AX
	ADDQ R9, BX
	DECQ CX
	JNZ  pixel
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
