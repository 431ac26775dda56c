// Package diskcache keeps, across processes, values that take long to
// compute and that the running program always computes the same way: the
// workloads the zoo builds (training data quantized, calibrated) and the
// reference interpreter's values of their samples.
//
// An entry is found by a digest of everything it depends on. The caller
// gives its kind and a key (the workload's spec, a digest of a model and an
// input); the cache adds the digest of the running executable, which holds
// all the code and embedded data that compute the value, so a rebuilt
// program never reads what another build wrote. Entries live under
// $NPUSIM_CACHE_DIR, else under the user's cache directory
// (os.UserCacheDir()/npusim), in one directory per executable; opening the
// cache keeps the most recently used of those and removes the others.
//
// Concurrent processes and shards may share the directory: an entry is
// written to a temporary file and renamed into place (internal/atomicfile),
// so a reader finds a whole entry or none, and two writers of one entry
// write the same bytes. Each entry carries its payload's length and CRC-32C
// (Castagnoli, computed by the CPU's CRC instruction where it has one); a
// corrupt or truncated entry reads as missing, so the caller computes the
// value again and rewrites it. A nil *Cache is a cache that is always
// empty and keeps nothing: what --no-cache gives.
package diskcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/npusim/npusim/internal/atomicfile"
)

// EnvDir is the environment variable that relocates the cache.
const EnvDir = "NPUSIM_CACHE_DIR"

// keepBuilds is how many executables' directories Open keeps.
const keepBuilds = 4

// magic starts every entry; a format change bumps its number.
const magic = "npusim-cache 1\n"

// castagnoli is the CRC-32C table of the entries' checksums.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Cache is a directory of entries written by one build of the program.
type Cache struct {
	dir string
}

// Open opens the cache of the running executable: in $NPUSIM_CACHE_DIR,
// else os.UserCacheDir()/npusim. It fails where the executable cannot be
// read or the directory created (a caller then runs without a cache).
func Open() (*Cache, error) {
	root := os.Getenv(EnvDir)
	if root == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("cache directory: %w", err)
		}
		root = filepath.Join(dir, "npusim")
	}
	build, err := executableDigest()
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	c, err := New(root, build)
	if err != nil {
		return nil, err
	}
	prune(root, keepBuilds)
	return c, nil
}

// New opens the cache of the build named build (a digest of the code that
// computes the values) under root.
func New(root, build string) (*Cache, error) {
	dir := filepath.Join(root, build)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	now := time.Now() // marks the build as recently used; never reaches a value
	if err := os.Chtimes(dir, now, now); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &Cache{dir: dir}, nil
}

// executableDigest is the SHA-256 of the running executable's file.
func executableDigest() (string, error) {
	path, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }() // read only: closing cannot lose data
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// prune removes the build directories under root but the keep most
// recently used. Failures are ignored: another process may prune too.
func prune(root string, keep int) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	type build struct {
		name string
		used time.Time
	}
	var builds []build
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() {
			builds = append(builds, build{e.Name(), info.ModTime()})
		}
	}
	slices.SortFunc(builds, func(a, b build) int { return b.used.Compare(a.used) })
	for _, b := range builds[min(keep, len(builds)):] {
		_ = os.RemoveAll(filepath.Join(root, b.name)) // another process may prune it first
	}
}

// path is the file of an entry.
func (c *Cache) path(kind string, key []byte) string {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(key)
	return filepath.Join(c.dir, kind, hex.EncodeToString(h.Sum(nil)))
}

// Get returns the payload of an entry, or false when it is missing,
// truncated or corrupt.
func (c *Cache) Get(kind string, key []byte) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	data, err := os.ReadFile(c.path(kind, key))
	if err != nil {
		return nil, false
	}
	payload, err := unwrap(data)
	return payload, err == nil
}

// Put writes an entry, replacing any.
func (c *Cache) Put(kind string, key, payload []byte) error {
	if c == nil {
		return nil
	}
	path := c.path(kind, key)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var head [12]byte
	binary.LittleEndian.PutUint32(head[:], crc32.Checksum(payload, castagnoli))
	binary.LittleEndian.PutUint64(head[4:], uint64(len(payload)))
	return atomicfile.Write(path, func(w io.Writer) error {
		for _, b := range [][]byte{[]byte(magic), head[:], payload} {
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// unwrap checks an entry's header, length and checksum and returns its
// payload.
func unwrap(data []byte) ([]byte, error) {
	rest, ok := bytes.CutPrefix(data, []byte(magic))
	if !ok || len(rest) < 12 {
		return nil, errors.New("not an entry")
	}
	sum, n, payload := binary.LittleEndian.Uint32(rest), binary.LittleEndian.Uint64(rest[4:]), rest[12:]
	if uint64(len(payload)) != n {
		return nil, errors.New("truncated")
	}
	if crc32.Checksum(payload, castagnoli) != sum {
		return nil, errors.New("checksum")
	}
	return payload, nil
}
