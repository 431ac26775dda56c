package main

import (
	"strings"
	"testing"
)

// TestBenchRounds runs npusim bench on the classroom workload with a disk
// cache: four inferences, split over the rounds, each timed with the
// reference computed and read from the cache.
func TestBenchRounds(t *testing.T) {
	t.Setenv("NPUSIM_CACHE_DIR", t.TempDir())
	status, out, errOut := runCLI("bench", "--workload", "mac2x3", "--no-ort", "--runs", "4")
	if status != 0 {
		t.Fatalf("exit %d, stderr %s\n%s", status, errOut, out)
	}
	for _, want := range []string{
		"npusim bench: mac2x3 under reference on mobile-npu, 4 inferences (medians), one thread",
		"with the reference from the disk cache: reference",
		"ONNX Runtime: not timed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("bench output lacks %q\n%s", want, out)
		}
	}
}
