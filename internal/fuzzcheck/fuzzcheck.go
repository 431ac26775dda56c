// Package fuzzcheck holds what the fuzz targets of npusim's parsers and
// loaders assert, whatever the bytes: no panic (the fuzzer's own check),
// allocation bounded by a budget the target states (Alloc), and either a
// valid object or one error line in the file format's words that names
// where the input is wrong (Error). Small lowers the work budget for a
// target, so that "valid" means small enough to bound.
package fuzzcheck

import (
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/npusim/npusim/internal/limits"
)

// Alloc runs f and fails t when f allocated more than most bytes in all
// (runtime.MemStats.TotalAlloc before and after: every allocation counts,
// even one freed at once).
func Alloc(t testing.TB, most uint64, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > most {
		t.Fatalf("allocated %d bytes, more than the %d the input allows", got, most)
	}
}

// internals are the marks of a message that speaks Go rather than the file
// format: package-qualified type names, decoder prefixes, runtime errors.
var internals = regexp.MustCompile(`\b(json|yaml|strconv|bufio|proto|reflect|runtime): |Go (struct|value)|` +
	`\b(main|workloads|drivers|npu|campaign|scalesim|quant|cases|experiment|onnx)\.[a-z]*[A-Z]|\[\]\*?[a-z]+\.[A-Z]|` +
	`cannot unmarshal|token too long|goroutine |nil pointer|index out of range`)

// Error fails t unless err is one line that starts with prefix (the file
// as the loader names it), says where (a field, a line or a key, after a
// ": ") and quotes no Go internals.
func Error(t testing.TB, err error, prefix string) {
	t.Helper()
	msg := err.Error()
	switch {
	case strings.Contains(msg, "\n"):
		t.Fatalf("error of more than one line: %q", msg)
	case !strings.HasPrefix(msg, prefix):
		t.Fatalf("error %q does not start with %q", msg, prefix)
	case !strings.Contains(strings.TrimPrefix(msg, prefix), ": "):
		t.Fatalf("error %q does not say where (no \"field: \")", msg)
	case internals.MatchString(quoted.ReplaceAllString(strings.TrimPrefix(msg, prefix), `""`)):
		t.Fatalf("error quotes Go internals: %q", msg)
	}
}

// quoted matches the values an error quotes from its input, which may say
// anything.
var quoted = regexp.MustCompile(`"(\\.|[^"\\])*"|` + "`[^`]*`")

// Small puts limits in force that keep whatever a fuzzed input may ask for
// small (tensors of 2^16 elements, 2^20 in a model, 2^24 MACs, 2^20-byte
// files) and restores the previous ones when the test ends.
func Small(t testing.TB) {
	l := limits.Default()
	l[limits.Elements] = 1 << 16
	l[limits.ModelElements] = 1 << 20
	l[limits.Ops] = 1 << 10
	l[limits.MACs] = 1 << 24
	l[limits.Samples] = 1 << 10
	l[limits.FileBytes] = 1 << 20
	old := limits.Set(l)
	t.Cleanup(func() { limits.Set(old) })
}
