package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/npusim/npusim/cmd/npusim/internal/classroom/site"
)

// The browser tests drive a real Chromium through the DevTools protocol:
// they load the classroom page from npusim classroom's handler, type, click,
// press keys and draw, and read what the page shows. They need the browser
// named by NPUSIM_BROWSER; CI installs Debian's chromium and sets it, and
// without it they skip. Screenshots go to $NPUSIM_ARTIFACTS/classroom, or to
// a temporary directory named in the log.

// classroomPage is the page, built once for all the tests.
var classroomPage struct {
	once sync.Once
	site *site.Site
	err  error
}

// testPage returns the page, compiled on first use.
func testPage(t testing.TB) *site.Site {
	t.Helper()
	if testing.Short() {
		t.Skip("compiles the page's WebAssembly")
	}
	classroomPage.once.Do(func() { classroomPage.site, classroomPage.err = site.Build(context.Background()) })
	if classroomPage.err != nil {
		t.Fatal(classroomPage.err)
	}
	return classroomPage.site
}

// classroomURL serves the page for one test.
func classroomURL(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(testPage(t))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// browserTab is a headless Chromium with one tab that records every console
// error, uncaught exception and browser log error; the test fails on any.
type browserTab struct {
	ctx    context.Context
	loads  int
	mu     sync.Mutex
	errors []string
}

func newBrowserTab(t testing.TB) *browserTab {
	t.Helper()
	path := os.Getenv("NPUSIM_BROWSER")
	if path == "" {
		t.Skip("NPUSIM_BROWSER is not set: the path of the Chromium the browser tests drive (CI sets it)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1600, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 5*time.Minute)
	b := &browserTab{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		cancelTime()
		cancelTab()
		cancelAlloc()
		t.Fatalf("starting %s: %v", path, err)
	}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.errors = append(b.errors, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancelTime()
		<-done
		cancelTab()
		cancelAlloc()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errors {
			t.Errorf("browser console: %s", e)
		}
	})
	return b
}

// do performs actions in the tab, failing the test on an error.
func (b *browserTab) do(t testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates JavaScript in the page and decodes its value.
func eval[T any](t testing.TB, b *browserTab, js string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// open loads the page and waits until the WebAssembly runs and the panels
// are drawn; it returns the milliseconds from navigation to that moment.
func (b *browserTab) open(t testing.TB, url string) float64 {
	t.Helper()
	b.loads++
	b.do(t, chromedp.Navigate(fmt.Sprintf("%s?load=%d", url, b.loads)))
	b.waitFor(t, `document.body.dataset.ready === "true"`)
	return eval[float64](t, b, `globalThis.npusimReadyMs`)
}

// waitFor polls a JavaScript condition until it holds, for up to a minute.
func (b *browserTab) waitFor(t testing.TB, cond string) {
	t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		b.mu.Lock()
		defer b.mu.Unlock()
		t.Fatalf("waiting for %s: %v; the console says %q", cond, err, b.errors)
	}
}

var artifacts struct {
	once sync.Once
	dir  string
}

// screenshot saves the whole page as name.png among the CI artefacts.
func (b *browserTab) screenshot(t testing.TB, name string) {
	t.Helper()
	b.save(t, name, chromedp.FullScreenshot(100))
}

// screenshotOf saves one element (a panel) as name.png.
func (b *browserTab) screenshotOf(t testing.TB, name, id string) {
	t.Helper()
	b.save(t, name, chromedp.Screenshot(chromedp.ID(id)))
}

func (b *browserTab) save(t testing.TB, name string, shot chromedp.Action[[]byte]) {
	t.Helper()
	artifacts.once.Do(func() {
		dir := os.Getenv("NPUSIM_ARTIFACTS")
		if dir == "" {
			dir, _ = os.MkdirTemp("", "npusim-artifacts-")
		}
		artifacts.dir = filepath.Join(dir, "classroom")
	})
	png, err := chromedp.Run(b.ctx, shot)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(artifacts.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifacts.dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", path, len(png))
}

// typeInto replaces an input's text as a student does: it focuses the
// field, presses End and Backspace until it is empty, then types the text
// key by key.
func typeInto(id, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus(chromedp.ID(id)), chromedp.KeyEvent(kb.End+strings.Repeat(kb.Backspace, 24)+text))
}

// regexpReady is the status line of a page that started.
var regexpReady = regexp.MustCompile(`^Ready in \d+\.\d\d s\. `)

// TestClassroomPageLoads loads the page in a projector-sized window and in a
// phone-sized one: the WebAssembly starts, the three panels fill in, and
// nothing is wider than the phone.
func TestClassroomPageLoads(t *testing.T) {
	b := newBrowserTab(t)
	url := classroomURL(t)
	ms := b.open(t, url)
	b.waitFor(t, `document.getElementById("phones").dataset.classified === "1"`)
	t.Logf("page ready %.0f ms after navigation (WebAssembly running, panels 1 and 2 drawn); panel 3's first digit classified at %.0f ms",
		ms, eval[float64](t, b, `globalThis.npusimPhonesMs`))
	counts := eval[[]int](t, b, `[document.querySelectorAll("#mul-table tr[data-variant]").length,
		document.querySelectorAll("#array-grid .pe").length,
		document.querySelectorAll("#phones-table tbody tr").length]`)
	if fmt.Sprint(counts) != "[8 64 17]" {
		t.Errorf("%v variants, PEs and phone rows; want 8, 64 and 17 (the reference interpreter and 16 driver presets)", counts)
	}
	if status := eval[string](t, b, `document.getElementById("status").textContent`); !regexpReady.MatchString(status) {
		t.Errorf("status line %q", status)
	}
	b.screenshot(t, "desktop")

	b.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	b.open(t, url)
	b.waitFor(t, `document.getElementById("phones").dataset.classified === "1"`)
	if width := eval[int](t, b, `document.documentElement.scrollWidth`); width > 390 {
		t.Errorf("on a 390 px wide phone the page is %d px wide", width)
	}
	b.screenshot(t, "phone")
	for _, panel := range []string{"mul", "array", "phones"} {
		b.screenshotOf(t, "phone-"+panel, panel)
	}
}

// BenchmarkClassroomPageLoad measures the milliseconds from navigation to a
// page whose WebAssembly runs and whose first two panels are drawn.
func BenchmarkClassroomPageLoad(b *testing.B) {
	tab := newBrowserTab(b)
	url := classroomURL(b)
	tab.open(b, url) // compile caches warm
	var total float64
	for b.Loop() {
		total += tab.open(b, url)
	}
	b.ReportMetric(total/float64(b.N), "ms/ready")
}
