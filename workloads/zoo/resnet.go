package zoo

import (
	"fmt"

	"github.com/npusim/npusim/quant"
	"github.com/npusim/npusim/workloads"
)

func init() {
	register("resnet18", "ResNet-18: 7x7 stem, max pool, 8 basic residual blocks, FC 1000 (synthetic weights)", nil,
		func(map[string]int) (*workloads.Workload, error) {
			return imageClassifier(resNet18("resnet18"), "resnet18", resNet18Source)
		})
}

// resNet18Source says where ResNet-18's layers and published figures come
// from.
const resNet18Source = "ResNet-18, He et al. 2016, arXiv:1512.03385 " +
	"(Table 1: 1.8 G FLOPs, counted as multiply-adds); " +
	"layers as torchvision resnet18 (projection shortcuts only where the shape changes, 1000-class FC) " +
	"with TensorFlow SAME padding; " +
	"figures from torchvision's ResNet18_Weights.IMAGENET1K_V1 " +
	"(11,689,512 parameters with 2 batch-norm parameters per channel, 1.81 GFLOPS)"

// resNet18Stages are ResNet-18's stages: two basic blocks each, the first
// block of a stage striding (except after the max pool) and widening.
var resNet18Stages = []struct{ channels, stride int }{{64, 1}, {128, 2}, {256, 2}, {512, 2}}

// resNet18 builds ResNet-18: a 7x7 stride-2 convolution to 64 channels and
// ReLU (112x112), a 3x3 stride-2 max pool (56x56), four stages of two basic
// blocks, a global average pool, a 1000-way fully connected layer and a
// softmax. Batch normalisation is folded into every convolution. Padding is
// TensorFlow's SAME: the stem pads 2 pixels above and left and 3 below and
// right where torchvision pads 3 all round, the output sizes (and so the
// MACs) are the same.
func resNet18(name string) *workloads.FloatModel {
	b := workloads.NewBuilder(name, 18)
	x := b.Input("input", 1, 224, 224, 3)
	x = b.Conv("conv1", x, 64, 7, 7, 2, workloads.Same, quant.ActRelu)
	x = b.Pool("maxpool", workloads.MaxPool2D, x, 3, 2, workloads.Same)
	for s, st := range resNet18Stages {
		for blk := range 2 {
			stride := 1
			if blk == 0 {
				stride = st.stride
			}
			x = basicBlock(b, fmt.Sprintf("layer%d.%d", s+1, blk), x, st.channels, stride)
		}
	}
	x = b.GlobalAveragePool("avgpool", x)
	x = b.Reshape("flatten", x, 1, b.Shape(x)[3])
	x = b.FC("fc", x, 1000, quant.ActNone)
	return b.Build("ResNet-18 with seeded synthetic weights", b.Softmax("softmax", x, 1))
}

// basicBlock adds a ResNet basic block: two 3x3 convolutions (the first
// strided, ReLU after it), added to the shortcut with a ReLU fused into the
// ADD. The shortcut is the identity, or a strided 1x1 projection convolution
// when the block changes the resolution or the channels.
func basicBlock(b *workloads.Builder, scope string, x, channels, stride int) int {
	shortcut := x
	if stride != 1 || b.Shape(x)[3] != channels {
		shortcut = b.Conv(scope+".downsample", x, channels, 1, 1, stride, workloads.Same, quant.ActNone)
	}
	y := b.Conv(scope+".conv1", x, channels, 3, 3, stride, workloads.Same, quant.ActRelu)
	y = residualConv(b, scope+".conv2", y, channels)
	return b.Add(scope+".add", y, shortcut, quant.ActRelu)
}

// residualConv adds the 3x3 convolution that ends a residual branch, with
// the Builder's synthetic weights but half its batch-norm gains (0.25 to
// 0.75): trained residual networks end each branch with small gains (Goyal
// et al. 2017 even start them at zero), which keeps the sum from doubling
// its variance at every block and the logits in a trained network's range.
func residualConv(b *workloads.Builder, name string, x, channels int) int {
	fanIn := 3 * 3 * b.Shape(x)[3]
	w, bias := b.SyntheticWeights(channels*fanIn, fanIn, channels, func(i int) int { return i / fanIn }, 0.25, 0.75)
	return b.ConvWith(name, x, channels, 3, 3, 1, workloads.Same, quant.ActNone, w, bias)
}
