// Package vectors finds the project's external test vectors for tests.
//
// The NNAPI vectors and the SCALE-Sim golden run live outside the repository,
// in ../shared/testdata beside the module root. Tests find them through an
// environment variable or that default location; where neither exists they
// skip with a message naming the variable, unless NPUSIM_REQUIRE_VECTORS=1
// (which CI sets) turns the absence into a failure.
package vectors

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/npusim/npusim/workloads/cases"
)

// NNAPIDir returns the directory of the NNAPI quant8 vectors:
// $NPUSIM_NNAPI_DIR, else ../shared/testdata/nnapi beside the module root.
func NNAPIDir(t testing.TB) string {
	return find(t, "NPUSIM_NNAPI_DIR", "nnapi")
}

// ScaleSimDir returns the directory of the SCALE-Sim golden run:
// $NPUSIM_SCALESIM_DIR, else ../shared/testdata/scalesim beside the module root.
func ScaleSimDir(t testing.TB) string {
	return find(t, "NPUSIM_SCALESIM_DIR", "scalesim")
}

func find(t testing.TB, env, name string) string {
	t.Helper()
	dir := os.Getenv(env)
	if dir == "" {
		if root, ok := moduleRoot(); ok {
			dir = filepath.Join(root, "..", "shared", "testdata", name)
		}
	}
	if info, err := os.Stat(dir); dir != "" && err == nil && info.IsDir() {
		return dir
	}
	msg := "test vectors not found: set " + env + " to the " + name + " vector directory"
	if os.Getenv("NPUSIM_REQUIRE_VECTORS") == "1" {
		t.Fatal(msg + " (NPUSIM_REQUIRE_VECTORS=1 forbids skipping)")
	}
	t.Skip(msg)
	return ""
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// NNAPICases loads every case of the NNAPI vector directory, in file order,
// and fails the test unless there are the 35 the directory documents.
func NNAPICases(t testing.TB) []*cases.Case {
	t.Helper()
	dir := NNAPIDir(t)
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []*cases.Case
	for _, p := range paths {
		if !cases.LooksLike(p) {
			continue
		}
		f, err := cases.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, f.Cases...)
	}
	if len(all) != 35 {
		t.Fatalf("found %d NNAPI cases in %s, want 35", len(all), dir)
	}
	return all
}
