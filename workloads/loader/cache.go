package loader

import (
	"bytes"
	"encoding/gob"
	"reflect"

	"github.com/npusim/npusim/internal/diskcache"
	"github.com/npusim/npusim/workloads"
)

// NewCached returns a Loader that also keeps the zoo workloads it builds in
// a disk cache (package diskcache), so that the next process reads them
// instead of training, quantizing and calibrating them again. A zoo
// workload depends only on its canonical spec and the program's code and
// embedded data, which the cache's build digest covers. Files are read
// anew: what they depend on lies outside the program. A nil cache is no
// cache.
func NewCached(c *diskcache.Cache) *Loader { return &Loader{disk: c} }

// cacheKind names the entries of zoo workloads.
const cacheKind = "workload"

// fromDisk returns build wrapped by the disk cache under the zoo spec key.
func (l *Loader) fromDisk(key string, build func() (*workloads.Workload, error)) func() (*workloads.Workload, error) {
	if l.disk == nil {
		return build
	}
	return func() (*workloads.Workload, error) {
		if data, ok := l.disk.Get(cacheKind, []byte(key)); ok {
			if w, err := decodeWorkload(data); err == nil {
				return w, nil
			}
		}
		w, err := build()
		if err != nil {
			return nil, err
		}
		if data, ok := encodeWorkload(w); ok {
			_ = l.disk.Put(cacheKind, []byte(key), data) // a failed write only costs the next process a build
		}
		return w, nil
	}
}

// encodeWorkload encodes a workload for the cache, and reports false if
// decoding would not give back an equal workload (gob does not keep the
// difference between a nil and an empty slice, or NaNs as equal): such a
// workload is not cached.
func encodeWorkload(w *workloads.Workload) ([]byte, bool) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(w); err != nil {
		return nil, false
	}
	back, err := decodeWorkload(b.Bytes())
	if err != nil || !reflect.DeepEqual(back, w) {
		return nil, false
	}
	return b.Bytes(), true
}

func decodeWorkload(data []byte) (*workloads.Workload, error) {
	var w workloads.Workload
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return nil, err
	}
	return &w, nil
}
