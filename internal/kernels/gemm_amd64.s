//go:build !purego

#include "textflag.h"

// GEMM micro-kernels. Register use of the VNNI kernels:
//   AX block of A ([k4][8][4] int8), BX panel of B ([k4][width][4] uint8),
//   CX groups left, DX row of C, SI ldc in bytes, DI rows left,
//   R8 rowCorr, R9 colCorr, R10 accumulate flag,
//   K1 (K2) column mask of the first (second) 16 columns,
//   Z0..Z15 accumulators (row i in Z(i) for width 16, Z(2i), Z(2i+1) for 32),
//   Z16, Z17 B vectors, Z18, Z19 column corrections, Z20, Z21 scratch.

// ROW16 finishes one row of 16 columns: adds the row and column corrections
// and, if accumulating, the row of C, stores it, and moves to the next row.
#define ROW16(i, z) \
	VPBROADCASTD (i*4)(R8), Z20 \
	VPADDD Z20, z, z \
	VPADDD Z18, z, z \
	TESTB R10, R10 \
	JZ 3(PC) \
	VMOVDQU32.Z (DX), K1, Z21 \
	VPADDD Z21, z, z \
	VMOVDQU32 z, K1, (DX) \
	DECQ DI \
	JZ done \
	ADDQ SI, DX

#define ROW32(i, z0, z1) \
	VPBROADCASTD (i*4)(R8), Z20 \
	VPADDD Z20, z0, z0 \
	VPADDD Z20, z1, z1 \
	VPADDD Z18, z0, z0 \
	VPADDD Z19, z1, z1 \
	TESTB R10, R10 \
	JZ 5(PC) \
	VMOVDQU32.Z (DX), K1, Z20 \
	VPADDD Z20, z0, z0 \
	VMOVDQU32.Z 64(DX), K2, Z21 \
	VPADDD Z21, z1, z1 \
	VMOVDQU32 z0, K1, (DX) \
	VMOVDQU32 z1, K2, 64(DX) \
	DECQ DI \
	JZ done \
	ADDQ SI, DX

#define LOADARGS \
	MOVQ a+0(FP), AX \
	MOVQ b+8(FP), BX \
	MOVQ k4+16(FP), CX \
	MOVQ c+24(FP), DX \
	MOVQ ldc+32(FP), SI \
	SHLQ $2, SI \
	MOVQ rows+40(FP), DI \
	MOVL mask+48(FP), R11 \
	MOVQ rowCorr+56(FP), R8 \
	MOVQ colCorr+64(FP), R9 \
	MOVBLZX accumulate+72(FP), R10 \
	KMOVW R11, K1 \
	SHRL $16, R11 \
	KMOVW R11, K2

// func tile8x32VNNI(a, b *byte, k4 int, c *int32, ldc, rows int, mask uint32, rowCorr, colCorr *int32, accumulate bool)
TEXT ·tile8x32VNNI(SB), NOSPLIT, $0-73
	LOADARGS
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	TESTQ CX, CX
	JZ    finish

loop:
	VMOVDQU32     (BX), Z16
	VMOVDQU32     64(BX), Z17
	VPDPBUSD.BCST (AX), Z16, Z0
	VPDPBUSD.BCST (AX), Z17, Z1
	VPDPBUSD.BCST 4(AX), Z16, Z2
	VPDPBUSD.BCST 4(AX), Z17, Z3
	VPDPBUSD.BCST 8(AX), Z16, Z4
	VPDPBUSD.BCST 8(AX), Z17, Z5
	VPDPBUSD.BCST 12(AX), Z16, Z6
	VPDPBUSD.BCST 12(AX), Z17, Z7
	VPDPBUSD.BCST 16(AX), Z16, Z8
	VPDPBUSD.BCST 16(AX), Z17, Z9
	VPDPBUSD.BCST 20(AX), Z16, Z10
	VPDPBUSD.BCST 20(AX), Z17, Z11
	VPDPBUSD.BCST 24(AX), Z16, Z12
	VPDPBUSD.BCST 24(AX), Z17, Z13
	VPDPBUSD.BCST 28(AX), Z16, Z14
	VPDPBUSD.BCST 28(AX), Z17, Z15
	ADDQ          $32, AX
	ADDQ          $128, BX
	DECQ          CX
	JNZ           loop

finish:
	VMOVDQU32 (R9), Z18
	VMOVDQU32 64(R9), Z19
	ROW32(0, Z0, Z1)
	ROW32(1, Z2, Z3)
	ROW32(2, Z4, Z5)
	ROW32(3, Z6, Z7)
	ROW32(4, Z8, Z9)
	ROW32(5, Z10, Z11)
	ROW32(6, Z12, Z13)
	ROW32(7, Z14, Z15)

done:
	VZEROUPPER
	RET

// func tile8x16VNNI(a, b *byte, k4 int, c *int32, ldc, rows int, mask uint32, rowCorr, colCorr *int32, accumulate bool)
TEXT ·tile8x16VNNI(SB), NOSPLIT, $0-73
	LOADARGS
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	TESTQ  CX, CX
	JZ     finish

loop:
	VMOVDQU32     (BX), Z16
	VPDPBUSD.BCST (AX), Z16, Z0
	VPDPBUSD.BCST 4(AX), Z16, Z1
	VPDPBUSD.BCST 8(AX), Z16, Z2
	VPDPBUSD.BCST 12(AX), Z16, Z3
	VPDPBUSD.BCST 16(AX), Z16, Z4
	VPDPBUSD.BCST 20(AX), Z16, Z5
	VPDPBUSD.BCST 24(AX), Z16, Z6
	VPDPBUSD.BCST 28(AX), Z16, Z7
	ADDQ          $32, AX
	ADDQ          $64, BX
	DECQ          CX
	JNZ           loop

finish:
	VMOVDQU32 (R9), Z18
	ROW16(0, Z0)
	ROW16(1, Z1)
	ROW16(2, Z2)
	ROW16(3, Z3)
	ROW16(4, Z4)
	ROW16(5, Z5)
	ROW16(6, Z6)
	ROW16(7, Z7)

done:
	VZEROUPPER
	RET

// STEP1 is one group of four for a single row: row 0's four bytes of the
// A block broadcast, times two vectors of B, into z0 and z1.
#define STEP1(off, z0, z1) \
	VPBROADCASTD (off*32)(AX), Z20 \
	VMOVDQU32    (off*128)(BX), Z16 \
	VMOVDQU32    (off*128+64)(BX), Z17 \
	VPDPBUSD     Z20, Z16, z0 \
	VPDPBUSD     Z20, Z17, z1

// func tile1x32VNNI(a, b *byte, k4 int, c *int32, ldc, rows int, mask uint32, rowCorr, colCorr *int32, accumulate bool)
//
// tile1x32VNNI is tile8x32VNNI for one row (a fully connected layer's
// batch of one): four groups per iteration into four pairs of accumulators
// (VPDPBUSD's latency would otherwise serialise the sums).
TEXT ·tile1x32VNNI(SB), NOSPLIT, $0-73
	LOADARGS
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7

four:
	CMPQ CX, $4
	JLT  one
	STEP1(0, Z0, Z1)
	STEP1(1, Z2, Z3)
	STEP1(2, Z4, Z5)
	STEP1(3, Z6, Z7)
	ADDQ $128, AX
	ADDQ $512, BX
	SUBQ $4, CX
	JMP  four

one:
	TESTQ CX, CX
	JZ    sum
	STEP1(0, Z0, Z1)
	ADDQ  $32, AX
	ADDQ  $128, BX
	DECQ  CX
	JMP   one

sum:
	VPADDD    Z2, Z0, Z0
	VPADDD    Z4, Z6, Z6
	VPADDD    Z6, Z0, Z0
	VPADDD    Z3, Z1, Z1
	VPADDD    Z5, Z7, Z7
	VPADDD    Z7, Z1, Z1
	VMOVDQU32 (R9), Z18
	VMOVDQU32 64(R9), Z19
	ROW32(0, Z0, Z1)

done:
	VZEROUPPER
	RET

// AVX2 micro-kernel of the 16-bit layout: AX block of A ([k2][4][2] int16),
// BX panel of B ([k2][16][2] int16), CX pairs left, DX row of C, SI ldc in
// bytes, DI rows left, R10 accumulate flag, Y0..Y7 accumulators (row i in
// Y(2i), Y(2i+1)), Y8, Y9 B, Y10 broadcast A pair, Y11 products, Y12, Y13
// column masks.

#define ROW16X2(z0, z1) \
	TESTB R10, R10 \
	JZ 5(PC) \
	VPMASKMOVD (DX), Y12, Y11 \
	VPADDD Y11, z0, z0 \
	VPMASKMOVD 32(DX), Y13, Y11 \
	VPADDD Y11, z1, z1 \
	VPMASKMOVD z0, Y12, (DX) \
	VPMASKMOVD z1, Y13, 32(DX) \
	DECQ DI \
	JZ done \
	ADDQ SI, DX

#define MADD(off, z0, z1) \
	VPBROADCASTD off(AX), Y10 \
	VPMADDWD Y8, Y10, Y11 \
	VPADDD Y11, z0, z0 \
	VPMADDWD Y9, Y10, Y11 \
	VPADDD Y11, z1, z1

// func tile16x4AVX2(a, b *int16, k2 int, c *int32, ldc, rows int, masks *int32, accumulate bool)
TEXT ·tile16x4AVX2(SB), NOSPLIT, $0-57
	MOVQ    a+0(FP), AX
	MOVQ    b+8(FP), BX
	MOVQ    k2+16(FP), CX
	MOVQ    c+24(FP), DX
	MOVQ    ldc+32(FP), SI
	SHLQ    $2, SI
	MOVQ    rows+40(FP), DI
	MOVQ    masks+48(FP), R8
	MOVBLZX accumulate+56(FP), R10
	VMOVDQU (R8), Y12
	VMOVDQU 32(R8), Y13
	VPXOR   Y0, Y0, Y0
	VPXOR   Y1, Y1, Y1
	VPXOR   Y2, Y2, Y2
	VPXOR   Y3, Y3, Y3
	VPXOR   Y4, Y4, Y4
	VPXOR   Y5, Y5, Y5
	VPXOR   Y6, Y6, Y6
	VPXOR   Y7, Y7, Y7
	TESTQ   CX, CX
	JZ      finish

loop:
	VMOVDQU (BX), Y8
	VMOVDQU 32(BX), Y9
	MADD(0, Y0, Y1)
	MADD(4, Y2, Y3)
	MADD(8, Y4, Y5)
	MADD(12, Y6, Y7)
	ADDQ    $16, AX
	ADDQ    $64, BX
	DECQ    CX
	JNZ     loop

finish:
	ROW16X2(Y0, Y1)
	ROW16X2(Y2, Y3)
	ROW16X2(Y4, Y5)
	ROW16X2(Y6, Y7)

done:
	VZEROUPPER
	RET
