package main

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/npusim/npusim/cmd/npusim/internal/classroom"
	"github.com/npusim/npusim/quant"
)

// pageMul is what panel 1 shows: the steps' figures and the variants' rows.
type pageMul struct {
	Steps map[string]string `json:"steps"`
	Rows  []struct {
		Variant    string `json:"variant"`
		Multiplier string `json:"multiplier"`
		Shift      string `json:"shift"`
		Scaled     string `json:"scaled"`
		Code       string `json:"code"`
		Real       string `json:"real"`
		Right      string `json:"right"`
		Why        string `json:"why"`
	} `json:"rows"`
	Error string `json:"error"`
}

const readMul = `(() => {
	const steps = {};
	document.querySelectorAll("#mul-steps [data-field]").forEach((e) => steps[e.dataset.field] = e.textContent);
	const cell = (tr, f) => tr.querySelector('[data-field="' + f + '"]').textContent;
	const rows = [...document.querySelectorAll("#mul-table tr[data-variant]")].map((tr) => ({
		variant: tr.dataset.variant, multiplier: cell(tr, "multiplier"), shift: cell(tr, "shift"),
		scaled: cell(tr, "scaled"), code: cell(tr, "code"), real: cell(tr, "real"), right: cell(tr, "right"),
		why: document.querySelector('tr[data-why="' + tr.dataset.variant + '"]').textContent,
	}));
	const err = document.getElementById("mul-error");
	return {steps, rows, error: err.hidden ? "" : err.textContent};
})()`

// compareWithDemo holds panel 1 to npusim demo run with the same inputs:
// its table row by row as the terminal prints it, and the steps and
// explanations of demo --json.
func compareWithDemo(t *testing.T, page pageMul, flags []string) {
	t.Helper()
	status, text, errOut := runCLI(append([]string{"demo"}, flags...)...)
	if status != 0 {
		t.Fatalf("npusim demo %v: exit %d: %s", flags, status, errOut)
	}
	status, js, errOut := runCLI(append([]string{"demo", "--json"}, flags...)...)
	var demo classroom.MulView
	if err := json.Unmarshal([]byte(js), &demo); status != 0 || err != nil {
		t.Fatalf("npusim demo --json %v: exit %d, %v: %s", flags, status, err, errOut)
	}
	form := classroom.NewMulForm(demo.Inputs)
	steps := map[string]string{"x": form.X, "w": form.W, "qx": fmt.Sprint(demo.QX), "qw": fmt.Sprint(demo.QW),
		"acc": fmt.Sprint(demo.Acc), "multiplier": demo.Multiplier, "exact": demo.Exact, "product": demo.Product, "target": fmt.Sprint(demo.Target)}
	for k, want := range steps {
		if page.Steps[k] != want {
			t.Errorf("%v: the page shows %s = %q, npusim demo %q", flags, k, page.Steps[k], want)
		}
	}
	if len(page.Rows) != len(demo.Variants) {
		t.Fatalf("%v: %d rows on the page, %d in npusim demo", flags, len(page.Rows), len(demo.Variants))
	}
	terminal := demoRows(text)
	for i, r := range page.Rows {
		right := map[string]string{"yes": "yes", "NO": "NO"}[r.Right]
		got := strings.Join([]string{r.Variant, page.Steps["acc"], r.Multiplier, r.Shift, r.Scaled, r.Code, r.Real, right}, " ")
		if want := terminal[i]; got != want {
			t.Errorf("%v: the page's row\n  %s\nnpusim demo prints\n  %s", flags, got, want)
		}
		if r.Why != demo.Variants[i].Why {
			t.Errorf("%v, %s: the page explains %q, npusim demo %q", flags, r.Variant, r.Why, demo.Variants[i].Why)
		}
	}
}

// demoRows reads the variant table npusim demo prints: each row's fields
// joined by single spaces.
func demoRows(text string) []string {
	var rows []string
	names := map[string]bool{}
	for _, v := range quant.Variants() {
		names[v.String()] = true
	}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 8 && names[f[0]] {
			rows = append(rows, strings.Join(f, " "))
		}
	}
	return rows
}

// TestClassroomMulMatchesDemo types numbers into panel 1 and holds what it
// shows to npusim demo's output for the same inputs; then it moves the
// output-scale slider with the keyboard and checks again.
func TestClassroomMulMatchesDemo(t *testing.T) {
	b := newBrowserTab(t)
	b.open(t, classroomURL(t))
	compareWithDemo(t, eval[pageMul](t, b, readMul), nil)

	for _, c := range []struct {
		name   string
		fields [][2]string
	}{
		{"2.5 x 3, weight zero point 3", [][2]string{{"x", "2.5"}, {"w-zero-point", "3"}, {"out-scale", "0.07"}}},
		{"negative, zero points", [][2]string{{"x", "-1.75"}, {"w", "0.5"}, {"x-zero-point", "-5"}, {"out-scale", "0.011"}, {"out-zero-point", "-20"}}},
		{"tiny weight scale", [][2]string{{"x", "7"}, {"w-scale", "0.0001"}, {"w", "0.0123"}, {"out-scale", "0.001"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b.open(t, classroomURL(t))
			var flags []string
			for _, f := range c.fields {
				b.do(t, typeInto("mul-"+f[0], f[1]))
				flags = append(flags, "--"+f[0], f[1])
			}
			page := eval[pageMul](t, b, readMul)
			if page.Error != "" {
				t.Fatalf("the page says %q", page.Error)
			}
			compareWithDemo(t, page, flags)
		})
	}

	b.open(t, classroomURL(t))
	b.do(t, typeInto("mul-x", "abc"))
	if page := eval[pageMul](t, b, readMul); page.Error != `x: "abc" is not a number` {
		t.Errorf("typing abc for x: the page says %q", page.Error)
	}
	b.do(t, typeInto("mul-x", "2"), typeInto("mul-out-scale", "0.005"))
	if page := eval[pageMul](t, b, readMul); !strings.HasPrefix(page.Error, "out-scale: must be more than x-scale x w-scale") {
		t.Errorf("out scale 0.005: the page says %q", page.Error)
	}

	// The slider: 30 steps right of the default lands on a larger output
	// scale, which the form and the table follow.
	b.open(t, classroomURL(t))
	before := eval[int](t, b, `+document.getElementById("mul-slider").value`)
	b.do(t, chromedp.Focus(chromedp.ID("mul-slider")), chromedp.KeyEvent(strings.Repeat(kb.ArrowRight, 30)))
	after := eval[int](t, b, `+document.getElementById("mul-slider").value`)
	scale := eval[string](t, b, `document.getElementById("mul-out-scale").value`)
	if after != before+30 || scale == "0.0625" {
		t.Fatalf("slider moved from %d to %d, output scale %s", before, after, scale)
	}
	compareWithDemo(t, eval[pageMul](t, b, readMul), []string{"--out-scale", scale})
	text := eval[string](t, b, `document.getElementById("mul-slider-text").textContent + " | " + document.getElementById("mul-map-text").textContent`)
	if !strings.Contains(text, "Output scale "+scale+":") || !strings.Contains(text, "disagree") {
		t.Errorf("slider text %q", text)
	}
	b.screenshot(t, "mul-slider")
}

// pageArray is what panel 2 shows in one cycle.
type pageArray struct {
	Cycle int        `json:"cycle"`
	Now   string     `json:"now"`
	PEs   [][]string `json:"pes"`
	A     [][]string `json:"a"`
	B     [][]string `json:"b"`
	Acc   [][]string `json:"acc"`
	Out   [][]string `json:"out"`
	Folds [][]string `json:"folds"`
}

const readArray = `(() => {
	const table = (id) => [...document.getElementById(id).rows].map((r) => [...r.cells].map((c) => c.textContent));
	const now = document.getElementById("array-now");
	const pes = [];
	for (let r = 0; r < 8; r++) {
		pes.push([]);
		for (let c = 0; c < 8; c++) {
			pes[r].push([...document.querySelector('[data-pe="' + r + ',' + c + '"]').children].map((s) => s.textContent).join("|"));
		}
	}
	return {cycle: +now.dataset.cycle, now: now.textContent, pes, a: table("array-a"), b: table("array-b"),
		acc: table("array-acc"), out: table("array-out"), folds: [...document.getElementById("array-folds").tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent))};
})()`

// peText is how the page writes a PE's registers.
func peText(pe classroom.PE) string {
	reg := func(label string, v *int32) string {
		if v == nil {
			return ""
		}
		return fmt.Sprintf("%s %d", label, *v)
	}
	return reg("w", pe.Weight) + "|" + reg("a", pe.Act) + "|" + reg("p", pe.Psum)
}

func atoiMatrix(t *testing.T, m [][]string) [][]int32 {
	t.Helper()
	out := make([][]int32, len(m))
	for i, row := range m {
		for _, s := range row {
			v, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("matrix cell %q", s)
			}
			out[i] = append(out[i], int32(v))
		}
	}
	return out
}

// TestClassroomArraySteps steps panel 2 cycle by cycle, holds the PEs to the
// register-level model, runs to the end and checks the product and its
// requantization against arithmetic done here, then plays and pauses.
func TestClassroomArraySteps(t *testing.T) {
	b := newBrowserTab(t)
	b.open(t, classroomURL(t))
	want, err := classroom.Animate(classroom.DefaultArrayRequest())
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		b.do(t, chromedp.Click(chromedp.ID("array-step")))
	}
	b.do(t, chromedp.Click(chromedp.ID("array-back")))
	p := eval[pageArray](t, b, readArray)
	if p.Cycle != 5 || !strings.HasPrefix(p.Now, "cycle 5 of 22: array: fold 0, stream phase") {
		t.Fatalf("after 6 steps and one back: cycle %d, %q", p.Cycle, p.Now)
	}
	for r := range 8 {
		for c := range 8 {
			if got, w := p.PEs[r][c], peText(want.Frames[5].PEs[r][c]); got != w {
				t.Errorf("cycle 5, PE (%d, %d): the page shows %q, the model %q", r, c, got, w)
			}
		}
	}
	b.screenshot(t, "array-cycle-5")

	b.do(t, chromedp.Focus(chromedp.ID("array-cycle")), chromedp.KeyEvent(kb.End))
	p = eval[pageArray](t, b, readArray)
	if p.Cycle != 22 || !strings.Contains(p.Now, "done: 14 array cycles + 8 requantization cycles") {
		t.Fatalf("at the end: cycle %d, %q", p.Cycle, p.Now)
	}
	a, bm, acc, out := atoiMatrix(t, p.A), atoiMatrix(t, p.B), atoiMatrix(t, p.Acc), atoiMatrix(t, p.Out)
	m := quant.VariantDoubleRounding.MultiplierFromReal(0.3)
	for i := range 5 {
		for j := range 3 {
			var sum int32
			for k := range 4 {
				sum += a[i][k] * bm[k][j]
			}
			if acc[i][j] != sum || out[i][j] != quant.VariantDoubleRounding.Requantize(sum, m, 0, math.MinInt8, math.MaxInt8) {
				t.Errorf("(%d, %d): accumulator %d, output %d; A x B = %d", i, j, acc[i][j], out[i][j], sum)
			}
		}
	}
	if len(p.Folds) != 1 || p.Folds[0][4] != "2×4 + 3 + 5 − 2 = 14" || p.Folds[0][5] != "14" {
		t.Errorf("folds %v", p.Folds)
	}
	b.screenshot(t, "array-done")

	// A product of two reduction folds: K = 10 on 8 rows.
	b.do(t, typeInto("array-m", "12"), typeInto("array-k", "10"), chromedp.KeyEvent(kb.Tab))
	p = eval[pageArray](t, b, readArray)
	if len(p.Folds) != 2 || p.Folds[0][4] != "2×8 + 3 + 12 − 2 = 29" || p.Folds[1][4] != "2×2 + 3 + 12 − 2 = 17" || p.Folds[1][5] != "17" {
		t.Errorf("12 x 10 x 3: folds %v", p.Folds)
	}

	b.do(t, chromedp.Click(chromedp.ID("array-play")))
	b.waitFor(t, `+document.getElementById("array-now").dataset.cycle >= 2`)
	b.do(t, chromedp.Click(chromedp.ID("array-play")))
	if label := eval[string](t, b, `document.getElementById("array-play").textContent`); label != "▶ play" {
		t.Errorf("after pause the button reads %q", label)
	}
}

// pressedButtons says the left button is held while the mouse moves.
func pressedButtons(p *input.DispatchMouseEventParams) { p.Buttons = 1 }

// pagePhones is what panel 3 shows.
type pagePhones struct {
	Pixels  string `json:"pixels"`
	Bits    string `json:"bits"`
	Label   string `json:"label"`
	Summary string `json:"summary"`
	Rows    []struct {
		Policy string   `json:"policy"`
		Class  string   `json:"class"`
		Codes  []string `json:"codes"`
		Cannot string   `json:"cannot"`
	} `json:"rows"`
}

const readPhones = `(() => ({
	pixels: document.getElementById("phones-image").dataset.pixels,
	bits: document.getElementById("phones-canvas").dataset.bits,
	label: document.getElementById("phones-label").textContent,
	summary: document.getElementById("phones-summary").textContent,
	rows: [...document.querySelectorAll("#phones-table tbody tr")].map((tr) => ({
		policy: tr.dataset.policy, class: tr.dataset.class,
		codes: [...tr.querySelectorAll("[data-code]")].map((td) => td.textContent),
		cannot: (tr.querySelector(".cannot") || {textContent: ""}).textContent,
	})),
}))()`

// comparePhones holds the page's table to the classroom package run here.
func comparePhones(t *testing.T, p pagePhones, want *classroom.PhonesView) {
	t.Helper()
	all := append([]classroom.Phone{want.Reference}, want.Phones...)
	if len(p.Rows) != len(all) {
		t.Fatalf("%d rows, want %d", len(p.Rows), len(all))
	}
	for i, w := range all {
		r := p.Rows[i]
		var codes []string
		for _, c := range w.Codes {
			codes = append(codes, fmt.Sprint(c))
		}
		class := fmt.Sprint(w.Class)
		if w.Error != "" {
			class = ""
		}
		if r.Policy != w.Policy || r.Class != class || !slices.Equal(r.Codes, codes) || (w.Error != "") != (r.Cannot != "") {
			t.Errorf("row %d: the page shows %s class %q codes %v %q; want %s class %q codes %v (error %q)", i, r.Policy, r.Class, r.Codes, r.Cannot, w.Policy, class, codes, w.Error)
		}
	}
}

// TestClassroomPhonesDraw checks the opening digit, the next test image, a
// digit drawn with the mouse, and hardware that cannot run every driver.
func TestClassroomPhonesDraw(t *testing.T) {
	b := newBrowserTab(t)
	b.open(t, classroomURL(t))
	b.waitFor(t, `document.getElementById("phones").dataset.classified === "1"`)
	p := eval[pagePhones](t, b, readPhones)
	want, err := classroom.Phones(classroom.Defaults().Phones)
	if err != nil {
		t.Fatal(err)
	}
	comparePhones(t, p, want)
	if p.Label != "test image 179, labelled 2" || !strings.HasPrefix(p.Summary, "The 16 phones disagree: 1 (14 phones), 2 (2 phones).") {
		t.Errorf("label %q, summary %q", p.Label, p.Summary)
	}
	b.screenshot(t, "phones-test-179")

	b.do(t, chromedp.Click(chromedp.ID("phones-next")))
	b.waitFor(t, `document.getElementById("phones").dataset.classified === "2"`)
	p = eval[pagePhones](t, b, readPhones)
	next, err := classroom.Phones(classroom.PhonesRequest{Workload: "digits-cnn", HW: "mobile-npu", Test: 180})
	if err != nil {
		t.Fatal(err)
	}
	comparePhones(t, p, next)
	if p.Label != fmt.Sprintf("test image 180, labelled %d", *next.Label) {
		t.Errorf("label %q", p.Label)
	}

	// Draw a 7 with the mouse: a bar across the top, then down and left.
	box := eval[[]float64](t, b, `(() => { const c = document.getElementById("phones-canvas");
		c.scrollIntoView({block: "center"}); const r = c.getBoundingClientRect(); return [r.left, r.top, r.width]; })()`)
	at := func(fx, fy float64) (float64, float64) { return box[0] + fx*box[2], box[1] + fy*box[2] }
	stroke := [][2]float64{{0.25, 0.15}, {0.5, 0.15}, {0.75, 0.15}, {0.6, 0.5}, {0.45, 0.85}}
	b.do(t, chromedp.Click(chromedp.ID("phones-clear")))
	b.waitFor(t, `document.getElementById("phones").dataset.classified === "3"`)
	x, y := at(stroke[0][0], stroke[0][1])
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for _, s := range stroke[1:] {
		x, y = at(s[0], s[1])
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x, y, chromedp.ButtonLeft, pressedButtons))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	b.do(t, steps...)
	b.waitFor(t, `document.getElementById("phones").dataset.classified === "4"`)
	p = eval[pagePhones](t, b, readPhones)
	bits := make([]bool, len(p.Bits))
	for i, c := range p.Bits {
		bits[i] = c == '1'
	}
	pixels, err := classroom.DownsampleDrawing(bits)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(pixels); "["+strings.ReplaceAll(p.Pixels, ",", " ")+"]" != got {
		t.Errorf("the page shows pixels %s; the drawing %s downsamples to %s", p.Pixels, p.Bits, got)
	}
	drawn, err := classroom.Phones(classroom.PhonesRequest{Workload: "digits-cnn", HW: "mobile-npu", Test: -1, Pixels: pixels})
	if err != nil {
		t.Fatal(err)
	}
	comparePhones(t, p, drawn)
	if strings.Count(p.Bits, "1") < 40 || drawn.Reference.Class != 7 {
		t.Errorf("the stroke set %d of 1024 pixels and the reference reads it as %d; want a 7", strings.Count(p.Bits, "1"), drawn.Reference.Class)
	}
	b.screenshot(t, "phones-drawn")

	// low-cost has only the 16-bit requantizer.
	b.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("phones-hw"); s.value = "low-cost"; s.dispatchEvent(new Event("change")); })()`))
	b.waitFor(t, `document.getElementById("phones").dataset.classified === "5"`)
	p = eval[pagePhones](t, b, readPhones)
	low, err := classroom.Phones(classroom.PhonesRequest{Workload: "digits-cnn", HW: "low-cost", Test: -1, Pixels: pixels})
	if err != nil {
		t.Fatal(err)
	}
	comparePhones(t, p, low)
	cannot := 0
	for _, r := range p.Rows {
		if strings.HasPrefix(r.Cannot, "cannot run on low-cost: ") {
			cannot++
		}
	}
	if cannot != 6 {
		t.Errorf("%d phones cannot run on low-cost, want 6 (fp32, single-rounding, truncate, vendor-b, vendor-c, vendor-dynamic)", cannot)
	}
}
