//go:build !purego

#include "textflag.h"

// lanes holds 0, 1, ..., 15.
DATA lanes<>+0(SB)/8, $0x0000000100000000
DATA lanes<>+8(SB)/8, $0x0000000300000002
DATA lanes<>+16(SB)/8, $0x0000000500000004
DATA lanes<>+24(SB)/8, $0x0000000700000006
DATA lanes<>+32(SB)/8, $0x0000000900000008
DATA lanes<>+40(SB)/8, $0x0000000b0000000a
DATA lanes<>+48(SB)/8, $0x0000000d0000000c
DATA lanes<>+56(SB)/8, $0x0000000f0000000e
GLOBL lanes<>(SB), RODATA|NOPTR, $64

// LOADROWS loads 16 bytes (K1-masked, zero elsewhere) at offset R12 of the
// eight rows AX, BX, CX, DX, R8, R9, R10, R11: rows 0..3 into the four
// 128-bit lanes of Z0, rows 4..7 into Z1.
#define LOADROWS \
	VMOVDQU8.Z (AX)(R12*1), K1, X0 \
	VMOVDQU8.Z (BX)(R12*1), K1, X2 \
	VMOVDQU8.Z (CX)(R12*1), K1, X3 \
	VMOVDQU8.Z (DX)(R12*1), K1, X4 \
	VINSERTI32X4 $1, X2, Z0, Z0 \
	VINSERTI32X4 $2, X3, Z0, Z0 \
	VINSERTI32X4 $3, X4, Z0, Z0 \
	VMOVDQU8.Z (R8)(R12*1), K1, X1 \
	VMOVDQU8.Z (R9)(R12*1), K1, X2 \
	VMOVDQU8.Z (R10)(R12*1), K1, X3 \
	VMOVDQU8.Z (R11)(R12*1), K1, X4 \
	VINSERTI32X4 $1, X2, Z1, Z1 \
	VINSERTI32X4 $2, X3, Z1, Z1 \
	VINSERTI32X4 $3, X4, Z1, Z1

// INTERLEAVE flips the bytes (Z5), adds each group of four to the row sums
// (Z12, Z13) and leaves groups 0 and 1 of the eight rows in Z4, groups 2
// and 3 in Z0.
#define INTERLEAVE \
	VPXORD Z5, Z0, Z0 \
	VPXORD Z5, Z1, Z1 \
	VPDPBUSD Z0, Z8, Z12 \
	VPDPBUSD Z1, Z8, Z13 \
	VMOVDQA64 Z0, Z4 \
	VPERMT2D Z1, Z6, Z4 \
	VPERMT2D Z1, Z7, Z0

// func packA8x8(dst, src *byte, offs *[8]int, k int, flip uint32, sums, idx *int32)
//
// packA8x8 packs one block of eight rows of k bytes (row i at src +
// offs[i]) as [k/4][8][4] bytes at dst, each byte XOR flip, and stores the
// rows' sums of the flipped bytes read as int8 into sums[0..7]. idx holds
// the three VPERMT2D index vectors (groups 0-1, groups 2-3, sums).
TEXT ·packA8x8(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         offs+16(FP), R13
	MOVQ         (R13), AX
	ADDQ         SI, AX
	MOVQ         8(R13), BX
	ADDQ         SI, BX
	MOVQ         16(R13), CX
	ADDQ         SI, CX
	MOVQ         24(R13), DX
	ADDQ         SI, DX
	MOVQ         32(R13), R8
	ADDQ         SI, R8
	MOVQ         40(R13), R9
	ADDQ         SI, R9
	MOVQ         48(R13), R10
	ADDQ         SI, R10
	MOVQ         56(R13), R11
	ADDQ         SI, R11
	MOVQ         k+24(FP), SI
	MOVL         flip+32(FP), R13
	VPBROADCASTD R13, Z5
	MOVQ         idx+48(FP), R13
	VMOVDQU32    (R13), Z6
	VMOVDQU32    64(R13), Z7
	MOVL         $0x01010101, R13
	VPBROADCASTD R13, Z8
	VPXORD       Z12, Z12, Z12
	VPXORD       Z13, Z13, Z13
	XORQ         R12, R12
	MOVL         $0xffff, R13
	KMOVW        R13, K1

full:
	CMPQ      SI, $16
	JLT       tail
	LOADROWS
	INTERLEAVE
	VMOVDQU32 Z4, (DI)
	VMOVDQU32 Z0, 64(DI)
	ADDQ      $16, R12
	ADDQ      $128, DI
	SUBQ      $16, SI
	JMP       full

tail:
	TESTQ     SI, SI
	JZ        sums
	// K1 selects the SI bytes left; the flip applies to them only.
	MOVQ      $1, R13
	MOVQ      SI, CX
	SHLQ      CX, R13
	DECQ      R13
	KMOVW     R13, K1
	MOVQ      $0x0001000100010001, R14
	IMULQ     R14, R13
	KMOVQ     R13, K3
	VMOVDQU8.Z Z5, K3, Z5
	// K4 and K5 select the dwords of the ceil(SI/4) groups stored.
	ADDQ      $3, SI
	SHRQ      $2, SI
	SHLQ      $3, SI
	MOVQ      SI, CX
	MOVQ      $1, R13
	SHLQ      CX, R13
	DECQ      R13
	KMOVW     R13, K4
	SHRQ      $16, R13
	KMOVW     R13, K5
	MOVQ      offs+16(FP), R13
	MOVQ      16(R13), CX
	ADDQ      src+8(FP), CX
	LOADROWS
	INTERLEAVE
	VMOVDQU32 Z4, K4, (DI)
	VMOVDQU32 Z0, K5, 64(DI)

sums:
	// Add the four lanes of each row, then gather one per row.
	VPSHUFD   $0xb1, Z12, Z4
	VPADDD    Z4, Z12, Z12
	VPSHUFD   $0x4e, Z12, Z4
	VPADDD    Z4, Z12, Z12
	VPSHUFD   $0xb1, Z13, Z4
	VPADDD    Z4, Z13, Z13
	VPSHUFD   $0x4e, Z13, Z4
	VPADDD    Z4, Z13, Z13
	MOVQ      idx+48(FP), R13
	VMOVDQU32 128(R13), Z6
	VPERMT2D  Z13, Z6, Z12
	MOVQ      sums+40(FP), R13
	VMOVDQU   Y12, (R13)
	VZEROUPPER
	RET

// func packB8Panel(dst, src *byte, ldb, k4, width, cols int, flip uint32, sums *int32)
//
// packB8Panel packs k4 whole groups of four bytes of a panel of width (16
// or 32) columns, column j's bytes at src + j*ldb, as [k4][width][4] bytes
// at dst, each byte XOR flip, columns from cols on zero; it stores each
// column's sum of the flipped bytes in sums[0..width). One VPGATHERDD
// collects a group of sixteen columns.
TEXT ·packB8Panel(SB), NOSPLIT, $0-64
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         ldb+16(FP), AX
	MOVQ         k4+24(FP), CX
	MOVQ         width+32(FP), DX
	MOVQ         cols+40(FP), R8
	MOVL         flip+48(FP), R9
	VPBROADCASTD R9, Z5
	MOVL         $0x01010101, R9
	VPBROADCASTD R9, Z8
	// Z6, Z7: byte offsets of columns 0-15 and 16-31; K1, K2: valid columns.
	VPBROADCASTD AX, Z9
	VMOVDQU32    lanes<>(SB), Z11
	VPMULLD      Z9, Z11, Z6
	VPSLLD       $4, Z9, Z12
	VPADDD       Z12, Z6, Z7
	MOVQ         $1, R9
	MOVQ         R8, CX
	SHLQ         CX, R9
	DECQ         R9
	MOVQ         k4+24(FP), CX
	MOVL         R9, R10
	MOVL         R9, R11
	SHRL         $16, R11
	KMOVW        R10, K1
	KMOVW        R11, K2
	VPXORD       Z12, Z12, Z12
	VPXORD       Z13, Z13, Z13
	TESTQ        CX, CX
	JZ           done

group:
	VPXORD      Z0, Z0, Z0
	KMOVW       R10, K3
	VPGATHERDD  (SI)(Z6*1), K3, Z0
	VPXORD      Z5, Z0, K1, Z0
	VPDPBUSD    Z8, Z0, Z12
	VMOVDQU32   Z0, (DI)
	CMPQ        DX, $16
	JEQ         next
	VPXORD      Z1, Z1, Z1
	KMOVW       R11, K3
	VPGATHERDD  (SI)(Z7*1), K3, Z1
	VPXORD      Z5, Z1, K2, Z1
	VPDPBUSD    Z8, Z1, Z13
	VMOVDQU32   Z1, 64(DI)

next:
	ADDQ $4, SI
	LEAQ (DI)(DX*4), DI
	DECQ CX
	JNZ  group

done:
	MOVQ      sums+56(FP), AX
	VMOVDQU32 Z12, (AX)
	CMPQ      DX, $16
	JEQ       2(PC)
	VMOVDQU32 Z13, 64(AX)
	VZEROUPPER
	RET
