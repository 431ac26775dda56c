//go:build !purego

#include "textflag.h"

// func narrowAVX512(dst *byte, src *int32, n int)
TEXT ·narrowAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX

loop:
	VMOVDQU32 (SI), Z0
	VPMOVDB   Z0, (DI)
	ADDQ      $64, SI
	ADDQ      $16, DI
	DECQ      CX
	JNZ       loop
	VZEROUPPER
	RET

// func narrowExactAVX512(dst *byte, src *int32, n int, offset int32) uint32
TEXT ·narrowExactAVX512(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	SHRQ         $4, CX
	MOVL         offset+24(FP), AX
	VPBROADCASTD AX, Z3
	VPXORD       Z2, Z2, Z2

exactLoop:
	VMOVDQU32 (SI), Z0
	VPMOVDB   Z0, (DI)
	VPADDD    Z3, Z0, Z1
	VPORD     Z1, Z2, Z2
	ADDQ      $64, SI
	ADDQ      $16, DI
	DECQ      CX
	JNZ       exactLoop

	// OR the 16 lanes together.
	VEXTRACTI64X4 $1, Z2, Y1
	VPOR          Y1, Y2, Y2
	VEXTRACTI128  $1, Y2, X1
	VPOR          X1, X2, X2
	VPSHUFD       $0x4e, X2, X1
	VPOR          X1, X2, X2
	VPSHUFD       $0xb1, X2, X1
	VPOR          X1, X2, X2
	VMOVD         X2, AX
	MOVL          AX, ret+32(FP)
	VZEROUPPER
	RET

// func widenAVX512(dst *int32, src *byte, n int, signed bool)
TEXT ·widenAVX512(SB), NOSPLIT, $0-25
	MOVQ    dst+0(FP), DI
	MOVQ    src+8(FP), SI
	MOVQ    n+16(FP), CX
	SHRQ    $4, CX
	MOVBLZX signed+24(FP), AX
	TESTQ   AX, AX
	JZ      unsigned

signed:
	VPMOVSXBD (SI), Z0
	VMOVDQU32 Z0, (DI)
	ADDQ      $16, SI
	ADDQ      $64, DI
	DECQ      CX
	JNZ       signed
	VZEROUPPER
	RET

unsigned:
	VPMOVZXBD (SI), Z0
	VMOVDQU32 Z0, (DI)
	ADDQ      $16, SI
	ADDQ      $64, DI
	DECQ      CX
	JNZ       unsigned
	VZEROUPPER
	RET
