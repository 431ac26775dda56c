package diskcache

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// The environment variables by which TestConcurrentProcesses starts this
// test binary as one of its writers.
const (
	envChildRoot = "NPUSIM_DISKCACHE_TEST_ROOT"
	envChildID   = "NPUSIM_DISKCACHE_TEST_ID"
)

// concurrentKeys and concurrentRounds size the concurrent test: every
// process writes and reads every key, over and over.
const concurrentKeys, concurrentRounds = 8, 25

// concurrentPayload is key k's payload: as for the cache's real users, every
// writer of an entry writes the same bytes. Payloads differ in length, so
// that a reader of a half-written file would see a wrong length.
func concurrentPayload(k int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("entry %d;", k)), 2000+997*k)
}

// TestConcurrentProcesses starts four processes (this test binary again)
// that put and get the same entries of one cache directory at once. Each
// read must find an entry whole or not at all, never another key's or a
// partial one; afterwards every entry reads back whole and no temporary
// file is left.
func TestConcurrentProcesses(t *testing.T) {
	if os.Getenv(envChildRoot) != "" {
		t.Skip("a child process runs TestConcurrentChild")
	}
	root := t.TempDir()
	cmds := make([]*exec.Cmd, 4)
	outs := make([]bytes.Buffer, len(cmds))
	for id := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), envChildRoot+"="+root, envChildID+"="+strconv.Itoa(id))
		cmd.Stdout, cmd.Stderr = &outs[id], &outs[id]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[id] = cmd
	}
	for id, cmd := range cmds {
		err := cmd.Wait()
		if err != nil || !bytes.Contains(outs[id].Bytes(), []byte("--- PASS: TestConcurrentChild")) {
			t.Errorf("process %d: %v\n%s", id, err, outs[id].Bytes())
		}
	}
	c, err := New(root, "build")
	if err != nil {
		t.Fatal(err)
	}
	for k := range concurrentKeys {
		if got, ok := c.Get("w", []byte{byte(k)}); !ok || !bytes.Equal(got, concurrentPayload(k)) {
			t.Errorf("key %d after the processes: %d bytes, found %v", k, len(got), ok)
		}
	}
	temps, _ := filepath.Glob(filepath.Join(root, "build", "w", "*.tmp"))
	if len(temps) != 0 {
		t.Errorf("temporary files left: %v", temps)
	}
}

// TestConcurrentChild is one process of TestConcurrentProcesses; run
// alone, it does nothing.
func TestConcurrentChild(t *testing.T) {
	root := os.Getenv(envChildRoot)
	if root == "" {
		t.Skip("started only by TestConcurrentProcesses")
	}
	id, _ := strconv.Atoi(os.Getenv(envChildID))
	c, err := New(root, "build")
	if err != nil {
		t.Fatal(err)
	}
	for round := range concurrentRounds {
		for i := range concurrentKeys {
			k := (i + id + round) % concurrentKeys
			want := concurrentPayload(k)
			if got, ok := c.Get("w", []byte{byte(k)}); ok && !bytes.Equal(got, want) {
				t.Fatalf("key %d: read %d bytes that are not its entry", k, len(got))
			}
			if err := c.Put("w", []byte{byte(k)}, want); err != nil {
				t.Fatal(err)
			}
		}
	}
}
