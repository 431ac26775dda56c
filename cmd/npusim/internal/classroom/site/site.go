// Package site assembles the classroom page: its HTML, CSS and JavaScript
// (embedded from assets/), the WebAssembly build of package
// classroom/wasm, and the Go distribution's wasm_exec.js that loads it. It
// serves the page over HTTP or writes it as static files.
//
// Nothing generated is kept in the repository: Build compiles the
// WebAssembly with the local Go toolchain from the source tree it runs in,
// so the page always computes with exactly the code beside it.
package site

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/npusim/npusim/internal/atomicfile"
)

//go:embed assets
var assets embed.FS

// The page's files.
const (
	WasmFile     = "npusim.wasm"
	WasmExecFile = "wasm_exec.js"
)

// wasmPackage is the import path of the page's WebAssembly program.
const (
	modulePath  = "github.com/npusim/npusim"
	wasmPackage = modulePath + "/cmd/npusim/internal/classroom/wasm"
)

// Site is the page's files, by name.
type Site struct {
	files map[string][]byte
	// gzipped holds the compressed WebAssembly, served to browsers that
	// accept gzip (a quarter of the size, for a classroom's Wi-Fi).
	gzipped []byte
}

// Build compiles the page's WebAssembly with the Go toolchain found in PATH
// (GOOS=js GOARCH=wasm) from the npusim source tree containing the current
// directory, or else the one this program was built from, and gathers the
// page's files.
func Build(ctx context.Context) (*Site, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, errors.New("the classroom page's WebAssembly is compiled from npusim's source " +
			"with the Go toolchain, and go is not in PATH: install Go (https://go.dev/dl/), " +
			"or copy a page written by npusim classroom --static on a machine that has it")
	}
	root, err := sourceTree()
	if err != nil {
		return nil, err
	}
	wasm, err := compileWasm(ctx, goTool, root)
	if err != nil {
		return nil, err
	}
	loader, err := wasmExec(ctx, goTool)
	if err != nil {
		return nil, err
	}
	return newSite(wasm, loader)
}

// compileWasm builds the page's WebAssembly from the source tree root into
// a temporary directory, which it removes, and returns the module's bytes.
func compileWasm(ctx context.Context, goTool, root string) (wasm []byte, err error) {
	tmp, err := os.MkdirTemp("", "npusim-classroom-")
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(tmp)) }()
	out := filepath.Join(tmp, WasmFile)
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-o", out, wasmPackage)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("compiling the page's WebAssembly (go build %s in %s): %v: %s",
			wasmPackage, root, err, strings.TrimSpace(stderr.String()))
	}
	return os.ReadFile(out)
}

// newSite gathers the embedded assets with the WebAssembly and its loader.
func newSite(wasm, loader []byte) (*Site, error) {
	s := &Site{files: map[string][]byte{WasmFile: wasm, WasmExecFile: loader}}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := assets.ReadFile(p)
		s.files[strings.TrimPrefix(p, "assets/")] = data
		return err
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if _, err := zw.Write(wasm); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	s.gzipped = buf.Bytes()
	return s, nil
}

// sourceTree finds the root of npusim's module: the directory holding its
// go.mod, above the current directory or above this file's source.
func sourceTree() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			if isModuleRoot(dir) {
				return dir, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("the classroom page's WebAssembly is compiled from npusim's source: "+
		"run npusim classroom inside the npusim source tree (the directory with go.mod for %s, or below it)",
		modulePath)
}

func isModuleRoot(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(data), "\n")
	return strings.TrimSpace(first) == "module "+modulePath
}

// wasmExec reads the wasm_exec.js of the Go distribution that compiled the
// WebAssembly (lib/wasm since Go 1.24, misc/wasm before).
func wasmExec(ctx context.Context, goTool string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, goTool, "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOROOT: %w", err)
	}
	root := strings.TrimSpace(string(out))
	for _, dir := range []string{"lib/wasm", "misc/wasm"} {
		data, err := os.ReadFile(filepath.Join(root, dir, WasmExecFile))
		if err == nil {
			return data, nil
		}
	}
	return nil, fmt.Errorf("the Go distribution in %s has no lib/wasm/%s or misc/wasm/%s",
		root, WasmExecFile, WasmExecFile)
}

// Files lists the page's file names, sorted.
func (s *Site) Files() []string {
	var names []string
	for name := range s.files {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// File returns one of the page's files.
func (s *Site) File(name string) ([]byte, bool) {
	data, ok := s.files[name]
	return data, ok
}

// ServeHTTP serves the page: / is index.html, every other path one of its
// files; the WebAssembly goes gzipped to browsers that accept it.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	data, ok := s.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	if name == WasmFile && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/wasm")
		w.Header().Set("Vary", "Accept-Encoding")
		data = s.gzipped
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

// WriteDir writes the page's files into dir, which must not exist or be
// empty. The files are written into a temporary directory beside dir and
// moved into place only when all are complete.
func (s *Site) WriteDir(dir string) error {
	if err := atomicfile.CheckNewDir(dir); err != nil {
		return fmt.Errorf("--static: %w", err)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".*")
	if err != nil {
		return fmt.Errorf("--static: %w", err)
	}
	for _, name := range s.Files() {
		if err := os.WriteFile(filepath.Join(tmp, name), s.files[name], 0o644); err != nil {
			return fmt.Errorf("--static: %w", errors.Join(err, os.RemoveAll(tmp)))
		}
	}
	err = os.Chmod(tmp, 0o755)
	if err == nil {
		// An empty directory, if any; if it cannot be removed, Rename says why.
		_ = os.Remove(dir)
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		return fmt.Errorf("--static: %w", errors.Join(err, os.RemoveAll(tmp)))
	}
	return nil
}
