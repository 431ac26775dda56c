package site

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBuild compiles the page's WebAssembly with the local toolchain and
// checks what the page is made of.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the WebAssembly (a few seconds)")
	}
	s, err := Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"app.js", "index.html", WasmFile, "style.css", WasmExecFile}
	if got := s.Files(); !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	wasm, _ := s.File(WasmFile)
	loader, _ := s.File(WasmExecFile)
	if !bytes.HasPrefix(wasm, []byte("\x00asm")) || len(wasm) < 1<<20 || !bytes.Contains(loader, []byte("globalThis.Go")) {
		t.Errorf("npusim.wasm is %d bytes starting %q; wasm_exec.js defines Go: %v", len(wasm), wasm[:4], bytes.Contains(loader, []byte("globalThis.Go")))
	}
}

func testSite(t *testing.T) *Site {
	t.Helper()
	s, err := newSite([]byte("\x00asm wasm bytes"), []byte("loader"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestServeHTTP(t *testing.T) {
	srv := httptest.NewServer(testSite(t))
	defer srv.Close()
	for _, c := range []struct {
		method, path, encoding string
		status                 int
		contentType, body      string
	}{
		{"GET", "/", "", 200, "text/html; charset=utf-8", "<title>npusim classroom</title>"},
		{"GET", "/app.js", "", 200, "text/javascript; charset=utf-8", `call("defaults")`},
		{"GET", "/npusim.wasm", "gzip", 200, "application/wasm", "\x00asm wasm bytes"},
		{"GET", "/npusim.wasm", "identity", 200, "application/wasm", "\x00asm wasm bytes"},
		{"GET", "/wasm_exec.js", "", 200, "text/javascript; charset=utf-8", "loader"},
		{"GET", "/favicon.ico", "", 404, "", ""},
		{"GET", "/../go.mod", "", 404, "", ""},
		{"POST", "/", "", 405, "", ""},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		req.Header.Set("Accept-Encoding", c.encoding) // set: the client does not decompress
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if err := resp.Body.Close(); err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		if resp.StatusCode != c.status || (c.status == 200 && (resp.Header.Get("Content-Type") != c.contentType || !strings.Contains(string(body), c.body))) {
			t.Errorf("%s %s: %d %q %q", c.method, c.path, resp.StatusCode, resp.Header.Get("Content-Type"), body[:min(len(body), 60)])
		}
		if c.encoding == "gzip" && resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s with gzip accepted: Content-Encoding %q", c.path, resp.Header.Get("Content-Encoding"))
		}
	}
}

func TestWriteDir(t *testing.T) {
	s := testSite(t)
	dir := filepath.Join(t.TempDir(), "page")
	if err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range s.Files() {
		data, err := os.ReadFile(filepath.Join(dir, name))
		want, _ := s.File(name)
		if err != nil || !bytes.Equal(data, want) {
			t.Errorf("%s: %v, %d bytes, want %d", name, err, len(data), len(want))
		}
	}
	if err := s.WriteDir(dir); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("writing into a full directory: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("%d entries beside the page, want none (no temporary directory left)", len(entries)-1)
	}
	empty := t.TempDir()
	if err := s.WriteDir(empty); err != nil {
		t.Errorf("writing into an empty directory: %v", err)
	}
}

func TestSourceTree(t *testing.T) {
	root, err := sourceTree()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "npusim", "internal", "classroom", "wasm", "main.go")); err != nil {
		t.Errorf("source tree %s lacks the wasm program: %v", root, err)
	}
}

func TestBuildWithoutGo(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Build(context.Background())
	if err == nil || !strings.Contains(err.Error(), "go is not in PATH: install Go") || strings.Contains(err.Error(), "\n") {
		t.Errorf("without go in PATH: %v", err)
	}
}
