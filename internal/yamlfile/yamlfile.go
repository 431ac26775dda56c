// Package yamlfile reads the project's YAML configurations (hardware and
// driver policies): a name is a preset embedded in the binary, a path is a
// file, and decoding is strict, with errors on one line. Load is the one
// "preset or file" loader both kinds of configuration use.
package yamlfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/npusim/npusim/internal/limits"
	"go.yaml.in/yaml/v3"
)

// IsPath reports whether a name refers to a file rather than a preset: it
// contains a path separator or ends in .yaml or .yml.
func IsPath(nameOrPath string) bool {
	hasSeparator := strings.ContainsAny(nameOrPath, `/\`)
	yamlName := strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml")
	return hasSeparator || yamlName
}

// ErrNoPreset reports a name that is not one of the presets.
var ErrNoPreset = errors.New("no such preset")

// Read returns the bytes of a preset (presets/<name>.yaml in the embedded
// file system) or of a file, and the file name to report in errors.
func Read(presets fs.FS, nameOrPath string) (file string, data []byte, err error) {
	if !IsPath(nameOrPath) {
		data, err := fs.ReadFile(presets, "presets/"+nameOrPath+".yaml")
		if err != nil {
			return "", nil, ErrNoPreset
		}
		return nameOrPath + ".yaml", data, nil
	}
	data, err = limits.ReadFile(nameOrPath)
	return filepath.Base(nameOrPath), data, err
}

// Kind is one kind of configuration with embedded presets.
type Kind struct {
	// Name names the kind in the error on an unknown preset ("hw", as in
	// "hw huge: no such preset"), File in errors reading a file ("hw
	// config", as in "hw config my.yaml: open my.yaml: ...").
	Name, File string
	// Presets holds the presets as presets/<name>.yaml.
	Presets fs.FS
	// Names lists the presets, in the order the error on an unknown one
	// gives them.
	Names func() []string
}

// Load returns what parse makes of a preset of the kind, by name, or of a
// file, by path (see IsPath): parse gets the file name to report in errors
// and the bytes.
func Load[T any](k Kind, nameOrPath string, parse func(file string, data []byte) (T, error)) (T, error) {
	file, data, err := Read(k.Presets, nameOrPath)
	switch {
	case errors.Is(err, ErrNoPreset):
		var zero T
		return zero, fmt.Errorf("%s %s: no such preset (presets: %s)", k.Name, nameOrPath, strings.Join(k.Names(), ", "))
	case err != nil:
		var zero T
		return zero, fmt.Errorf("%s %s: %w", k.File, nameOrPath, err)
	}
	return parse(file, data)
}

// Presets lists the names of the embedded presets, in file-name order. The
// presets are embedded in the binary: a file system without a presets
// directory is a build error, and Presets panics.
func Presets(presets fs.FS) []string {
	entries, err := fs.ReadDir(presets, "presets")
	if err != nil {
		panic(fmt.Sprintf("embedded presets: %v", err))
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// ErrEmpty reports a document with nothing in it.
var ErrEmpty = errors.New("the file is empty")

// Decode decodes one YAML document into v. Every value must fit its
// field: an unknown key, a key set twice, 8.5 for an integer or a list for
// a number is an error naming the field by its path in the document
// ("array.rows: must be an integer, got 8.5 (line 8)"); so is a second
// document in the file. An empty document is ErrEmpty; every error is one
// line.
func Decode(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return ErrEmpty
		}
		return OneLine(err)
	}
	if err := dec.Decode(new(yaml.Node)); !errors.Is(err, io.EOF) {
		return errors.New("the file holds more than one YAML document (a line \"---\" starts another)")
	}
	return DecodeNode(&doc, v, "")
}

// DecodeNode decodes a part of a document already parsed (a policy's
// version) into v, checked as Decode checks a document; path is where the
// node sits in its document, and begins the field path of errors.
func DecodeNode(n *yaml.Node, v any, path string) error {
	if err := (&checker{}).check(n, reflect.TypeOf(v), path); err != nil {
		return err
	}
	if err := n.Decode(v); err != nil {
		return OneLine(err)
	}
	return nil
}

// OneLine turns a YAML error into one line: the first of the decoder's
// errors, without its "yaml: " prefix.
func OneLine(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return errors.New(te.Errors[0])
	}
	return errors.New(strings.TrimPrefix(strings.ReplaceAll(err.Error(), "\n", " "), "yaml: "))
}
