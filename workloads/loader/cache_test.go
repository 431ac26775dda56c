package loader

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/npusim/npusim/internal/diskcache"
	"github.com/npusim/npusim/workloads/zoo"
)

// TestZooWorkloadsRoundTripTheCache: every workload of the default sweep
// (and the rest of the zoo without -short) comes back from the disk cache
// equal to the one built, and a second Loader on the same cache reads it
// instead of building it.
func TestZooWorkloadsRoundTripTheCache(t *testing.T) {
	names := []string{"mac2x3", "digits-cnn", "fashion-mobilenet", "mobilenet-v2", "kjv-lstm", "rnn-unrolled:steps=4"}
	if !testing.Short() {
		names = zoo.Names()
	}
	c, err := diskcache.New(t.TempDir(), "test-build")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		built, err := New().Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewCached(c).Load(name); err != nil { // builds and writes
			t.Fatal(err)
		}
		key, _, err := resolve(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Get(cacheKind, []byte(key)); !ok {
			t.Errorf("%s was not written to the cache", name)
			continue
		}
		start := time.Now()
		read, err := NewCached(c).Load(name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(read, built) {
			t.Errorf("%s read from the cache differs from the one built", name)
		}
		t.Logf("%s: read in %v", name, time.Since(start))
	}
}

// TestDamagedWorkloadEntryIsRebuilt: a workload entry cut short on disk
// reads as missing, so the next Loader builds the workload again, equal
// to the one built, and writes a whole entry back.
func TestDamagedWorkloadEntryIsRebuilt(t *testing.T) {
	root := t.TempDir()
	c, err := diskcache.New(root, "test-build")
	if err != nil {
		t.Fatal(err)
	}
	built, err := NewCached(c).Load("digits-cnn")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := filepath.Glob(filepath.Join(root, "test-build", cacheKind, "*"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("%d entries (%v), want 1", len(entries), err)
	}
	if err := os.Truncate(entries[0], 200); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Get(cacheKind, []byte("digits-cnn")); ok {
		t.Fatal("a truncated entry was read")
	}
	read, err := NewCached(c).Load("digits-cnn")
	if err != nil || !reflect.DeepEqual(read, built) {
		t.Fatalf("after truncating the entry: %v, equal to the one built %v", err, reflect.DeepEqual(read, built))
	}
	if _, ok := c.Get(cacheKind, []byte("digits-cnn")); !ok {
		t.Error("the rebuilt workload was not written back")
	}
}
