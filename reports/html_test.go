package reports

import (
	"bytes"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/npusim/npusim/drivers"
	"github.com/npusim/npusim/sim/experiment"
)

var (
	tagPattern = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	srcPattern = regexp.MustCompile(`\bsrc="([^"]*)"`)
	refPattern = regexp.MustCompile(`\bhref="([^"]*)"`)
	rowPattern = regexp.MustCompile(`<tr><td`)
)

// voidElements have no end tag in HTML5.
var voidElements = []string{"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

// checkTags reports the first tag that does not nest properly.
func checkTags(t *testing.T, page string) {
	t.Helper()
	var open []string
	for _, m := range tagPattern.FindAllStringSubmatch(page, -1) {
		name := strings.ToLower(m[2])
		switch {
		case slices.Contains(voidElements, name):
		case m[1] == "":
			open = append(open, name)
		case len(open) == 0 || open[len(open)-1] != name:
			t.Fatalf("</%s> closes %q", name, open)
		default:
			open = open[:len(open)-1]
		}
	}
	if len(open) != 0 {
		t.Fatalf("unclosed elements %q", open)
	}
}

func TestWriteHTML(t *testing.T) {
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "my policy.yaml")
	if err := os.WriteFile(policyFile, []byte("description: Rounds <down> & saves 3% energy.\nrequant: truncate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	results := append(sweepResults(),
		fabricated("digits-cnn", policyFile, "mobile-npu", 9500, 4.8, exact, 0, 0, 0, 0),
		failed("<img src=x>", "reference", "mobile-npu", `workload "<img src=x>": no such workload`))
	plots, err := WritePlots(filepath.Join(dir, "plots"), results)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "report.html")
	if err := WriteHTML(path, results, plots); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	if !strings.HasPrefix(page, "<!DOCTYPE html>\n<html lang=\"en\">") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("the page is not an HTML5 document:\n%.80s...%s", page, page[max(0, len(page)-40):])
	}
	checkTags(t, page)
	for _, banned := range []string{"<script", "<link", "<iframe", "url(", "http://", "https://", "<img src=x>"} {
		if strings.Contains(page, banned) {
			t.Errorf("the page contains %q", banned)
		}
	}
	if n := len(rowPattern.FindAllString(page, -1)); n != len(results) {
		t.Errorf("%d table rows, want one per cell (%d)", n, len(results))
	}
	// every plot is shown, from its SVG file, which exists
	var srcs []string
	for _, m := range srcPattern.FindAllStringSubmatch(page, -1) {
		srcs = append(srcs, m[1])
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(m[1]))); err != nil {
			t.Errorf("the page refers to %s: %v", m[1], err)
		}
	}
	// links stay on the page
	for _, m := range refPattern.FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "#") || !strings.Contains(page, `id="`+m[1][1:]+`"`) {
			t.Errorf("link to %s, want one to an element of the page", m[1])
		}
	}
	var want []string
	for _, p := range plots {
		want = append(want, "plots/"+filepath.Base(p.SVG))
	}
	if !slices.Equal(srcs, want) {
		t.Errorf("images %q, want the plots' SVG files %q", srcs, want)
	}
	// every policy is explained, escaped, presets from their preset files
	for _, name := range []string{"reference", "mult16", "truncate", "vendor-b", "acc24"} {
		p, err := drivers.LoadPolicy(name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page, "<dt><code>"+name+"</code></dt>\n<dd>"+escaped(p.Description)+"</dd>") {
			t.Errorf("no description of %s", name)
		}
	}
	for _, s := range []string{
		"Rounds &lt;down&gt; &amp; saves 3% energy.",
		`<td class="error" colspan="12">error: policy acc24 asks for 24-bit wrap accumulators, which mobile-npu does not implement</td>`,
		"&lt;img src=x&gt;",
		`<td class="fail">FAIL (&gt;1)</td>`,
		"<td>1.25x</td><td>0.80x</td>",
		"10 cells: 4 workloads under 6 policies on 2 hardware configurations; 2 cells could not run.",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
}

// escaped is text as html/template escapes it.
func escaped(s string) string {
	return strings.NewReplacer("'", "&#39;", "+", "&#43;", `"`, "&#34;").Replace(html.EscapeString(s))
}

// readTree reads every file under dir, by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestGenerateIsDeterministic generates the report of the same results
// twice in two directories and once more over the first: every file has
// the same bytes each time.
func TestGenerateIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b, a} {
		if err := Generate(dir, sweepResults()); err != nil {
			t.Fatal(err)
		}
	}
	fa, fb := readTree(t, a), readTree(t, b)
	var names []string
	for name := range fa {
		names = append(names, name)
	}
	slices.Sort(names)
	// results.csv, report.html and 12 plots in 2 formats, and the price plot
	if len(names) != 2+2*13 || !slices.Contains(names, "results.csv") || !slices.Contains(names, "report.html") || !slices.Contains(names, "plots/price.svg") {
		t.Fatalf("files %q, want results.csv, report.html and 26 plot files", names)
	}
	for _, name := range names {
		if !bytes.Equal(fa[name], fb[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	if len(fb) != len(fa) {
		t.Errorf("%d files in one run, %d in the other", len(fa), len(fb))
	}
}

// TestGenerateWritesNothingItCannotFinish: where the plots directory is a
// file, Generate fails before it writes results.csv or report.html.
func TestGenerateWritesNothingItCannotFinish(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "plots"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Generate(dir, sweepResults()); err == nil || !strings.Contains(err.Error(), "exists and is not a directory") {
		t.Fatalf("error %v, want the plots file named", err)
	}
	if files := readTree(t, dir); len(files) != 1 {
		t.Errorf("the failed report left %d files, want only the plots file", len(files))
	}
}

// manyResults is a sweep the size of the default one: 4 workloads under 12
// policies, the largest with 65 layers.
func manyResults() []*experiment.Result {
	var results []*experiment.Result
	for w, layers := range []int{1, 6, 65, 24} {
		for p, policy := range drivers.Presets() {
			lsb := make([]int64, layers)
			for k := range lsb {
				lsb[k] = int64((p * k / 7) % 5)
			}
			hist := []experiment.Bin{{Diff: 0, Count: 1000}}
			if low := -int64(p % 3); low != 0 {
				hist = append([]experiment.Bin{{Diff: low, Count: p + 1}}, hist...)
			}
			if high := int64(p % 4); high != 0 {
				hist = append(hist, experiment.Bin{Diff: high, Count: 2 * p})
			}
			r := fabricated([]string{"mac2x3", "digits-cnn", "mobilenet-v2", "rnn-unrolled"}[w], policy, "mobile-npu",
				uint64(10000+977*p), 5-0.1*float64(p%6), hist, lsb...)
			results = append(results, top1(r, 1-0.01*float64(p)))
		}
	}
	return results
}

func BenchmarkGenerate(b *testing.B) {
	results := manyResults()
	dir := b.TempDir()
	start := time.Now()
	for b.Loop() {
		if err := Generate(dir, results); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(results))*float64(b.N)/time.Since(start).Seconds(), "cells/s")
}
