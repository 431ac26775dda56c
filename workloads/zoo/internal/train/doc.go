// Package train trains the float networks behind the zoo's trained
// workloads, with its own forward and backward passes:
//
//   - digits-mlp and digits-cnn, on the UCI handwritten digits: fully
//     connected, 3x3 convolution with SAME padding, 2x2 max pool, fused
//     ReLU, the softmax cross-entropy loss, and minibatch SGD with momentum
//     and a linearly falling learning rate (Goodfellow, Bengio and
//     Courville, Deep Learning, 2016, sections 6.5 and 8.3);
//   - fashion-mobilenet, on Fashion-MNIST (MobileNet, fashion_net.go): a
//     MobileNet v2-style network of inverted residual blocks, convolutions
//     with batch normalisation and ReLU6, depthwise convolutions, residual
//     adds, a global average pool, trained with Adam a minibatch at a time,
//     the images of a batch in parallel (batch.go, norm.go); Fold folds the
//     batch normalisations into the convolutions for quantization;
//   - kjv-lstm, a character language model on the King James Version
//     (CharLM): an LSTM cell whose nonlinearities are all int8 IR operations,
//     trained by backpropagation through time on segments of the text, the
//     segments of a batch in parallel.
//
// Parallel training stays a pure function of its inputs: every image or
// segment computes its own gradient, and the gradients are summed in image
// order (sumInto), so the result does not depend on the number of
// goroutines.
//
// The one idea to hold in mind: training is a pure function of the data,
// the architecture and the Config, the same bits on every machine, so that
// the committed weights can be checked by retraining. Hence:
//
//   - every sum runs in a fixed order in float64;
//   - every product that feeds a sum is rounded by an explicit float64
//     conversion, float64(x*w), which forbids the compiler from fusing it
//     into a multiply-add (Go fuses on arm64, and on amd64 with GOAMD64=v3);
//   - the exponential is computed here, not by math.Exp, whose assembly
//     differs between architectures;
//   - random numbers come from a seeded PCG through integer draws only
//     (Uint64, Shuffle), never NormFloat64, which calls math.Exp and math.Log.
//
// Tensors are laid out as in the workloads IR, so trained parameters drop
// into workloads.Builder's ConvWith and FCWith unchanged: activations NHWC
// with a batch of one, convolution filters [outC, fh, fw, inC], fully
// connected weights [units, size] reading their input flattened in NHWC
// order.
//
// The committed weights (workloads/zoo/data/*.f32, MarshalBinary's
// little-endian float32 values) come from the commands in cmd/ (traindigits,
// trainfashion, traincharlm), run by go generate ./workloads/zoo from the
// repository root.
package train
