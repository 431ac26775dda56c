// Package train trains the small float networks behind the digits-mlp and
// digits-cnn workloads on the UCI handwritten digits: its own forward and
// backward passes (fully connected, 3x3 convolution with SAME padding, 2x2
// max pool, fused ReLU), the softmax cross-entropy loss, and minibatch SGD
// with momentum and a linearly falling learning rate (Goodfellow, Bengio and
// Courville, Deep Learning, 2016, sections 6.5 and 8.3).
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
// The committed weights (workloads/zoo/data/digits-mlp.f32 and digits-cnn.f32,
// MarshalBinary's little-endian float32 values) come from
//
//	go run ./workloads/zoo/internal/train/cmd/traindigits
//
// run from the repository root (or go generate ./workloads/zoo).
package train
