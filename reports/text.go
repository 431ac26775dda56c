package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/npusim/npusim/sim/experiment"
)

// ANSI escapes that mark the first differing character on a terminal:
// reverse video, bold.
const (
	ansiMark  = "\x1b[1;7m"
	ansiReset = "\x1b[0m"
)

// markFirst returns text with the character at position i (from 0)
// marked: in ANSI reverse video, or between brackets. A position past the
// end marks nothing.
func markFirst(text string, i int, ansi bool) string {
	if i < 0 || i >= len(text) {
		return text
	}
	open, shut := "[", "]"
	if ansi {
		open, shut = ansiMark, ansiReset
	}
	return text[:i] + open + text[i:i+1] + shut + text[i+1:]
}

// TextComparison prints a language model's generation under a policy
// beside the reference interpreter's: the prompt, both continuations with
// the first differing character marked (ANSI reverse video when ansi, else
// brackets), the character where they part and how much of the rest still
// agrees.
func TextComparison(w io.Writer, policy string, t *experiment.TextResult, ansi bool) error {
	at := t.Diverge - 1
	width := max(len("reference"), len(policy))
	_, err := fmt.Fprintf(w, "\n  prompt:%s %q\n  %-*s  %s\n  %-*s  %s\n  %s\n",
		strings.Repeat(" ", width-len("prompt")+1), t.Prompt,
		width+1, "reference:", markFirst(t.Reference, at, ansi),
		width+1, policy+":", markFirst(t.Generated, at, ansi), TextVerdict(t))
	return err
}

// TextVerdict says in a sentence where two generations part.
func TextVerdict(t *experiment.TextResult) string {
	if t.Diverge == 0 {
		return fmt.Sprintf("the same %d characters as the reference", len(t.Generated))
	}
	rest := max(len(t.Reference), len(t.Generated)) - (t.Diverge - 1)
	return fmt.Sprintf("parts from the reference at character %d of %d: %d characters shared, "+
		"then %s of the remaining %d positions agree",
		t.Diverge, len(t.Reference), t.Diverge-1, share(t.Agreement), rest)
}

// htmlText is one policy's generated text in the HTML report, split around
// the first differing character.
type htmlText struct {
	Policy, Verdict       string
	Before, First, After  string
	RefBefore, RefFirst   string
	RefAfter, Prompt, Key string
}

// htmlTexts lists the generated texts of a sweep's language-model cells,
// in order.
func htmlTexts(results []*experiment.Result) []htmlText {
	var ts []htmlText
	for _, r := range results {
		if r.Error != "" || r.Text == nil {
			continue
		}
		t := r.Text
		h := htmlText{Policy: r.Policy, Verdict: TextVerdict(t), Prompt: t.Prompt,
			Key: fmt.Sprintf("%s on %s", r.Workload, r.HW), Before: t.Generated, RefBefore: t.Reference}
		if i := t.Diverge - 1; i >= 0 {
			h.Before, h.First, h.After = splitAt(t.Generated, i)
			h.RefBefore, h.RefFirst, h.RefAfter = splitAt(t.Reference, i)
		}
		ts = append(ts, h)
	}
	return ts
}

// splitAt splits text around position i (past the end: all before).
func splitAt(text string, i int) (before, at, after string) {
	if i >= len(text) {
		return text, "", ""
	}
	return text[:i], text[i : i+1], text[i+1:]
}

// textsTemplate is the HTML report's section of generated texts.
const textsTemplate = `{{define "texts"}}{{if .}}
<h2 id="texts">Generated text</h2>
<p class="note">Each policy's greedy continuation of the prompt on the simulated NPU, and the reference
interpreter's; the first character that differs is highlighted.</p>
{{- range .}}
<h3>{{.Key}}: {{.Policy}}</h3>
<p class="note">prompt <code>{{.Prompt}}</code>; {{.Verdict}}.</p>
<dl class="text">
<dt>reference</dt><dd><pre>{{.RefBefore}}{{with .RefFirst}}<mark>{{.}}</mark>{{end}}{{.RefAfter}}</pre></dd>
<dt>{{.Policy}}</dt><dd><pre>{{.Before}}{{with .First}}<mark>{{.}}</mark>{{end}}{{.After}}</pre></dd>
</dl>
{{- end}}{{end}}{{end}}`
