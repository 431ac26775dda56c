package train

// FashionMobileNet returns the untrained network of the fashion-mobilenet
// workload.
func FashionMobileNet() *MobileNet {
	spec := MobileNetSpec{
		StemChannels: 8, StemStride: 1,
		Blocks: []BlockSpec{
			{1, 8, 2},
			{3, 16, 1}, {3, 16, 1}, {3, 16, 1},
			{3, 24, 2}, {3, 24, 1}, {3, 24, 1},
			{3, 32, 1}, {3, 32, 1}, {3, 32, 1},
		},
		HeadChannels: 64,
	}
	return NewMobileNet("fashion-mobilenet", spec, AdamConfig{Epochs: 3, BatchSize: 64, LearningRate: 0.004, Seed: 1})
}
