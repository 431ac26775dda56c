package workloads

import (
	"testing"

	"github.com/npusim/npusim/quant"
)

func TestReluActivationAndOp(t *testing.T) {
	for _, tc := range []struct {
		kind OpKind
		act  quant.Activation
	}{
		{Relu, quant.ActRelu},
		{Relu1, quant.ActRelu1},
		{Relu6, quant.ActRelu6},
	} {
		act, ok := tc.kind.ReluActivation()
		if !ok || act != tc.act {
			t.Errorf("%s.ReluActivation() = %v, %v; want %v, true", tc.kind, act, ok, tc.act)
		}
		kind, ok := ReluOp(tc.act)
		if !ok || kind != tc.kind {
			t.Errorf("ReluOp(%v) = %s, %v; want %s, true", tc.act, kind, ok, tc.kind)
		}
	}
	if _, ok := Conv2D.ReluActivation(); ok {
		t.Errorf("CONV_2D is not a standalone ReLU")
	}
	if _, ok := ReluOp(quant.ActNone); ok {
		t.Errorf("no standalone op clamps nothing")
	}
}
