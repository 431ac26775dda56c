package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// names lists a directory's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n []string
	for _, e := range entries {
		n = append(n, e.Name())
	}
	return n
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.txt")
	if err := WriteBytes(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, "half of tw"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want the writer's", err)
	}
	data, _ := os.ReadFile(path)
	info, _ := os.Stat(path)
	if string(data) != "one" || info.Mode().Perm() != 0o644 {
		t.Errorf("after a failed write: %q, mode %v; want the old %q, 0644", data, info.Mode().Perm(), "one")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"a.txt"}) {
		t.Errorf("directory holds %v, want only a.txt", got)
	}
	if err := WriteBytes(filepath.Join(dir, "no", "b.txt"), nil); err == nil {
		t.Error("a write into a missing directory succeeded")
	}
}

// must stops the test when a step of its setup failed.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func file(name, text string) File {
	return File{Name: name, Write: func(w io.Writer) error { _, err := io.WriteString(w, text); return err }}
}

func TestWriteDir(t *testing.T) {
	base := t.TempDir()
	parent := filepath.Join(base, "x", "y")
	if err := WriteDir(parent, "run", []File{file("a", "1"), file("b", "2")}); err != nil {
		t.Fatal(err)
	}
	if got := names(t, filepath.Join(parent, "run")); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("run holds %v", got)
	}
	// An existing run directory: its files are replaced, others kept.
	must(t, os.WriteFile(filepath.Join(parent, "run", "keep"), []byte("k"), 0o644))
	if err := WriteDir(parent, "run", []File{file("a", "3")}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(parent, "run", "a"))
	if got := names(t, filepath.Join(parent, "run")); string(a) != "3" || !slices.Equal(got, []string{"a", "b", "keep"}) {
		t.Errorf("after the second write: a = %q, run holds %v", a, got)
	}
	if got := names(t, parent); !slices.Equal(got, []string{"run"}) {
		t.Errorf("parent holds %v, want only run", got)
	}
}

func TestWriteDirFailureLeavesNothing(t *testing.T) {
	base := t.TempDir()
	boom := errors.New("boom")
	failing := File{Name: "bad", Write: func(io.Writer) error { return boom }}
	if err := WriteDir(filepath.Join(base, "x", "y"), "run", []File{file("a", "1"), failing}); !errors.Is(err, boom) {
		t.Fatalf("error %v, want the writer's", err)
	}
	if got := names(t, base); len(got) != 0 {
		t.Errorf("a failed write left %v behind", got)
	}
	must(t, os.WriteFile(filepath.Join(base, "run"), []byte("in the way"), 0o644))
	if err := WriteDir(base, "run", []File{file("a", "1")}); err == nil {
		t.Error("a file in the way of the run directory was accepted")
	}
	if got := names(t, base); !slices.Equal(got, []string{"run"}) {
		t.Errorf("base holds %v, want only the file in the way", got)
	}
}

func TestWriteFileAtomicLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.csv")
	err := Write(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, "partial"); err != nil {
			return err
		}
		return errors.New("disk full")
	})
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("error = %v, want disk full", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left behind, want 0", len(entries))
	}
}

// TestTargets writes to every kind of target a user can name: regular
// files and links to them are written (the link stays a link), the rest
// is a TargetError before anything is written, and nothing is left behind.
func TestTargets(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "real.json")
	must(t, os.WriteFile(regular, []byte("old"), 0o600))
	must(t, os.Symlink("real.json", filepath.Join(dir, "link.json")))
	must(t, os.Symlink(filepath.Join(dir, "missing", "x"), filepath.Join(dir, "dangling.json")))
	must(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(t, os.Symlink("sub", filepath.Join(dir, "linkdir")))
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	refused := []string{"sub", "linkdir", "fifo", "dangling.json", filepath.Join("no", "x.json")}
	for _, name := range refused {
		var target *TargetError
		if err := WriteBytes(filepath.Join(dir, name), []byte("new")); !errors.As(err, &target) {
			t.Errorf("%s: error %v, want a TargetError", name, err)
		}
	}
	if _, err := Resolve("/dev/null"); err == nil {
		t.Error("/dev/null accepted as a target") // only resolved: never written
	}
	if err := WriteBytes(filepath.Join(dir, "link.json"), []byte("new")); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Lstat(filepath.Join(dir, "link.json"))
	data, _ := os.ReadFile(regular)
	mode, _ := os.Stat(regular)
	if info.Mode()&os.ModeSymlink == 0 || string(data) != "new" || mode.Mode().Perm() != 0o644 {
		t.Errorf("through the link: link kept %v, file %q, mode %v", info.Mode()&os.ModeSymlink != 0, data, mode.Mode().Perm())
	}
	want := []string{"dangling.json", "fifo", "link.json", "linkdir", "real.json", "sub"}
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Errorf("directory holds %v, want %v", got, want)
	}
}

// TestWriteAll: all files or none.
func TestWriteAll(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.onnx"), filepath.Join(dir, "a_input0_sample0.npy")
	if err := WriteAll(map[string][]byte{a: []byte("model"), b: []byte("input")}); err != nil {
		t.Fatal(err)
	}
	must(t, os.Mkdir(filepath.Join(dir, "c.npy"), 0o755))
	err := WriteAll(map[string][]byte{a: []byte("other"), filepath.Join(dir, "c.npy"): nil})
	data, _ := os.ReadFile(a)
	if err == nil || string(data) != "model" {
		t.Errorf("a failed set: %v, and a.onnx holds %q", err, data)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"a.onnx", "a_input0_sample0.npy", "c.npy"}) {
		t.Errorf("directory holds %v", got)
	}
}
