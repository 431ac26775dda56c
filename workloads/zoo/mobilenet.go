package zoo

import (
	"fmt"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

func init() {
	register("mobilenet-v1",
		"MobileNet v1 1.0/224: 13 depthwise-separable blocks, ReLU6, 1001 classes (synthetic weights)", nil,
		func(map[string]int) (*workloads.Workload, error) {
			return imageClassifier(mobileNetV1("mobilenet-v1", 1, 224), "mobilenet-v1", mobileNetV1Source)
		})
	register("mobilenet-v1-0.25-128",
		"MobileNet v1 0.25/128: MobileNet v1 at a quarter of the width on 128x128 images (synthetic weights)", nil,
		func(map[string]int) (*workloads.Workload, error) {
			return imageClassifier(mobileNetV1("mobilenet-v1-0.25-128", 0.25, 128), "mobilenet-v1-0.25-128", mobileNetV1Source)
		})
	register("mobilenet-v2", "MobileNet v2 1.0/224: 17 inverted residual blocks with linear bottlenecks, ReLU6, "+
		"1001 classes (synthetic weights)", nil,
		func(map[string]int) (*workloads.Workload, error) {
			return imageClassifier(mobileNetV2("mobilenet-v2"), "mobilenet-v2", mobileNetV2Source)
		})
}

// Where the MobileNets' layers and published figures come from.
const (
	mobileNetV1Source = "MobileNet v1, Howard et al. 2017, arXiv:1704.04861 " +
		"(Table 1 layers; Table 8: 569 M mult-adds, 4.2 M parameters); " +
		"layers as TF-slim mobilenet_v1.py (SAME padding, 1001-class 1x1-conv classifier); " +
		"MACs and parameters per width and resolution from TF-slim mobilenet_v1.md " +
		"(1.0/224: 569 M, 4.24 M; 0.25/128: 14 M, 0.47 M)"
	mobileNetV2Source = "MobileNetV2, Sandler et al. 2018, arXiv:1801.04381 " +
		"(Table 2 layers; Table 4: 300 M multiply-adds, 3.4 M parameters); " +
		"layers as TF-slim mobilenet/mobilenet_v2.py (SAME padding, 1001-class 1x1-conv classifier); " +
		"figures from TF-slim mobilenet/README.md (mobilenet_v2_1.0_224: 300 M MACs, 3.47 M parameters)"
)

// mobileNetV1Blocks are MobileNet v1's depthwise-separable blocks after the
// stem (Howard et al., Table 1): the pointwise output channels at width 1.0
// and the depthwise stride.
var mobileNetV1Blocks = []struct{ channels, stride int }{
	{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},
	{512, 1}, {512, 1}, {512, 1}, {512, 1}, {512, 1},
	{1024, 2}, {1024, 1},
}

// slimClasses is the classifier width of the TF-slim checkpoints: the
// 1000 ImageNet classes and a background class.
const slimClasses = 1001

// mobileNetV1 builds MobileNet v1 as TF-slim defines it: a 3x3 stride-2
// convolution, 13 blocks of 3x3 depthwise and 1x1 pointwise convolutions,
// each followed by (folded) batch normalisation and ReLU6, SAME padding
// throughout; then a global average pool, a 1x1 convolution to the logits and
// a softmax. The width multiplier scales every layer's channels (never below
// 8, as TF-slim's min_depth); size is the input's height and width.
func mobileNetV1(name string, width float64, size int) *workloads.FloatModel {
	depth := func(c int) int { return max(int(float64(c)*width), 8) }
	b := workloads.NewBuilder(name, 1)
	x := b.Input("input", 1, size, size, 3)
	x = b.Conv("Conv2d_0", x, depth(32), 3, 3, 2, workloads.Same, quant.ActRelu6)
	for i, blk := range mobileNetV1Blocks {
		x = b.Depthwise(fmt.Sprintf("Conv2d_%d_depthwise", i+1), x, 3, blk.stride, workloads.Same, quant.ActRelu6)
		x = b.Conv(fmt.Sprintf("Conv2d_%d_pointwise", i+1), x, depth(blk.channels), 1, 1, 1, workloads.Same, quant.ActRelu6)
	}
	probs := classifierHead(b, x)
	description := fmt.Sprintf("MobileNet v1 (width multiplier %g, %dx%d input) with seeded synthetic weights",
		width, size, size)
	return b.Build(description, probs)
}

// classifierHead ends a TF-slim network: global average pool, a 1x1
// convolution to the logits (with bias, no activation), a reshape to
// [1, classes] and a softmax.
func classifierHead(b *workloads.Builder, x int) int {
	x = b.GlobalAveragePool("Logits/AvgPool", x)
	x = b.Conv("Logits/Conv2d_1c_1x1", x, slimClasses, 1, 1, 1, workloads.Same, quant.ActNone)
	x = b.Reshape("Logits/SpatialSqueeze", x, 1, slimClasses)
	return b.Softmax("Predictions", x, 1)
}

// mobileNetV2Stages are MobileNetV2's bottleneck stages (Sandler et al.,
// Table 2): expansion factor t, output channels c, repeats n and the stride
// s of the first repeat.
var mobileNetV2Stages = []struct{ t, c, n, s int }{
	{1, 16, 1, 1},
	{6, 24, 2, 2},
	{6, 32, 3, 2},
	{6, 64, 4, 2},
	{6, 96, 3, 1},
	{6, 160, 3, 2},
	{6, 320, 1, 1},
}

// mobileNetV2 builds MobileNetV2 1.0/224 as TF-slim defines it: a 3x3
// stride-2 convolution to 32 channels, 17 inverted residual blocks, a 1x1
// convolution to 1280 channels and the classifier head. A block expands its
// input t times with a 1x1 convolution and ReLU6 (no expansion when t is 1),
// filters it with a 3x3 depthwise convolution and ReLU6, and projects it back
// with a linear 1x1 convolution (the linear bottleneck); when the block keeps
// the resolution and the channels, its input is added to its output (the
// inverted residual, no activation after the ADD).
func mobileNetV2(name string) *workloads.FloatModel {
	b := workloads.NewBuilder(name, 2)
	x := b.Input("input", 1, 224, 224, 3)
	x = b.Conv("Conv", x, 32, 3, 3, 2, workloads.Same, quant.ActRelu6)
	block := 0
	for _, st := range mobileNetV2Stages {
		for r := range st.n {
			stride := 1
			if r == 0 {
				stride = st.s
			}
			scope := "expanded_conv"
			if block > 0 {
				scope = fmt.Sprintf("expanded_conv_%d", block)
			}
			x = invertedResidual(b, scope, x, st.t, st.c, stride)
			block++
		}
	}
	x = b.Conv("Conv_1", x, 1280, 1, 1, 1, workloads.Same, quant.ActRelu6)
	probs := classifierHead(b, x)
	return b.Build("MobileNetV2 1.0/224 with seeded synthetic weights", probs)
}

// invertedResidual adds one MobileNetV2 bottleneck block.
func invertedResidual(b *workloads.Builder, scope string, x, expansion, channels, stride int) int {
	in := x
	inC := b.Shape(x)[3]
	if expansion > 1 {
		x = b.Conv(scope+"/expand", x, inC*expansion, 1, 1, 1, workloads.Same, quant.ActRelu6)
	}
	x = b.Depthwise(scope+"/depthwise", x, 3, stride, workloads.Same, quant.ActRelu6)
	x = b.Conv(scope+"/project", x, channels, 1, 1, 1, workloads.Same, quant.ActNone)
	if stride == 1 && inC == channels {
		x = b.Add(scope+"/add", in, x, quant.ActNone)
	}
	return x
}
