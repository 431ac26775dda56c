package zoo

import (
	"math"
	"slices"
	"testing"

	"github.com/npusim/npusim/workloads/zoo/internal/train"
)

// Accuracies of fashion-mobilenet on the 1,000 committed test images:
// fashionFloat64Right by the training code (float64, batch norm at
// inference), fashionFloat32Right by the folded float32 model the
// quantization starts from. TestFashionInt8Accuracy has the int8 figure.
const (
	fashionFloat64Right = 896
	fashionFloat32Right = 896
)

// TestFashionFloatAccuracy runs the folded float32 model on the committed
// test images, checks that its logits are the training code's, and pins
// both accuracies.
func TestFashionFloatAccuracy(t *testing.T) {
	n, err := fashionNet()
	if err != nil {
		t.Fatal(err)
	}
	test, err := fashionImages("test")
	if err != nil {
		t.Fatal(err)
	}
	if len(test) != 1000 {
		t.Fatalf("%d committed test images, want 1000", len(test))
	}
	fm := fashionFloat(n.Fold())
	logits := fm.Ops[len(fm.Ops)-2].Output
	right, worst := 0, 0.0
	predicted := n.Predict(test)
	right64 := 0
	for i := range test {
		v, err := fm.Run([][]float32{fashionInput(&test[i])})
		if err != nil {
			t.Fatal(err)
		}
		p := v[fm.Outputs[0]]
		if slices.Index(p, slices.Max(p)) == test[i].Label {
			right++
		}
		if predicted[i] == test[i].Label {
			right64++
		}
		z := v[logits]
		want := n.Logits([]train.Image{test[i]})[0]
		for k := range z {
			worst = max(worst, math.Abs(float64(z[k])-want[k]))
		}
	}
	t.Logf("fashion-mobilenet: float64 %d/1000, float32 %d/1000; float32 logits within %.2g of float64", right64, right, worst)
	if worst > 1e-3 {
		t.Errorf("float32 logits differ from the training code's by up to %g, want < 1e-3", worst)
	}
	if right64 != fashionFloat64Right || right != fashionFloat32Right {
		t.Errorf("float test accuracy %d/1000 (float64), %d/1000 (float32), want %d and %d", right64, right, fashionFloat64Right, fashionFloat32Right)
	}
	if right < 880 {
		t.Errorf("float32 test accuracy %d/1000, want >= 880", right)
	}
}
