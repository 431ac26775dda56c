package limits

import (
	"bytes"
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
	defer f.Close() //nolint:errcheck // read-only file: Close cannot lose data
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
	if info.Mode().IsRegular() { // its size is known: one buffer of that size
		buf := bytes.NewBuffer(make([]byte, 0, info.Size()+bytes.MinRead))
		if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
			return nil, err
		}
		return checkRead(buf.Bytes(), limit)
	}
	return readStream(f, limit)
}

// readStream reads a device or pipe in chunks, so that memory stays at
// what was read (never twice the limit, as a doubling buffer would), up to
// one byte past the limit.
func readStream(r io.Reader, limit int64) ([]byte, error) {
	var chunks [][]byte
	var total int64
	for total <= limit {
		chunk := make([]byte, min(1<<20, limit+1-total))
		n, err := io.ReadFull(r, chunk)
		chunks, total = append(chunks, chunk[:n]), total+int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if total > limit {
		return nil, &ExceededError{Kind: FileBytes, Got: uint64(total), Limit: limit}
	}
	data := make([]byte, 0, total)
	for _, c := range chunks {
		data = append(data, c...)
	}
	return data, nil
}

// checkRead returns what was read when it is within the limit.
func checkRead(data []byte, limit int64) ([]byte, error) {
	if int64(len(data)) > limit {
		return nil, &ExceededError{Kind: FileBytes, Got: uint64(len(data)), Limit: limit}
	}
	return data, nil
}
