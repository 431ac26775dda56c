package platform_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/npu"
	"github.com/npusim/npusim/npu/platform"
)

// zooWorkloads are the workloads the DMA models are compared on; the
// larger ones only without -short.
func zooWorkloads() []string {
	names := []string{"mac2x3", "digits-mlp", "digits-cnn", "rnn-unrolled", "mobilenet-v1-0.25-128"}
	if !testing.Short() {
		names = append(names, "mobilenet-v2")
	}
	return names
}

// distinctPrograms compiles every workload under every policy preset for
// hw and keeps one program per digest (many policies compile a workload to
// the same program), named by the first workload and policy that gave it.
// Pairs the hardware cannot run are skipped; mobilenet-v2 runs on the
// presets that implement its arithmetic natively (on the others its exact
// routes emit several hundred thousand commands; the small workloads and
// the random scenarios of package dma cover those presets' DMA traffic).
func distinctPrograms(t *testing.T, hw string) (names []string, programs []compiled) {
	t.Helper()
	seen := map[[32]byte]bool{}
	for _, w := range zooWorkloads() {
		if w == "mobilenet-v2" && hw != "mobile-npu" && hw != "edge-tpu-like" {
			continue
		}
		for _, policy := range drivers.Presets() {
			c, err := compileProgram(t, w, policy, hw, 0)
			if err != nil {
				continue // the hardware lacks what the policy asks for
			}
			d, err := c.program.Digest()
			if err != nil {
				t.Fatal(err)
			}
			if seen[d] {
				continue
			}
			seen[d] = true
			names = append(names, fmt.Sprintf("%s/%s/%s", w, policy, hw))
			programs = append(programs, c)
		}
	}
	return names, programs
}

// TestAnalyticDMAMatchesRequestLevel runs every distinct program of the
// zoo under every policy preset on every hardware preset with both DMA
// models and requires identical statistics (every command's issue, start
// and end cycles, waits, counters and energy; the totals and the layers)
// and identical outputs.
func TestAnalyticDMAMatchesRequestLevel(t *testing.T) {
	total := 0
	for _, hw := range npu.Presets() {
		names, programs := distinctPrograms(t, hw)
		for i, c := range programs {
			want, err := platform.Run(c.cfg, c.program, platform.RequestLevelDMA, c.host)
			if err != nil {
				t.Fatalf("%s, request-level DMA: %v", names[i], err)
			}
			got, err := platform.Run(c.cfg, c.program, c.host)
			if err != nil {
				t.Fatalf("%s, analytic DMA: %v", names[i], err)
			}
			if !reflect.DeepEqual(got.Stats, want.Stats) {
				t.Errorf("%s: statistics differ: %s", names[i], firstDifference(got.Stats, want.Stats))
			}
			if !slices.EqualFunc(got.Outputs, want.Outputs, slices.Equal) {
				t.Errorf("%s: outputs differ", names[i])
			}
			total++
		}
	}
	t.Logf("%d distinct programs", total)
}
