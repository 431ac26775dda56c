package experiment

import (
	"testing"

	"github.com/npusim/npusim/workloads/loader"
	"github.com/npusim/npusim/workloads/zoo"

	"github.com/npusim/npusim/workloads"
)

// snrLossPerBlock runs a workload under fp32 requantization and returns how
// many dB of SNR against the reference its outputs lose per block, from the
// first layer to the layer that ends the last block, and that layer's SNR.
func snrLossPerBlock(t *testing.T, workload, last string, blocks, samples int) (perBlock, end float64) {
	t.Helper()
	r, err := Run(Cell{Workload: workload, Policy: "fp32", HW: "mobile-npu", Samples: samples}, loader.New(), NewReferences())
	if err != nil {
		t.Fatal(err)
	}
	snr := func(l LayerResult) float64 {
		if l.Deviation.SNRdB == nil {
			t.Fatalf("%s layer %s: no finite SNR", workload, l.Name)
		}
		return *l.Deviation.SNRdB
	}
	first := snr(r.Layers[0])
	for _, l := range r.Layers {
		if l.Name == last {
			end = snr(l)
			return (first - end) / float64(blocks), end
		}
	}
	t.Fatalf("%s has no layer %s", workload, last)
	return 0, 0
}

// TestSyntheticMobileNetV2LosesSNRLikeATrainedNetwork measures how fast the
// error that fp32 requantization starts grows through inverted residual
// blocks, on the synthetic-weight MobileNet v2 and on the trained
// fashion-mobilenet, and checks that the two rates agree within 1 dB per
// block: 3.3 dB for the synthetic network, 4.0 dB for the trained one. The
// weights drawn layer by layer without normalization lost 3.3 dB per block
// too (59.6 dB at the first convolution, 4.2 dB at the last block, over the
// four input images): the low SNR of MobileNet v2's deepest layers under
// fp32 comes from its 17 blocks, not from its synthetic weights.
func TestSyntheticMobileNetV2LosesSNRLikeATrainedNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("MobileNet v2 at 224x224 takes seconds")
	}
	synthetic, end := snrLossPerBlock(t, "mobilenet-v2", "expanded_conv_16/project", 17, 1)
	trained, trainedEnd := snrLossPerBlock(t, "fashion-mobilenet", "block10/add", 10, 20)
	t.Logf("SNR lost per block: mobilenet-v2 %.2f dB (%.1f dB after 17 blocks), fashion-mobilenet %.2f dB (%.1f dB after 10)",
		synthetic, end, trained, trainedEnd)
	if synthetic-trained > 1 || trained-synthetic > 1 {
		t.Errorf("SNR lost per block: synthetic %.2f dB, trained %.2f dB; want within 1 dB of each other", synthetic, trained)
	}
	w, err := zoo.Load("mobilenet-v2")
	if err != nil {
		t.Fatal(err)
	}
	if w.Caveat != workloads.SyntheticCaveat {
		t.Errorf("caveat %q, want %q", w.Caveat, workloads.SyntheticCaveat)
	}
}
