package zoo

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/npusim/npusim/workloads/zoo/internal/train"
)

// TestDigitsFloatAccuracy runs the float32 model of each digits network,
// built from the committed weights, on the 539 test images, and checks that
// it computes what the training code computes.
func TestDigitsFloatAccuracy(t *testing.T) {
	_, testSet, err := digitsSets()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		right int // test images classified correctly, of 539
	}{
		{"digits-mlp", 524}, // 0.9722
		{"digits-cnn", 532}, // 0.9870
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := digitsNet(c.name)
			if err != nil {
				t.Fatal(err)
			}
			fm := digitsFloat(n)
			logits := fm.Ops[len(fm.Ops)-2].Output
			right, worst := 0, 0.0
			for _, d := range testSet {
				v, err := fm.Run([][]float32{digitsImage(d)})
				if err != nil {
					t.Fatal(err)
				}
				p := v[fm.Outputs[0]]
				if slices.Index(p, slices.Max(p)) == d.Label {
					right++
				}
				for i, z := range n.Logits(d.Input()) {
					worst = max(worst, math.Abs(z-float64(v[logits][i])))
				}
			}
			if worst > 1e-4 {
				t.Errorf("float32 logits differ from the training code's by up to %g, want < 1e-4", worst)
			}
			acc := float64(right) / float64(len(testSet))
			t.Logf("%s: float test accuracy %d/%d = %.4f", c.name, right, len(testSet), acc)
			if len(testSet) != 539 || right != c.right {
				t.Errorf("float test accuracy %d/%d = %.4f, want %d/539 = %.4f", right, len(testSet), acc, c.right, float64(c.right)/539)
			}
		})
	}
}

// TestDigitsWeightsReproduce retrains each digits network and checks that
// training reproduces the committed weights bit for bit. The CNN takes a
// few seconds and is skipped under -short.
func TestDigitsWeightsReproduce(t *testing.T) {
	trainSet, _, err := digitsSets()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		net  *train.Net
		want []byte
	}{
		{train.MLP(), digitsMLPWeights},
		{train.CNN(), digitsCNNWeights},
	} {
		t.Run(c.net.Name, func(t *testing.T) {
			if testing.Short() && c.net.Name == "digits-cnn" {
				t.Skip("training the CNN takes seconds; skipped under -short")
			}
			c.net.Fit(trainSet, nil)
			got, err := c.net.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.want) {
				t.Errorf("retrained weights differ from the committed ones (go generate ./workloads/zoo regenerates them): %s", firstDifference(c.net, got, c.want))
			}
		})
	}
}

// firstDifference names the first parameter value where two encodings of a
// network's weights differ.
func firstDifference(n *train.Net, a, b []byte) string {
	if len(a) != len(b) {
		return "sizes differ"
	}
	off := 0
	for _, p := range n.Params() {
		for i := range p.Value {
			if !bytes.Equal(a[off:off+4], b[off:off+4]) {
				return p.Name + "[" + strconv.Itoa(i) + "]"
			}
			off += 4
		}
	}
	return "none"
}
