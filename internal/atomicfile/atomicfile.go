// Package atomicfile writes files and directories so that no reader ever
// sees half of one, and a failed write leaves nothing behind.
//
// The content goes to a temporary file (or directory) created beside the
// target, in the same directory, and is renamed over the target only once it
// is complete: on POSIX file systems a rename within one directory replaces
// the target in one step, so a reader finds the old file or the new one,
// never a mixture, even when the writer is killed half way.
//
// Only regular files are written. A target that is a directory, a device
// (/dev/stdout, /dev/null), a pipe or a socket is refused with a
// *TargetError before anything is written, since renaming a file over it
// would replace the device node itself; so is a symbolic link to nothing. A
// symbolic link to a regular file is written through: the file it points to
// is replaced and the link stays a link. Every file written gets mode 0644.
package atomicfile

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// TargetError reports a path npusim will not write a file to.
type TargetError struct {
	Path string
	Why  string
}

func (e *TargetError) Error() string { return e.Path + ": " + e.Why }

// Resolve returns the regular file a write to path replaces or creates:
// path itself, or, when path is a symbolic link, the file it points to. A
// directory, a device, a pipe, a socket, a link to nothing or a path whose
// directory does not exist is a *TargetError.
func Resolve(path string) (string, error) {
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if dir, err := os.Stat(filepath.Dir(path)); err != nil || !dir.IsDir() {
			return "", &TargetError{path, "its directory " + filepath.Dir(path) + " does not exist"}
		}
		return path, nil
	case err != nil:
		return "", err
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "", &TargetError{path, "is a symbolic link to a file that does not exist"}
		}
		if info, err = os.Stat(target); err != nil {
			return "", err
		}
		if !info.Mode().IsRegular() {
			return "", &TargetError{path, "is a symbolic link to " + target + ", which " + notFile(info)}
		}
		return target, nil
	}
	if !info.Mode().IsRegular() {
		return "", &TargetError{path, notFile(info)}
	}
	return path, nil
}

// notFile says what a target that is not a regular file is.
func notFile(info fs.FileInfo) string {
	if info.IsDir() {
		return "is a directory, not a file"
	}
	return "is not a regular file (a device, pipe or socket); write to a file"
}

// Write writes the file at path with what write writes (buffered), through
// a temporary file beside it (beside the file a symbolic link points to).
// The file gets mode 0644; on any failure nothing is left behind.
func Write(path string, write func(io.Writer) error) (err error) {
	target, err := Resolve(path)
	if err != nil {
		return err
	}
	tmp, err := writeTemp(target, write)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, target); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}

// writeTemp writes a complete temporary file beside target and returns its
// name; on failure it removes it.
func writeTemp(target string, write func(io.Writer) error) (name string, err error) {
	f, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return "", &TargetError{target, "cannot be written in " + filepath.Dir(target) + " (" + Reason(err) + ")"}
	}
	defer func() {
		if err != nil {
			// The content is discarded, so a failed Close loses nothing.
			_ = f.Close()
			err = errors.Join(err, os.Remove(f.Name()))
		}
	}()
	bw := bufio.NewWriter(f)
	if err = write(bw); err != nil {
		return "", err
	}
	if err = bw.Flush(); err != nil {
		return "", err
	}
	if err = f.Chmod(0o644); err != nil {
		return "", err
	}
	if err = f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// WriteAll writes several files, each as Write does, so that either all of
// them are replaced or, on an error, none.
func WriteAll(files map[string][]byte) (err error) {
	targets := map[string]string{}
	for path := range files {
		target, err := Resolve(path)
		if err != nil {
			return err
		}
		targets[path] = target
	}
	temps := map[string]string{}
	defer func() {
		for _, path := range slices.Sorted(maps.Keys(temps)) {
			err = errors.Join(err, os.Remove(temps[path]))
		}
	}()
	for path, data := range files {
		tmp, err := writeTemp(targets[path], func(w io.Writer) error { _, err := w.Write(data); return err })
		if err != nil {
			return err
		}
		temps[path] = tmp
	}
	for path, tmp := range temps {
		if err := os.Rename(tmp, targets[path]); err != nil {
			return err
		}
		delete(temps, path)
	}
	return nil
}

// Reason is what went wrong with a file system call, without the call and
// its path ("permission denied", "read-only file system").
func Reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// MkdirAll creates dir and its missing parents, as os.MkdirAll does, with
// an error that names dir and says why it cannot be created.
func MkdirAll(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &TargetError{dir, "cannot be created (" + Reason(err) + ")"}
	}
	return nil
}

// CheckDir checks that dir can be a results directory: it does not exist
// yet, or it is a directory (a symbolic link to one included).
func CheckDir(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, lerr := os.Lstat(dir); lerr == nil {
			return &TargetError{dir, "is a symbolic link to a directory that does not exist"}
		}
		return nil
	case err != nil:
		return err
	case !info.IsDir():
		return &TargetError{dir, "exists and is not a directory"}
	}
	return nil
}

// CheckNewDir checks that dir can take a new set of files without mixing
// them with others: as CheckDir, and, if it exists, it is empty.
func CheckNewDir(dir string) error {
	if err := CheckDir(dir); err != nil {
		return err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return &TargetError{dir, "is not empty; choose a new or empty directory"}
	}
	return nil
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
			err = errors.Join(err, removeDirs(created))
		}
	}()
	target := filepath.Join(parent, name)
	if err := CheckDir(target); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+name+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		err = errors.Join(err, os.RemoveAll(tmp)) // gone after a successful rename
	}()
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
			return nil, errors.Join(err, removeDirs(created))
		}
		created = append(created, missing[i])
	}
	return created, nil
}

// removeDirs removes the directories mkdirAllTracked created, innermost
// first. Each removal succeeds only while its directory is empty.
func removeDirs(created []string) error {
	var err error
	for i := len(created) - 1; i >= 0; i-- {
		err = errors.Join(err, os.Remove(created[i]))
	}
	return err
}
