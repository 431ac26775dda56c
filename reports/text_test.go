package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/npusim/npusim/sim/experiment"
)

func TestTextComparison(t *testing.T) {
	tr := experiment.CompareTexts("and ", "the lord", "the land")
	if tr.Diverge != 6 || tr.Agreement != 1.0/3 {
		t.Fatalf("diverge %d, agreement %g; want 6 and 1/3", tr.Diverge, tr.Agreement)
	}
	cases := []struct {
		ansi bool
		want []string
	}{
		{false, []string{`prompt:     "and "`, "reference:  the l[o]rd", "truncate:   the l[a]nd",
			"parts from the reference at character 6 of 8: 5 characters shared, then 33.3% of the remaining 3 positions agree"}},
		{true, []string{"reference:  the l\x1b[1;7mo\x1b[0mrd", "truncate:   the l\x1b[1;7ma\x1b[0mnd"}},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := TextComparison(&buf, "truncate", tr, c.ansi); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("ansi %v: output lacks %q:\n%s", c.ansi, w, buf.String())
			}
		}
	}
	same := experiment.CompareTexts("", "amen", "amen")
	if same.Diverge != 0 || same.Agreement != 1 || TextVerdict(same) != "the same 4 characters as the reference" {
		t.Errorf("equal texts: diverge %d, agreement %g, verdict %q", same.Diverge, same.Agreement, TextVerdict(same))
	}
}

// TestCaveatMarksDeviationColumns checks that a workload's caveat marks its
// deviation figures (and only those) in the table and the HTML report,
// with one footnote, and that the report shows generated texts.
func TestCaveatMarksDeviationColumns(t *testing.T) {
	results := sweepResults()
	for _, r := range results {
		if r.Workload == "rnn-unrolled" {
			r.Caveat = "synthetic weights: not representative of trained networks"
		}
	}
	results[5].Text = experiment.CompareTexts("and ", "the lord", "the land")
	var buf bytes.Buffer
	if err := SweepTable(&buf, results); err != nil {
		t.Fatal(err)
	}
	rows := tableRows(buf.String())
	for _, row := range rows[1:] {
		marked := strings.HasSuffix(row[8], "*") && strings.HasSuffix(row[9], "*") && strings.HasSuffix(row[10], "*") && strings.HasSuffix(row[11], "*")
		if (row[0] == "rnn-unrolled") != marked || strings.HasSuffix(row[5], "*") {
			t.Errorf("row %q: deviation columns marked %v", row, marked)
		}
	}
	note := "*rnn-unrolled: synthetic weights: not representative of trained networks"
	if strings.Count(buf.String(), note) != 1 {
		t.Errorf("the table lacks the footnote %q once:\n%s", note, buf.String())
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := WriteHTML(path, results, nil); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`class="caveat" title="synthetic weights: not representative of trained networks"`, note,
		"<pre>the l<mark>o</mark>rd</pre>", "<pre>the l<mark>a</mark>nd</pre>"} {
		if !strings.Contains(string(page), w) {
			t.Errorf("report.html lacks %q", w)
		}
	}
}
