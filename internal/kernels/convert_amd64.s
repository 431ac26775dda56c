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
