package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/npusim/npusim/internal/diskcache"
)

// withTestCache runs the tests with the disk cache in a fresh temporary
// directory, never the user's nor one the environment names, so that no
// test reads what an earlier run wrote.
func withTestCache(run func() int) int {
	dir, err := os.MkdirTemp("", "npusim-cache-test-")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if err := os.Setenv(diskcache.EnvDir, dir); err != nil {
		panic(err)
	}
	return run()
}

// TestCacheNeverChangesResults runs one sweep with a cold disk cache, again
// with the cache warm, and with --no-cache, and requires identical
// results.jsonl bytes. The warm and --no-cache runs must leave the entries
// the cold run wrote as they are: the warm run read them (a miss would
// rewrite one), --no-cache touched none.
func TestCacheNeverChangesResults(t *testing.T) {
	t.Setenv(diskcache.EnvDir, t.TempDir())
	grid := []string{"--workloads", "mac2x3,digits-cnn,fashion-mobilenet,kjv-lstm", "--policies", "reference,mult16,vendor-b", "--hw", "mobile-npu,low-cost", "--samples", "20"}
	var results [][]byte
	var cold map[string]time.Time
	for _, pass := range []struct {
		name  string
		flags []string
	}{{"cold", nil}, {"warm", nil}, {"no-cache", []string{"--no-cache"}}} {
		out := filepath.Join(t.TempDir(), pass.name)
		args := append(append([]string{"sweep", "--out", out}, grid...), pass.flags...)
		if status, _, errOut := runCLI(args...); status != 0 {
			t.Fatalf("%s: exit %d: %s", pass.name, status, errOut)
		}
		data, err := os.ReadFile(filepath.Join(out, "results.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, data)
		entries := cacheEntries(t)
		if pass.name == "cold" {
			cold = entries
			if len(entries) < 5 {
				t.Fatalf("the cold sweep wrote %d cache entries", len(entries))
			}
		} else if !maps.Equal(entries, cold) {
			t.Errorf("the %s sweep changed the cache: %d entries, the cold sweep left %d", pass.name, len(entries), len(cold))
		}
	}
	if !bytes.Equal(results[0], results[1]) || !bytes.Equal(results[0], results[2]) {
		t.Error("results.jsonl differs between a cold cache, a warm cache and --no-cache")
	}
}

// cacheEntries lists the files of the cache directory with their
// modification times.
func cacheEntries(t *testing.T) map[string]time.Time {
	t.Helper()
	files := map[string]time.Time{}
	err := filepath.WalkDir(os.Getenv(diskcache.EnvDir), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			files[path] = info.ModTime()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
