package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A probe is one hostile but realistic command line: the files it needs
// (written into a fresh directory, "{dir}" in args and contents standing
// for it), the exit status it must give and a piece of its one line on
// stderr (empty when it must succeed).
type probe struct {
	name   string
	files  map[string]string
	args   []string
	status int
	want   string
}

// Every probe must finish within probeTime and allocate at most probeAlloc
// bytes in all: each is rejected before the work its files imply, or does
// little work.
const (
	probeTime  = 60 * time.Second
	probeAlloc = 256 << 20
)

func runProbes(t *testing.T, probes []probe) {
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range p.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(content, "{dir}", dir)), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var args []string
			for _, a := range p.args {
				args = append(args, strings.ReplaceAll(a, "{dir}", dir))
			}
			status, out, errOut := boundedCLI(t, args)
			checkProbe(t, p, status, errOut)
			if strings.ContainsFunc(out, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }) {
				t.Errorf("stdout holds a raw control character: %q", out)
			}
		})
	}
}

// boundedCLI runs the command line in process and fails the test when it
// takes longer than probeTime or allocates more than probeAlloc.
func boundedCLI(t *testing.T, args []string) (int, string, string) {
	t.Helper()
	type outcome struct {
		status      int
		out, errOut string
	}
	done := make(chan outcome, 1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	go func() {
		status, out, errOut := runCLI(args...)
		done <- outcome{status, out, errOut}
	}()
	select {
	case o := <-done:
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > probeAlloc {
			t.Errorf("%v allocated %d MiB, more than %d MiB", args, got>>20, probeAlloc>>20)
		}
		return o.status, o.out, o.errOut
	case <-time.After(probeTime):
		t.Fatalf("%v still running after %v", args, probeTime)
	}
	return 0, "", ""
}

// checkProbe checks the exit status and that stderr holds the one line the
// probe wants (nothing when it must succeed), without a raw control
// character.
func checkProbe(t *testing.T, p probe, status int, errOut string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	last := lines[len(lines)-1]
	switch {
	case status != p.status:
		t.Errorf("exit %d, want %d; stderr %q", status, p.status, errOut)
	case p.status == 2 && (len(lines) != 1 || !strings.HasPrefix(last, "npusim: ")):
		t.Errorf("stderr %q, want one line", errOut)
	case !strings.Contains(last, p.want):
		t.Errorf("stderr %q, want a line containing %q", errOut, p.want)
	case strings.ContainsFunc(errOut, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }):
		t.Errorf("stderr holds a raw control character: %q", errOut)
	}
}

// caseFile is an op case file of one input tensor of the given shape
// (codes all 1), with a params object and an output of the given shape.
func caseFile(op, params string, in, out []int) string {
	tensor := func(shape []int, field string) string {
		n := 1
		for _, d := range shape {
			n *= d
		}
		return fmt.Sprintf(`{"type": "TENSOR_QUANT8_ASYMM", "shape": %s, "scale": 0.5, "zeroPoint": 0, %q: [%s]}`,
			strings.ReplaceAll(fmt.Sprint(shape), " ", ", "), field, strings.TrimSuffix(strings.Repeat("1, ", n), ", "))
	}
	return fmt.Sprintf(`{"op": %q, "params": %s, "cases": [{"inputs": [%s], "output": %s}]}`, op, params, tensor(in, "data"), tensor(out, "expected"))
}

// hwFile is the mobile-npu preset with one line replaced.
func hwFile(t *testing.T, old, repl string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "npu", "presets", "mobile-npu.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), old, repl, 1)
	if text == string(data) {
		t.Fatalf("%q is not in mobile-npu.yaml", old)
	}
	return text
}

const topologyHeader = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"

// TestHostileWorkBombs: small files and flags that imply huge work are
// rejected before the work, naming the field and the limit; a hardware
// file declaring the largest scratchpads runs in memory proportional to
// what the program touches.
func TestHostileWorkBombs(t *testing.T) {
	poolWindow := caseFile("AVERAGE_POOL_2D", `{"padding": {"scheme": "explicit", "left": 49999, "right": 49999, "top": 49999, "bottom": 49999},
		"filterW": 50000, "filterH": 50000, "strideW": 50000, "strideH": 50000}`, []int{1, 2, 2, 1}, []int{1, 2, 2, 1})
	huge := hwFile(t, "activation_kib: 512", "activation_kib: 1048576")
	huge = strings.Replace(strings.Replace(huge, "weight_kib: 256", "weight_kib: 1048576", 1), "accumulator_kib: 64", "accumulator_kib: 1048576", 1)
	runProbes(t, []probe{
		{"gemm output", map[string]string{"g.csv": "Layer, M, N, K,\nwide, 100000, 100000, 10,\n"},
			[]string{"run", "--workload", "{dir}/g.csv"}, 2, "wide output (output pixels x Num Filter, x Channels when depthwise): 10000000000 elements, more than the limit"},
		{"depthwise channels as layers, show", map[string]string{"d.csv": topologyHeader + "DP_x, 4, 4, 1, 1, 200000, 1, 1,\n"},
			[]string{"show", "{dir}/d.csv"}, 2, "the topology's layers up to DP_x (a depthwise layer counts one per channel): 200000 operations"},
		{"depthwise channels as layers, scalesim agrees", map[string]string{"d.csv": topologyHeader + "DP_x, 4, 4, 1, 1, 200000, 1, 1,\n",
			"s.cfg": "[general]\nrun_name = r\n[architecture_presets]\nArrayHeight: 8\nArrayWidth: 8\nIfmapSramSzkB: 8\nFilterSramSzkB: 8\nOfmapSramSzkB: 8\nIfmapOffset: 0\nFilterOffset: 100000\nOfmapOffset: 200000\nDataflow: ws\n[run_presets]\nInterfaceBandwidth: CALC\n"},
			[]string{"scalesim", "-c", "{dir}/s.cfg", "-t", "{dir}/d.csv", "-p", "{dir}/out"}, 2, "200000 operations, more than the limit"},
		{"pool window reads", map[string]string{"p.json": poolWindow},
			[]string{"check", "{dir}/p.json"}, 2, "one inference: 10000000000 multiply-accumulates"},
		{"the largest scratchpads", map[string]string{"big.yaml": huge},
			[]string{"run", "--workload", "digits-cnn", "--hw", "{dir}/big.yaml", "--samples", "1"}, 0, ""},
		{"a billion devices", nil, []string{"fleet", "--devices", "200000000", "--out", "{dir}/f"}, 2, "devices: 200000000 devices, more than the limit"},
		{"runs", nil, []string{"repeat", "--workload", "mac2x3", "--runs", "5000000"}, 2, "--runs: 5000000 runs, more than the limit"},
		{"raised limit", nil, []string{"repeat", "--workload", "mac2x3", "--runs", "3", "--limit", "runs=2"}, 2, "--runs: 3 runs, more than the limit of 2 runs"},
		{"bad limit", nil, []string{"show", "mac2x3", "--limit", "macs=lots"}, 2, `--limit macs: "lots": want a whole number`},
		{"many runs of a long net", nil, []string{"repeat", "--workload", "rnn-unrolled:steps=100", "--runs", "20000"}, 2, "20000 inference(s) of rnn-unrolled:steps=100: 2000000 layer executions, more than the limit"},
		{"bench runs", nil, []string{"bench", "--workload", "mac2x3", "--no-ort", "--runs", "99999999999"}, 2, "--runs: 99999999999 runs, more than the limit"},
		{"bench inferences of a long net", nil, []string{"bench", "--workload", "rnn-unrolled:steps=100", "--no-ort", "--runs", "20000"}, 2, "20000 inference(s) of rnn-unrolled:steps=100: 2000000 layer executions, more than the limit"},
	})
}

// TestHostileFilesThatPanicked: inputs of the kinds that made npusim panic
// are errors naming the field.
func TestHostileFilesThatPanicked(t *testing.T) {
	pad := func(op string) string {
		return caseFile(op, `{"padding": {"scheme": "explicit", "left": 0, "right": 3, "top": 0, "bottom": 0}, "filterW": 3, "filterH": 1, "strideW": 1, "strideH": 1}`,
			[]int{1, 1, 2, 1}, []int{1, 1, 3, 1})
	}
	relu := `{"type": "TENSOR_QUANT8_ASYMM", "shape": [2], "scale": 0.5, "zeroPoint": 0, "data": [1, 2]}`
	runProbes(t, []probe{
		{"max pool window in padding", map[string]string{"m.json": pad("MAX_POOL_2D")},
			[]string{"check", "--policy", "reference", "{dir}/m.json"}, 2, "params.padding: top 0, bottom 0, left 0, right 3: each must be smaller than the 1x3 window"},
		{"average pool window in padding", map[string]string{"a.json": pad("AVERAGE_POOL_2D")},
			[]string{"run", "--workload", "{dir}/a.json"}, 2, "each must be smaller than the 1x3 window (NNAPI"},
		{"null second input", map[string]string{"n.json": `{"op": "ADD", "cases": [{"inputs": [` + relu + `, null], "output": {"type": "TENSOR_QUANT8_ASYMM", "shape": [2], "scale": 0.5, "zeroPoint": 0, "expected": [1, 2]}}]}`},
			[]string{"check", "{dir}/n.json"}, 2, "cases[0].inputs[1]: null, want a tensor object"},
		{"null filter", map[string]string{"f.json": `{"op": "FULLY_CONNECTED", "filter": null, "cases": [{"inputs": [` + relu + `], "output": ` + relu + `}]}`},
			[]string{"show", "{dir}/f.json"}, 2, "filter: missing for FULLY_CONNECTED"},
		{"short digest", map[string]string{"m.json": `{"npusim": "x", "workload": "mac2x3", "samples": [0], "inputDigest": "0", "policy": "reference", "policyDigest": "1", "hw": "tiny", "hwDigest": "2", "layers": [], "outputs": []}`},
			[]string{"replay", "{dir}/m.json"}, 2, `inputDigest: want a SHA-256 in hex (64 characters 0-9 a-f), got "0"`},
		{"judge a pack naming files outside it", map[string]string{"manifest.json": `{"cases": [{"name": "x", "expected": ["../../../../etc/hostname"], "outputs": ["o.npy"]}]}`},
			[]string{"conformance", "--judge", "{dir}"}, 2, `is not a file of the pack`},
		{"judge a pack with fewer outputs than expected", map[string]string{"manifest.json": `{"cases": [{"name": "x", "expected": ["a.npy", "b.npy"], "outputs": ["o.npy"]}]}`},
			[]string{"conformance", "--judge", "{dir}"}, 2, `cases[0]: 1 outputs for 2 expected arrays`},
		{"a case naming its op twice", map[string]string{"d.json": `{"op": "ADD", "op": "MUL", "cases": []}`},
			[]string{"check", "{dir}/d.json"}, 2, `d.json: op: set twice (line 1)`},
		{"judge a pack of no cases", map[string]string{"manifest.json": `{"cases": []}`},
			[]string{"conformance", "--judge", "{dir}"}, 2, `manifest.json: cases: none to judge`},
		{"judge a pack naming a case twice", map[string]string{"manifest.json": `{"cases": [{"name": "x"}, {"name": "x"}]}`},
			[]string{"conformance", "--judge", "{dir}"}, 2, `cases[1]: the name "x" of cases[0] again`},
		{"judge a pack with a negative tolerance", map[string]string{"manifest.json": `{"cases": [{"name": "x", "tolerance": -1}]}`},
			[]string{"conformance", "--judge", "{dir}"}, 2, `cases[0].tolerance: must be >= 0, got -1`},
		{"judge a pack with an unknown field", map[string]string{"manifest.json": `{"cases": [{"name": "x", "toll": 1}]}`},
			[]string{"conformance", "--judge", "{dir}"}, 2, `manifest.json: toll: unknown field`},
		{"judge a pack without its expected file", map[string]string{"manifest.json": `{"cases": [{"name": "x", "expected": ["e.npy"], "outputs": ["o.npy"]}]}`},
			[]string{"conformance", "--judge", "{dir}"}, 2, `manifest.json: cases[0].expected[0]: `},
		{"a pack written over another", map[string]string{"old_actual.npy": "x"},
			[]string{"conformance", "--out", "{dir}"}, 2, `is not empty; choose a new or empty directory`},
		{"dynamic rule null", map[string]string{"p.yaml": "name: p\ndynamic: [null]\n"},
			[]string{"run", "--workload", "mac2x3", "--policy", "{dir}/p.yaml"}, 0, ""},
	})
}

// TestHostileValues: values that used to be accepted, truncated or turned
// into infinities are errors naming the field.
func TestHostileValues(t *testing.T) {
	dil := `{"type": "TENSOR_QUANT8_ASYMM", "shape": [1, 3, 3, 1], "scale": 0.5, "zeroPoint": 0, "data": [1, 1, 1, 1, 1, 1, 1, 1, 1]}`
	conv := `{"op": "CONV_2D", "filter": ` + dil + `, "bias": {"type": "TENSOR_INT32", "shape": [1], "scale": 0.25, "zeroPoint": 0, "data": [0]},
		"params": {"dilationW": 1099511627776, "dilationH": 1}, "cases": [{"inputs": [` + dil + `], "output": {"type": "TENSOR_QUANT8_ASYMM", "shape": [1, 1, 1, 1], "scale": 1, "zeroPoint": 0, "expected": [1]}}]}`
	runProbes(t, []probe{
		{"cols 16.25", map[string]string{"h.yaml": hwFile(t, "cols: 32", "cols: 16.25")}, []string{"run", "--hw", "{dir}/h.yaml", "--workload", "mac2x3"}, 2, "array.cols: must be an integer, got 16.25 (line 9)"},
		{"outstanding 2.0", map[string]string{"h.yaml": hwFile(t, "outstanding: 16", "outstanding: 2.0")}, []string{"sweep", "--hw", "{dir}/h.yaml", "--workloads", "mac2x3", "--out", "{dir}/s"}, 2, "dma.outstanding: must be an integer, got 2.0"},
		{"op energy 1e200", map[string]string{"h.yaml": hwFile(t, "op_pj: 0.03", "op_pj: 1e200")}, []string{"demo", "--hw", "{dir}/h.yaml"}, 2, "vector.op_pj: must be from 0 to 1000000, got 1e+200"},
		{"infinite SRAM energy", map[string]string{"h.yaml": hwFile(t, "sram_read_pj_per_byte: 0.3", "sram_read_pj_per_byte: .inf")}, []string{"trace", "--hw", "{dir}/h.yaml", "--gemm", "2x2x2", "--vcd", "{dir}/x.vcd"}, 2, "energy.sram_read_pj_per_byte: must be from 0 to 1000000, got +Inf"},
		{"DRAM of a nanobyte per second", map[string]string{"h.yaml": hwFile(t, "bandwidth_gbps: 25.6", "bandwidth_gbps: 1e-9")}, []string{"check", "--policy", "reference", "--hw", "{dir}/h.yaml", "{dir}/h.yaml"}, 2, "dram.bandwidth_gbps: must be from 0.001 to 10000, got 1e-09"},
		{"policy bits 24.5", map[string]string{"p.yaml": "accumulator: {bits: 24.5, overflow: saturate}\n"}, []string{"run", "--workload", "mac2x3", "--policy", "{dir}/p.yaml"}, 2, "accumulator.bits: must be an integer, got 24.5 (line 1)"},
		{"broken version never selected", map[string]string{"p.yaml": "requant: mult16\nversions:\n  \"2.0\": {requant: round-to-odd}\n"}, []string{"run", "--workload", "mac2x3", "--policy", "{dir}/p.yaml"}, 2, `versions."2.0".requant: unknown requantization variant "round-to-odd"`},
		{"dilation 2^40", map[string]string{"c.json": conv}, []string{"check", "{dir}/c.json"}, 2, "params.dilationW: must be at most 16777216, got 1099511627776"},
		{"scale below float32", map[string]string{"s.json": strings.Replace(caseFile("RELU", "{}", []int{2}, []int{2}), `"scale": 0.5`, `"scale": 1e-60`, 1)}, []string{"check", "{dir}/s.json"}, 2, "cases[0].inputs[0].scale: 1e-60 is outside the range of a float32 scale"},
	})
}

// TestHostileManifests: a manifest is audited on replay. The run recorded
// with a policy file at a version replays the way the README says (passing
// the file again); an edited device state or policy version is a
// difference (exit 1); a malformed field is exit 2.
func TestHostileManifests(t *testing.T) {
	dir := t.TempDir()
	policy := writeTemp(t, dir, "mine.yaml", "requant: mult16\nversions:\n  \"1.0\": {}\n  \"1.1\": {requant: truncate}\n")
	manifest := filepath.Join(dir, "m.json")
	if status, _, errOut := runCLI("run", "--workload", "rnn-unrolled:steps=4", "--policy", policy+"@1.1", "--samples", "1", "--manifest", manifest); status != 0 {
		t.Fatalf("run --manifest: exit %d: %s", status, errOut)
	}
	if status, out, errOut := runCLI("replay", "--policy", policy, manifest); status != 0 || !strings.HasPrefix(out, "REPRODUCED") {
		t.Fatalf("replay as the README says: exit %d: %s%s", status, out, errOut)
	}
	device := filepath.Join(dir, "runs")
	if status, _, errOut := runCLI("repeat", "--workload", "mac2x3", "--runs", "3", "--manifests", device); status != 0 {
		t.Fatalf("repeat --manifests: exit %d: %s", status, errOut)
	}
	recorded, _ := os.ReadFile(manifest)
	onDevice, _ := os.ReadFile(filepath.Join(device, "run-0002.json"))
	edit := func(data []byte, old, repl string) string {
		text := strings.Replace(string(data), old, repl, 1)
		if text == string(data) {
			t.Fatalf("%q is not in the manifest", old)
		}
		return text
	}
	runProbes(t, []probe{
		{"version edited", map[string]string{"m.json": edit(recorded, `"mine@1.1"`, `"mine@1.0"`)}, []string{"replay", "--policy", policy, "{dir}/m.json"}, 1, ""},
		{"state edited", map[string]string{"m.json": edit(onDevice, `"load": `, `"load": 0.125, "x": `)}, []string{"replay", "{dir}/m.json"}, 2, "x: unknown field"},
		{"temperature edited", map[string]string{"m.json": edit(onDevice, `"temperatureC": `, `"temperatureC": 99, "_": `)}, []string{"replay", "{dir}/m.json"}, 2, "_: unknown field"},
		{"negative sample", map[string]string{"m.json": edit(recorded, `"samples": [`, `"samples": [-3, `)}, []string{"replay", "--policy", policy, "{dir}/m.json"}, 2, "samples[0]: must be >= 0, got -3"},
		{"run far away", map[string]string{"m.json": edit(onDevice, `"run": 2`, `"run": 1099511627776`)}, []string{"replay", "{dir}/m.json"}, 2, "device.run: 1099511627777 runs, more than the limit"},
		{"digest of the wrong length", map[string]string{"m.json": edit(recorded, `"hwDigest": "`, `"hwDigest": "ff`)}, []string{"replay", "--policy", policy, "{dir}/m.json"}, 2, "hwDigest: want a SHA-256 in hex"},
		{"a directory", nil, []string{"replay", "{dir}"}, 2, "is a directory"},
		{"scratchpad held twice over", map[string]string{"m.json": editField(t, onDevice, "sramHeld", "2")}, []string{"replay", "{dir}/m.json"}, 2, "state.sramHeld: must be in [0, 1), got 2"},
		{"a state of another run", map[string]string{"m.json": strings.Replace(string(onDevice), `"run": 2`, `"run": 7`, 1)}, []string{"replay", "{dir}/m.json"}, 2, "state.run: 2, but device.run is 7"},
		{"no clock", map[string]string{"m.json": editField(t, onDevice, "clockFactor", "0")}, []string{"replay", "{dir}/m.json"}, 2, "state.clockFactor: must be in (0, 1], got 0"},
		{"a star's temperature", map[string]string{"m.json": editField(t, onDevice, "temperatureC", "1e308")}, []string{"replay", "{dir}/m.json"}, 2, "state.temperatureC: 1e+308 is not a die temperature"},
	})
	if status, out, _ := runCLI("replay", filepath.Join(device, "run-0002.json")); status != 0 {
		t.Fatalf("the device's manifest: exit %d: %s", status, out)
	}
	state := edit(onDevice, `"sramHeld": 0`, `"sramHeld": 0.75`)
	statePath := writeTemp(t, dir, "state.json", state)
	if status, out, _ := runCLI("replay", statePath); status != 1 || !strings.Contains(out, "DIFFERS: replay differs from the manifest: the recorded state") {
		t.Errorf("an edited device state: exit %d: %s", status, out)
	}
}

// TestHostileResultsDirectories: report refuses a directory whose sweep did
// not finish and leaves its report.html alone; a resume after the hardware
// file changed is refused.
func TestHostileResultsDirectories(t *testing.T) {
	dir := t.TempDir()
	hw := writeTemp(t, dir, "my.yaml", hwFile(t, "static_mw: 50", "static_mw: 40"))
	out := filepath.Join(dir, "results")
	if status, _, errOut := runCLI("sweep", "--workloads", "mac2x3", "--policies", "reference,mult16", "--hw", hw, "--out", out); status != 0 {
		t.Fatalf("sweep: exit %d: %s", status, errOut)
	}
	results, _ := os.ReadFile(filepath.Join(out, "results.jsonl"))
	manifest, _ := os.ReadFile(filepath.Join(out, "sweep.json"))
	first := strings.SplitAfter(string(results), "\n")[0]
	old := "<html>an earlier report</html>"
	runProbes(t, []probe{
		{"no results", map[string]string{"sweep.json": string(manifest), "report.html": old}, []string{"report", "{dir}"}, 2, "no results.jsonl: the sweep has not finished a cell"},
		{"half the results", map[string]string{"sweep.json": string(manifest), "results.jsonl": first, "report.html": old}, []string{"report", "{dir}"}, 2, "results.jsonl holds 1 of the 2 cells of its sweep"},
		{"a cut line", map[string]string{"sweep.json": string(manifest), "results.jsonl": first + first[:40], "report.html": old}, []string{"report", "{dir}"}, 2, "line 2 is not a complete result"},
		{"no sweep", nil, []string{"report", "{dir}"}, 2, "sweep.json: no such file or directory"},
	})
	half := filepath.Join(dir, "half")
	if err := os.MkdirAll(half, 0o755); err != nil {
		t.Fatal(err)
	}
	writeTemp(t, half, "sweep.json", string(manifest))
	writeTemp(t, half, "results.jsonl", first)
	writeTemp(t, half, "report.html", old)
	status, _, errOut := runCLI("report", half)
	if status != 2 || !strings.Contains(errOut, "an interrupted sweep: npusim sweep --resume completes it") {
		t.Errorf("report on a half-finished sweep: exit %d: %s", status, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(half, "report.html")); string(got) != old {
		t.Errorf("report overwrote report.html of a half-finished sweep")
	}
	writeTemp(t, dir, "my.yaml", hwFile(t, "static_mw: 50", "static_mw: 45"))
	status, _, errOut = runCLI("sweep", "--workloads", "mac2x3", "--policies", "reference,mult16", "--hw", hw, "--out", out, "--resume")
	if status != 2 || !strings.Contains(errOut, "was made with hw "+hw+" of digest") {
		t.Errorf("resume after the hardware file changed: exit %d: %s", status, errOut)
	}
}

// TestHostileOutputPaths: outputs go only to regular files (through a
// symbolic link, which stays one) and to directories; anything else is
// exit 2 before any work, and nothing is left behind.
func TestHostileOutputPaths(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.vcd")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "m.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeTemp(t, dir, "real.onnx", "old")
	if err := os.Symlink("real.onnx", filepath.Join(dir, "link.onnx")); err != nil {
		t.Fatal(err)
	}
	writeTemp(t, dir, "file", "a file")
	before := entries(t, dir)
	runProbes(t, []probe{
		{"manifest to a directory", nil, []string{"run", "--workload", "mac2x3", "--manifest", dir + "/m.json"}, 2, "--manifest: " + dir + "/m.json: is a directory, not a file"},
		{"waveform to a pipe", nil, []string{"trace", "--gemm", "2x2x2", "--vcd", fifo}, 2, "is not a regular file (a device, pipe or socket)"},
		{"sweep into a file", nil, []string{"sweep", "--workloads", "mac2x3", "--out", dir + "/file"}, 2, "--out: " + dir + "/file: exists and is not a directory"},
		{"scalesim reports into a file", nil, []string{"scalesim", "-c", dir + "/file", "-t", dir + "/file", "-p", dir + "/file"}, 2, "--out: " + dir + "/file: exists and is not a directory"},
		{"manifests into a file", nil, []string{"repeat", "--workload", "mac2x3", "--runs", "1", "--manifests", dir + "/file"}, 2, "exists and is not a directory"},
		{"a workload named twice", nil, []string{"sweep", "--workloads", "mac2x3,mac2x3", "--policies", "reference", "--hw", "tiny", "--out", "{dir}/s"}, 2, "workloads: mac2x3 is named twice"},
		{"manifests among an earlier repeat's", map[string]string{"run-0004.json": "{}"}, []string{"repeat", "--workload", "mac2x3", "--runs", "1", "--manifests", "{dir}"}, 2, "is not empty; choose a new or empty directory"},
		{"a manifest where no file can be made", nil, []string{"run", "--workload", "mac2x3", "--manifest", "/proc/npusim-x"}, 2, "/proc/npusim-x: cannot be written in /proc ("},
		{"results where no directory can be made", nil, []string{"sweep", "--workloads", "mac2x3", "--policies", "reference", "--hw", "tiny", "--out", "/proc/npusim-x"}, 2, "/proc/npusim-x: cannot be created ("},
		{"a dangling link", nil, []string{"export", "mac2x3", "--onnx", dir + "/nowhere/x.onnx"}, 2, "its directory " + dir + "/nowhere does not exist"},
		{"export through a link", nil, []string{"export", "mac2x3", "--onnx", dir + "/link.onnx"}, 0, ""},
	})
	// The export writes the link's file and its input array; nothing else
	// appears, no temporary file stays.
	if after, want := entries(t, dir), strings.Replace(before, "link.onnx", "link.onnx link_input0_sample0.npy", 1); after != want {
		t.Errorf("directory holds %s, want %s", after, want)
	}
	if info, err := os.Lstat(filepath.Join(dir, "link.onnx")); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Error("exporting through a link replaced the link")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "real.onnx")); string(data) == "old" {
		t.Error("exporting through a link did not write the file it points to")
	}
}

// entries lists a directory's names.
func entries(t *testing.T, dir string) string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// TestHostileExitStatuses: 0 only when everything asked for was done, 1
// for cells or devices that could not run, 2 for what the user must fix;
// messages in the command line's words, control characters escaped.
func TestHostileExitStatuses(t *testing.T) {
	named := strings.Replace(caseFile("RELU", "{}", []int{2}, []int{2}), `{"op"`, `{"name": "relu\u001b[2J\u0007", "op"`, 1)
	runProbes(t, []probe{
		{"every cell fails", nil, []string{"sweep", "--workloads", "mac2x3", "--policies", "vendor-b", "--hw", "low-cost", "--out", "{dir}/s"}, 1, "none of the 1 cells could run"},
		{"no device runs", nil, []string{"fleet", "--workload", "mac2x3", "--devices", "2", "--hw", "low-cost", "--policies", "vendor-b", "--out", "{dir}/f"}, 1, "none of the 2 devices could run, the first because policy vendor-b asks for requantization mode truncate"},
		{"parallel out of range", nil, []string{"sweep", "--parallel", "99999999999999999999"}, 2, "--parallel: 99999999999999999999 is out of range for this flag"},
		{"json flag", nil, []string{"show", "--json=perhaps", "mac2x3"}, 2, `--json: want true or false, got "perhaps"`},
		{"hw without policy", nil, []string{"check", "--hw", "tiny", "{dir}"}, 2, "--hw: only used with --policy"},
		{"variant with policy", nil, []string{"check", "--policy", "mult16", "--variant", "truncate", "{dir}"}, 2, "--variant: chooses the interpreter's requantization"},
		{"samples with input", map[string]string{"x.bin": "\x0c"}, []string{"run", "--workload", "mac2x3", "--input", "{dir}/x.bin", "--samples", "2"}, 2, "--samples: --input gives the one sample to run"},
		{"control characters in a name", map[string]string{"c.json": named}, []string{"check", "{dir}/c.json"}, 0, ""},
		{"control characters in an error", map[string]string{"c.json": strings.Replace(named, `"RELU"`, `"RE\u001bLU"`, 1)}, []string{"check", "{dir}/c.json"}, 2, `op: unknown operation "RE\x1bLU"`},
		{"control characters in a preset name", nil, []string{"run", "--hw", "phone\a\x1b[31m"}, 2, `hw phone\x07\x1b[31m: no such preset`},
		{"a topology line of 2 MiB", map[string]string{"t.csv": topologyHeader + strings.Repeat("x", 2<<20)}, []string{"show", "{dir}/t.csv"}, 2, "t.csv:2: the line is longer than 1048576 bytes"},
	})
	status, out, _ := runCLI("check", filepath.Join(t.TempDir(), "missing.json"))
	if status != 2 || out != "" {
		t.Errorf("a missing case file: exit %d", status)
	}
}

// TestHostileFilePerCommand: every command that reads a file gives, for a
// hostile one, exit 2 and one line on stderr naming the file.
func TestHostileFilePerCommand(t *testing.T) {
	bomb := map[string]string{"t.csv": topologyHeader + "conv, 4096, 4096, 3, 3, 64, 64, 1,\n"}
	rows := map[string]string{"h.yaml": hwFile(t, "rows: 32", "rows: 8.5")}
	manifest := `{"cases": [{"name": "x", "expected": ["/etc/hostname"], "outputs": ["x.npy"]}]}`
	runProbes(t, []probe{
		{"check", map[string]string{"c.json": `{"op": "RELU", "cases": [{"inputs": [null]}]}`}, []string{"check", "{dir}/c.json"}, 2, "c.json: cases[0].inputs[0]: null"},
		{"run", bomb, []string{"run", "--workload", "{dir}/t.csv"}, 2, "t.csv:2: conv input (IFMAP Height x IFMAP Width x Channels, padded): 1073741824 elements"},
		{"show", bomb, []string{"show", "{dir}/t.csv"}, 2, "t.csv:2: conv input"},
		{"sweep", rows, []string{"sweep", "--hw", "{dir}/h.yaml", "--out", "{dir}/s"}, 2, "h.yaml: array.rows: must be an integer, got 8.5"},
		{"merge", map[string]string{"sweep.json": `{"grid": {"workloads": ["mac2x3"], "policies": ["reference"], "hw": ["tiny"]}}`, "results.jsonl": `{"workload": "mac2x3"}` + "\n"},
			[]string{"merge", "--out", "{dir}/m", "{dir}"}, 2, "results.jsonl: line 1 is not a complete result"},
		{"report", map[string]string{"sweep.json": `{"grid": {"workloads": 7}}`}, []string{"report", "{dir}"}, 2, "sweep.json: grid.workloads: expected an array of strings, got a number"},
		{"repeat", map[string]string{"p.yaml": "versions: {\"1\": {weights: [a]}}\n"}, []string{"repeat", "--policy", "{dir}/p.yaml"}, 2, `p.yaml: versions.1.weights: must be a single value, got a list (line 1)`},
		{"fleet", map[string]string{"h.yaml": hwFile(t, "bandwidth_gbps: 25.6", "bandwidth_gbps: 0")}, []string{"fleet", "--hw", "{dir}/h.yaml", "--out", "{dir}/f"}, 2, "h.yaml: dram.bandwidth_gbps: must be from 0.001 to 10000, got 0"},
		{"replay", map[string]string{"m.json": `{"workload": "mac2x3", "samples": [0], "policy": "reference", "hw": "tiny", "state": {}}`}, []string{"replay", "{dir}/m.json"}, 2, "m.json: inputDigest: want a SHA-256"},
		{"trace", rows, []string{"trace", "--hw", "{dir}/h.yaml", "--gemm", "2x2x2", "--vcd", "{dir}/x.vcd"}, 2, "array.rows: must be an integer, got 8.5"},
		{"scalesim", map[string]string{"s.cfg": "[general]\nrun_name = r\n[architecture_presets]\nArrayHeight: 32.5\n"}, []string{"scalesim", "-c", "{dir}/s.cfg", "-t", "{dir}/s.cfg"}, 2, `s.cfg:4: architecture_presets.ArrayHeight: must be an integer >= 1, got "32.5"`},
		{"export", map[string]string{"c.json": caseFile("MAX_POOL_2D", `{"padding": {"scheme": "explicit", "left": 0, "right": 0, "top": 2, "bottom": 0}, "filterW": 1, "filterH": 2}`, []int{1, 1, 1, 1}, []int{1, 2, 1, 1})},
			[]string{"export", "{dir}/c.json", "--onnx", "{dir}/x.onnx"}, 2, "params.padding: top 2, bottom 0, left 0, right 0: each must be smaller than the 2x1 window"},
		{"engines", bomb, []string{"engines", "--workloads", "{dir}/t.csv"}, 2, "t.csv:2: conv input"},
		{"conformance", map[string]string{"manifest.json": manifest}, []string{"conformance", "--judge", "{dir}"}, 2, `"/etc/hostname" is not a file of the pack`},
		{"demo", rows, []string{"demo", "--hw", "{dir}/h.yaml"}, 2, "array.rows: must be an integer, got 8.5"},
		{"list takes no file; a bad argument", nil, []string{"list", "hardware"}, 2, `invalid argument "hardware"`},
	})
}

// TestSweepWithAFailingCell: cells that fail (digits-mlp does not fit the
// scratchpads of a tiny NPU with 1 KiB of each) are recorded with their
// reason, the other cells complete (a policy the hardware cannot run is a
// finding, not a failure) and the report is written, the exit status is 1;
// --resume runs again the cells that did not run, and nothing else.
func TestSweepWithAFailingCell(t *testing.T) {
	dir := t.TempDir()
	tiny, err := os.ReadFile(filepath.Join("..", "..", "npu", "presets", "tiny.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	small := strings.NewReplacer("activation_kib: 16", "activation_kib: 1", "weight_kib: 8", "weight_kib: 1", "accumulator_kib: 4", "accumulator_kib: 1").Replace(string(tiny))
	hw := writeTemp(t, dir, "small.yaml", small)
	out := filepath.Join(dir, "s")
	args := []string{"sweep", "--workloads", "mac2x3,digits-mlp", "--policies", "mult16,vendor-b", "--hw", "low-cost," + hw, "--samples", "2", "--out", out}
	status, stdout, errOut := runCLI(args...)
	if status != 1 || !strings.Contains(errOut, "npusim: 2 of 8 cells failed") || !strings.Contains(stdout, "8 cells (4 could not run: the errors follow the grid); results") {
		t.Fatalf("exit %d\n%s%s", status, stdout, errOut)
	}
	results, _ := os.ReadFile(filepath.Join(out, "results.jsonl"))
	lines := strings.Split(strings.TrimSpace(string(results)), "\n")
	failed, cannot := 0, 0
	for _, l := range lines {
		switch {
		case strings.Contains(l, `does not fit 1024 bytes of weight SRAM","failed":true`):
			failed++
		case strings.Contains(l, `"error":"policy vendor-b asks for requantization mode truncate`) && !strings.Contains(l, `"failed"`):
			cannot++
		case !strings.Contains(l, `"digest":"`):
			t.Errorf("a cell that ran has no digest: %.120s", l)
		}
	}
	if len(lines) != 8 || failed != 2 || cannot != 2 {
		t.Errorf("%d results, %d failed, %d cannot run; want 8, 2 and 2", len(lines), failed, cannot)
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Errorf("no report: %v", err)
	}
	status, _, errOut = runCLI(append(args, "--resume")...)
	if status != 1 || !strings.Contains(errOut, "digits-mlp | mult16 | "+hw+" (failed)") || strings.Count(errOut, "\n") != 5 {
		t.Errorf("resume: exit %d, stderr %q; want the two failed cells and the two that cannot run run again, and only them", status, errOut)
	}
}

// editField sets a numeric field of a JSON manifest to value.
func editField(t *testing.T, data []byte, field, value string) string {
	t.Helper()
	re := regexp.MustCompile(`"` + field + `": [-0-9.e+]+`)
	if !re.Match(data) {
		t.Fatalf("no numeric field %s in the manifest", field)
	}
	return re.ReplaceAllString(string(data), `"`+field+`": `+value)
}
