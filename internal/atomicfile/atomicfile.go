// Package atomicfile writes files and directories so that no reader ever
// sees half of one, and a failed write leaves nothing behind.
//
// The content goes to a temporary file (or directory) created beside the
// target, in the same directory, and is renamed over the target only once it
// is complete: on POSIX file systems a rename within one directory replaces
// the target in one step, so a reader finds the old file or the new one,
// never a mixture, even when the writer is killed half way.
package atomicfile

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes the file at path with what write writes (buffered), through
// a temporary file beside it. The file gets mode 0644.
func Write(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriter(f)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// WriteBytes writes data to the file at path, as Write does.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// File is one file of a directory written by WriteDir.
type File struct {
	Name  string
	Write func(io.Writer) error
}

// WriteDir writes files into the directory parent/name in one step: into a
// temporary directory beside it, renamed into place when every file is
// complete. When parent/name already exists, each file is renamed into it
// in turn, replacing the file of the same name. Missing parents are created;
// on failure, those it created are removed again.
func WriteDir(parent, name string, files []File) (err error) {
	created, err := mkdirAllTracked(parent)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			for i := len(created) - 1; i >= 0; i-- {
				os.Remove(created[i]) // only succeeds while empty
			}
		}
	}()
	target := filepath.Join(parent, name)
	if info, statErr := os.Stat(target); statErr == nil && !info.IsDir() {
		return errors.New(target + " exists and is not a directory")
	}
	tmp, err := os.MkdirTemp(parent, "."+name+".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone after a successful rename
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := Write(filepath.Join(tmp, f.Name), f.Write); err != nil {
			return err
		}
	}
	return moveInto(tmp, target, files)
}

// moveInto renames the directory tmp to target, or, when target exists,
// renames tmp's files into it one by one.
func moveInto(tmp, target string, files []File) error {
	err := os.Rename(tmp, target)
	if err == nil {
		return nil
	}
	if _, statErr := os.Stat(target); statErr != nil {
		return err
	}
	for _, f := range files {
		if err := os.Rename(filepath.Join(tmp, f.Name), filepath.Join(target, f.Name)); err != nil {
			return err
		}
	}
	return nil
}

// mkdirAllTracked creates dir and its missing parents and returns the
// directories it created, outermost first.
func mkdirAllTracked(dir string) ([]string, error) {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	var created []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil {
			for j := len(created) - 1; j >= 0; j-- {
				os.Remove(created[j])
			}
			return nil, err
		}
		created = append(created, missing[i])
	}
	return created, nil
}
