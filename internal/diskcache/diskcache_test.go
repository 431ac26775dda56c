package diskcache

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPutGet(t *testing.T) {
	c, err := New(t.TempDir(), "build-a")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("kind", []byte("key")); ok {
		t.Fatal("an empty cache has an entry")
	}
	payload := bytes.Repeat([]byte("value"), 1000)
	if err := c.Put("kind", []byte("key"), payload); err != nil {
		t.Fatal(err)
	}
	got, ok := c.Get("kind", []byte("key"))
	if !ok || !bytes.Equal(got, payload) {
		t.Fatalf("got %d bytes (%v), want the %d put", len(got), ok, len(payload))
	}
	for _, other := range []struct{ kind, key string }{{"kind", "key2"}, {"other", "key"}} {
		if _, ok := c.Get(other.kind, []byte(other.key)); ok {
			t.Errorf("entry %s/%s found, only kind/key was put", other.kind, other.key)
		}
	}
}

// TestDamagedEntriesAreMissing: an entry cut short, with a byte changed,
// emptied or of another format reads as missing, and a Put repairs it.
func TestDamagedEntriesAreMissing(t *testing.T) {
	c, err := New(t.TempDir(), "build-a")
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte("the reference values of a sample")
	path := c.path("refs", []byte("k"))
	damage := map[string]func([]byte) []byte{
		"truncated":  func(b []byte) []byte { return b[:len(b)-3] },
		"flipped":    func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
		"empty":      func([]byte) []byte { return nil },
		"old format": func(b []byte) []byte { b[len(magic)-2]++; return b },
		"longer":     func(b []byte) []byte { return append(b, 0) },
	}
	for name, f := range damage {
		if err := c.Put("refs", []byte("k"), payload); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, ok := c.Get("refs", []byte("k")); ok {
			t.Errorf("%s entry read as %q", name, got)
		}
	}
	if err := c.Put("refs", []byte("k"), payload); err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Get("refs", []byte("k")); !ok || !bytes.Equal(got, payload) {
		t.Errorf("after a repairing Put: %q, %v", got, ok)
	}
}

// TestBuildsAreSeparate: another build never reads an entry, and pruning
// keeps the most recently used builds.
func TestBuildsAreSeparate(t *testing.T) {
	root := t.TempDir()
	a, _ := New(root, "build-a")
	b, _ := New(root, "build-b")
	if err := a.Put("w", []byte("k"), []byte("a's value")); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Get("w", []byte("k")); ok {
		t.Error("build b read build a's entry")
	}
	old := time.Now().Add(-time.Hour)
	for i, name := range []string{"build-c", "build-d", "build-e"} {
		if _, err := New(root, name); err != nil {
			t.Fatal(err)
		}
		at := old.Add(time.Duration(i) * time.Minute)
		if err := os.Chtimes(filepath.Join(root, name), at, at); err != nil {
			t.Fatal(err)
		}
	}
	prune(root, 3)
	for name, kept := range map[string]bool{"build-a": true, "build-b": true, "build-c": false, "build-d": false, "build-e": true} {
		if _, err := os.Stat(filepath.Join(root, name)); (err == nil) != kept {
			t.Errorf("%s: kept %v, want %v", name, err == nil, kept)
		}
	}
}

func TestNilCacheKeepsNothing(t *testing.T) {
	var c *Cache
	if err := c.Put("w", []byte("k"), []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get("w", []byte("k")); ok {
		t.Error("a nil cache returned an entry")
	}
}

// TestOpenFollowsTheEnvironment: NPUSIM_CACHE_DIR relocates the cache,
// under a directory named by the executable's digest.
func TestOpenFollowsTheEnvironment(t *testing.T) {
	root := t.TempDir()
	t.Setenv(EnvDir, root)
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(c.dir) != root || len(filepath.Base(c.dir)) != 32 {
		t.Errorf("cache in %s, want a build directory under %s", c.dir, root)
	}
}
