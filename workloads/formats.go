package workloads

import (
	"strings"
	"sync"
)

// A FileLoader reads a workload from a model file of one format.
type FileLoader func(path string) (*Workload, error)

var (
	formatsMu sync.RWMutex
	formats   = map[string]FileLoader{} // lower-case file suffix -> loader
)

// RegisterFormat makes Load and Check accept model files whose names end in
// suffix (".onnx"), read by load. Packages that read a model format register
// it from their init, so that importing them is enough for every command that
// takes a workload to take such files.
func RegisterFormat(suffix string, load FileLoader) {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	formats[strings.ToLower(suffix)] = load
}

// formatLoader returns the registered loader for a path, or nil.
func formatLoader(path string) FileLoader {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	for suffix, load := range formats {
		if strings.HasSuffix(strings.ToLower(path), suffix) {
			return load
		}
	}
	return nil
}
