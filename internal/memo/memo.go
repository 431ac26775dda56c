// Package memo computes a value once per key and keeps it. It is what the
// caches of npusim are made of: the workloads a loader has built, the
// reference values of a sweep's samples, the programs a campaign has
// compiled. Each is a Map held by the value that owns the cache, never a
// package variable, so that who keeps what, and for how long, is plain.
package memo

import (
	"fmt"
	"sync"
)

// Map keeps one value per key, computed by the first Get for the key.
// Concurrent Gets of one key compute it once and all return its value; an
// error is kept like a value. The zero Map is empty and ready to use; a Map
// must not be copied after first use.
type Map[K comparable, V any] struct {
	mu      sync.Mutex
	entries map[K]*entry[V]
}

// entry is one key's value, computed once.
type entry[V any] struct {
	once sync.Once
	v    V
	err  error
}

// Get returns the value kept for key, calling compute to make it the first
// time.
func (m *Map[K, V]) Get(key K, compute func() (V, error)) (V, error) {
	m.mu.Lock()
	if m.entries == nil {
		m.entries = map[K]*entry[V]{}
	}
	e := m.entries[key]
	if e == nil {
		e = &entry[V]{}
		m.entries[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() {
		defer func() {
			if p := recover(); p != nil {
				// The key is kept as failed, not as a zero value that
				// later Gets would take for a result; the panic goes on
				// to the caller that computed it.
				e.err = fmt.Errorf("computing it failed: %v", p)
				panic(p)
			}
		}()
		e.v, e.err = compute()
	})
	return e.v, e.err
}
