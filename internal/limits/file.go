package limits

import (
	"errors"
	"io"
	"os"
)

// ReadFile reads a whole file, as os.ReadFile does, but never more than the
// FileBytes limit: a larger file, or a device or pipe that does not end
// (/dev/zero), is an *ExceededError once the limit is read, not a process
// that runs out of memory. A directory is an error.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, &os.PathError{Op: "read", Path: path, Err: errors.New("is a directory")}
	}
	limit := Of(FileBytes)
	if info.Mode().IsRegular() && info.Size() > limit {
		return nil, &ExceededError{Kind: FileBytes, Field: "", Got: uint64(info.Size()), Limit: limit}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &ExceededError{Kind: FileBytes, Got: uint64(len(data)), Limit: limit}
	}
	return data, nil
}
